import logging

from odoo import fields, models
from odoo.exceptions import ValidationError

_logger = logging.getLogger(__name__)


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    payer_payment_id = fields.Many2one(
        "payer.payment", string="Payer portal payment", index="btree_not_null", readonly=True
    )

    def _create_payment(self, **extra_create_values):
        # EXTENDS account_payment: a payer portal payment first sets its credits off against the
        # invoices (recorded plan), then Odoo reconciles the payment with what is left of them.
        self.ensure_one()
        payer_payment = self.payer_payment_id.sudo()
        if payer_payment and payer_payment.state in ("draft", "processing"):
            payer_payment._apply_setoff()
        payment = super()._create_payment(**extra_create_values)
        if payer_payment:
            payer_payment._on_transaction_done(self, payment)
        return payment

    def _payer_cancel_at_provider(self):
        """Make sure a replaced attempt can never be charged: Stripe's PaymentIntent of a draft
        transaction is cancelled at Stripe (the transaction is cancelled in Odoo by the caller)."""
        self.ensure_one()
        if (
            self.provider_code != "stripe"
            or not self.provider_reference
            or not self.provider_reference.startswith("pi_")
        ):
            return
        try:
            self._send_api_request("POST", f"payment_intents/{self.provider_reference}/cancel")
        except ValidationError as error:
            _logger.warning("could not cancel Stripe PaymentIntent %s: %s", self.provider_reference, error)

    def _stripe_create_intent(self):
        # EXTENDS payment_stripe: remember the PaymentIntent of a payer portal transaction at once,
        # so that it can be cancelled at Stripe if the customer starts again.
        intent = super()._stripe_create_intent()
        if intent and self.payer_payment_id and intent.get("id", "").startswith("pi_") and not self.provider_reference:
            self.provider_reference = intent["id"]
        return intent
