import logging

from odoo import SUPERUSER_ID, fields, models
from odoo.exceptions import UserError, ValidationError

_logger = logging.getLogger(__name__)


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    payer_replaced = fields.Boolean(
        string="Replaced by a new payer portal attempt",
        readonly=True,
        help="Cancelled because the customer started a new payment of the same invoices. If the provider "
        "still confirms it, it is recorded anyway (the money was taken).",
    )
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

    def _get_invoices_to_notify(self):
        # EXTENDS account_payment: the invoices of a payer portal payment (possibly thousands) are
        # logged in one batch by _log_message_on_linked_documents, not one message_post each.
        if self.payer_payment_id:
            return self.env["account.move"]
        return super()._get_invoices_to_notify()

    def _log_message_on_linked_documents(self, message):
        # EXTENDS account_payment: see _get_invoices_to_notify.
        result = super()._log_message_on_linked_documents(message)
        if self.payer_payment_id and self.invoice_ids:
            if self.env.uid == SUPERUSER_ID or self.env.context.get("payment_backend_action"):
                author = self.env.user.partner_id
            else:
                author = self.partner_id
            self.invoice_ids._message_log_batch(dict.fromkeys(self.invoice_ids.ids, message), author_id=author.id)
            self.payer_payment_id.sudo()._message_log(body=message, author_id=author.id)
        return result

    def _set_done(self, *, state_message=None, extra_allowed_states=()):
        # EXTENDS payment: a replaced attempt that the provider confirms anyway took the money: it is
        # recorded (its payment pays what is still open, the rest is a credit), never dropped.
        replaced = self.filtered(lambda tx: tx.payer_replaced and tx.state == "cancel")
        done = super(PaymentTransaction, self - replaced)._set_done(
            state_message=state_message, extra_allowed_states=extra_allowed_states
        )
        if replaced:
            done |= super(PaymentTransaction, replaced)._set_done(
                state_message=state_message, extra_allowed_states=(*extra_allowed_states, "cancel")
            )
        return done

    def _payer_cancel_at_provider(self):
        """Make sure a replaced attempt can never be charged: Stripe's PaymentIntent of a draft
        transaction is cancelled at Stripe (the transaction is cancelled in Odoo by the caller).
        If Stripe refuses (the intent was just paid, or is processing), the new attempt is refused:
        the earlier one is left to finish."""
        self.ensure_one()
        if self.provider_code != "stripe" or not (self.provider_reference or "").startswith("pi_"):
            return
        intent = self.provider_reference
        try:
            self._send_api_request("POST", f"payment_intents/{intent}/cancel")
        except ValidationError as error:
            try:
                status = self._send_api_request("GET", f"payment_intents/{intent}").get("status")
            except ValidationError:
                status = None
            if status != "canceled":
                _logger.warning("could not cancel Stripe PaymentIntent %s (%s): %s", intent, status, error)
                raise UserError(
                    self.env._(
                        "An earlier payment of these invoices may be going through: wait a minute and reload "
                        "the page before paying again."
                    )
                ) from error

    def _stripe_create_intent(self):
        # EXTENDS payment_stripe: remember the PaymentIntent at once (any Stripe payment, also one
        # started from Odoo's own invoice page), so that it can be cancelled at Stripe if the
        # customer starts again from the payer portal.
        intent = super()._stripe_create_intent()
        if intent and intent.get("id", "").startswith("pi_") and not self.provider_reference:
            self.provider_reference = intent["id"]
        return intent
