import logging

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import UserError, ValidationError

from .payment_provider import stripe_installed

_logger = logging.getLogger(__name__)

# Operations that take the customer's money for the transaction's invoices (not a validation or
# a refund).
PAYING_OPERATIONS = ("online_redirect", "online_direct", "online_token", "offline")


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

    @api.model_create_multi
    def create(self, vals_list):
        # EXTENDS payment: the one live payment per invoice rule holds for every route that creates
        # a transaction of invoices (TO PAY, Odoo's invoice page and pay-overdue, JSON-RPC, other
        # modules): see account.move._payer_reserve_for_payment.
        transactions = super().create(vals_list)
        paying = transactions.sudo().filtered(lambda tx: tx.invoice_ids and tx.operation in PAYING_OPERATIONS)
        if paying:
            documents = paying.invoice_ids | paying.payer_payment_id.line_ids.move_id
            documents._payer_reserve_for_payment(keep=paying, payer_payment=paying.payer_payment_id)
        return transactions

    def _create_payment(self, **extra_create_values):
        # EXTENDS account_payment: a payer portal payment first sets its credits off against the
        # invoices (recorded plan), then Odoo reconciles the payment with what is left of them.
        self.ensure_one()
        payer_payment = self.payer_payment_id.sudo()
        if payer_payment and payer_payment.state in ("draft", "processing"):
            payer_payment._apply_setoff()
        if payer_payment:
            # The memo (the journal entry's reference, read on statements) is the reference the
            # customer knows, not "<transaction reference> - <provider reference>".
            extra_create_values.setdefault("memo", payer_payment._reference())
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

    # ------------------------------------------------------------------ Stripe, when installed
    # The addon does not depend on payment_stripe: what it does for Stripe acts only on transactions
    # of a provider whose code is 'stripe', which exists only while payment_stripe is installed (its
    # fields and methods then exist too). Without it, none of this runs.

    def _payer_is_stripe(self):
        self.ensure_one()
        return self.provider_code == "stripe" and stripe_installed(self.env["payment.provider"])

    def _payer_cancelled_at_source(self):
        """A replaced attempt cannot be paid any more: the demo provider's (its "payment" is Odoo's
        own transaction state), and a Stripe one whose PaymentIntent was cancelled at Stripe by
        ``_payer_cancel_at_provider``. A Stripe attempt whose intent Odoo does not know is not:
        if Stripe confirms it anyway, it is recorded."""
        self.ensure_one()
        return self.provider_code == "demo" or (
            self._payer_is_stripe() and (self.provider_reference or "").startswith("pi_")
        )

    def _payer_cancel_at_provider(self):
        """Make sure a replaced attempt can never be charged: Stripe's PaymentIntent of a draft
        transaction is cancelled at Stripe (the transaction is cancelled in Odoo by the caller).
        If Stripe refuses (the intent was just paid, or is processing), the new attempt is refused:
        the earlier one is left to finish."""
        self.ensure_one()
        if not self._payer_is_stripe() or not (self.provider_reference or "").startswith("pi_"):
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
        # EXTENDS payment_stripe (only payment_stripe calls it, so never without it): remember the
        # PaymentIntent at once (any Stripe payment, also one started from Odoo's own invoice page),
        # so that it can be cancelled at Stripe if the customer starts again from the payer portal.
        intent = super()._stripe_create_intent()
        if intent and intent.get("id", "").startswith("pi_") and not self.provider_reference:
            self.provider_reference = intent["id"]
        return intent

    # ------------------------------------------------------------------ Stripe: only Stripe's word

    def _payer_trusts_provider_only(self):
        """A Stripe payment of invoices (TO PAY's or Odoo's invoice page): its state is taken from
        Stripe's API, never from the data a request brings (see ``_process``)."""
        self.ensure_one()
        return (
            self._payer_is_stripe()
            and self.operation in PAYING_OPERATIONS
            and bool(self.payer_payment_id or self.invoice_ids)
        )

    def _process(self, provider_code, payment_data):
        # EXTENDS payment: Odoo's Stripe webhook processes events without checking them when the
        # provider has no webhook secret, so anyone who knows a payment's reference could mark it
        # paid. For a payment of invoices, the PaymentIntent is read back from Stripe's API
        # (authenticated by the secret key) and only what Stripe answers is processed: its
        # status, amount and currency.
        if provider_code != "stripe" or not stripe_installed(self.env["payment.provider"]):
            return super()._process(provider_code, payment_data)
        tx = self or self._search_by_reference(provider_code, payment_data)
        if not tx or not tx._payer_trusts_provider_only():
            return super()._process(provider_code, payment_data)
        trusted = tx._payer_stripe_payment_data(payment_data)
        if trusted is None:
            return tx
        return super(PaymentTransaction, tx)._process(provider_code, trusted)

    def _payer_stripe_payment_data(self, payment_data):
        """``payment_data`` with the PaymentIntent as Stripe's API returns it, or None when Stripe
        does not confirm that this transaction's PaymentIntent exists (nothing is processed)."""
        self.ensure_one()
        received = payment_data.get("payment_intent") or {}
        intent_id = self.provider_reference if (self.provider_reference or "").startswith("pi_") else None
        intent_id = intent_id or (received.get("id") if isinstance(received, dict) else None)
        if not intent_id:
            _logger.warning("payment data of %s without a PaymentIntent: ignored", self.reference)
            return None
        try:
            intent = self._send_api_request("GET", f"payment_intents/{intent_id}", data={"expand[]": "payment_method"})
        except ValidationError:
            _logger.warning("PaymentIntent %s of %s could not be read from Stripe: ignored", intent_id, self.reference)
            return None
        if intent.get("description") != self.reference:
            _logger.warning(
                "PaymentIntent %s is not the one of %s (Stripe describes it as %r): ignored",
                intent_id,
                self.reference,
                intent.get("description"),
            )
            return None
        return {**payment_data, "payment_intent": intent, "payment_method": intent.get("payment_method")}
