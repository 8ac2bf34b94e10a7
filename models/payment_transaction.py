import logging

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from .payment_provider import stripe_installed

_logger = logging.getLogger(__name__)

# Operations that take the customer's money for the transaction's invoices (not a validation or
# a refund).
PAYING_OPERATIONS = ("online_redirect", "online_direct", "online_token", "offline")

# A payer portal payment of more documents than this (system parameter
# ``account_payer_portal.large_payment_documents``) is recorded by a job, not in the request that
# sees its transaction done; the job works in batches of ``account_payer_portal.large_payment_batch``
# set-offs or invoices, committed one by one. Each batch's reconciliation costs more as the payment
# holds more of them (Odoo recomputes the payment's reconciled invoices, account.move's
# _compute_reconciled_payment_ids): at 3,334 invoices, batches of 1,000 took 40 to 74 s in all, of
# 500 55 s, of 250 128 s (tooling/bench.py on a busy 2-core machine; inline, 40 to 55 s).
LARGE_PAYMENT_DOCUMENTS = 200
LARGE_PAYMENT_BATCH = 1000


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
    # Recording a large payer portal payment off the request (see _payer_defer_recording).
    payer_recording = fields.Boolean(
        string="Being recorded by the payer portal job",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Confirmed by the provider: its payment is being recorded in batches by the cron "
        '"Payer portal: record large payments". Odoo\'s post-processing leaves it to that job.',
    )
    payer_setoff_position = fields.Integer(
        string="Set-off steps applied", readonly=True, copy=False, help="Progress of the recording job."
    )
    payer_recorded_count = fields.Integer(
        string="Invoices recorded", readonly=True, copy=False, help="Progress of the recording job."
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
        tx = self
        if payer_payment and payer_payment.state in ("draft", "processing"):
            # Each invoice is paid for the amount the customer chose, not its whole balance.
            caps = payer_payment._reconcile_caps()
            tx = self.with_context(payer_reconcile_caps=caps) if caps else self
        payment = super(PaymentTransaction, tx)._create_payment(**extra_create_values)
        if payer_payment:
            payer_payment._on_transaction_done(self, payment)
        return payment

    # ------------------------------------------------------------------ large payments, off the request
    # Odoo post-processes a done transaction in the request that polls its status (/payment/status/
    # poll), or in its cron "Payment: Post-process transactions": for a payment of thousands of
    # invoices that is many seconds of reconciliation in a customer's request. Such a transaction
    # is handed to a job instead: every caller of _post_process (the poll, Odoo's cron, the
    # backend's button) leaves it unprocessed (``is_post_processed`` stays False, so its invoices
    # stay "awaiting payment confirmation" and cannot be paid again) and the job records it.

    def _post_process(self):
        # EXTENDS payment: a large payer portal payment is recorded by the job, not here.
        deferred = self._payer_defer_recording()
        return super(PaymentTransaction, self - deferred)._post_process()

    @api.model
    def _payer_large_payment_documents(self):
        value = self.env["ir.config_parameter"].sudo().get_param("account_payer_portal.large_payment_documents")
        return int(value) if str(value or "").strip().isdigit() else LARGE_PAYMENT_DOCUMENTS

    @api.model
    def _payer_recording_batch(self):
        value = self.env["ir.config_parameter"].sudo().get_param("account_payer_portal.large_payment_batch")
        return max(int(value), 1) if str(value or "").strip().isdigit() else LARGE_PAYMENT_BATCH

    def _payer_defer_recording(self):
        """The transactions of ``self`` that the job records (the others are post-processed as
        usual): done payer portal payments of more documents than the threshold, or already handed
        to the job. Newly handed ones wake the job up."""
        if self.env.context.get("payer_recording_job"):
            return self.browse()
        threshold = self._payer_large_payment_documents()
        deferred = self.filtered(
            lambda tx: tx.state == "done"
            and not tx.is_post_processed
            and tx.payer_payment_id
            and (
                tx.payer_recording
                or (
                    not tx.payment_id
                    and tx.operation in PAYING_OPERATIONS
                    and not tx.child_transaction_ids
                    and len(tx.payer_payment_id.line_ids) > threshold
                )
            )
        )
        cron = self.env.ref("account_payer_portal.ir_cron_payer_payment_record", raise_if_not_found=False)
        if not deferred or not cron:
            return self.browse()
        new = deferred.filtered(lambda tx: not tx.payer_recording)
        if new:
            new.sudo().payer_recording = True
            cron.sudo()._trigger()
        return deferred

    @api.model
    def _cron_payer_record_payments(self):
        """Record the large payer portal payments confirmed by their provider (the cron "Payer
        portal: record large payments", triggered when one is handed over): batch by batch,
        each committed, so that a crash or a timeout goes on where it stopped. A payment that
        fails is left where its last batch ended (retried by the next run) and the others go on,
        as Odoo's own post-processing cron does."""
        IrCron = self.env["ir.cron"]
        transactions = self.sudo().search(
            [("payer_recording", "=", True), ("state", "=", "done"), ("is_post_processed", "=", False)], order="id"
        )
        failed = self.browse()

        def remaining():
            return sum(tx._payer_recording_left() for tx in transactions - failed)

        IrCron._commit_progress(remaining=remaining())
        for tx in transactions:
            try:
                finished = False
                while not finished:
                    processed, finished = tx._payer_record_step()
                    if IrCron._commit_progress(processed, remaining=remaining()) <= 0:
                        return
            except Exception:
                self.env.cr.rollback()
                failed |= tx
                _logger.exception("large payment %s could not be recorded: retried by the next run", tx.reference)
                IrCron._commit_progress(remaining=remaining())

    def _payer_recording_left(self):
        """About how many set-off steps and invoices the job still has to record (progress)."""
        self.ensure_one()
        if not self.payer_recording:
            return 0
        setoffs = 0 if self.payment_id else max(len(self.payer_payment_id.setoff_ids) - self.payer_setoff_position, 0)
        return setoffs + max(len(self.invoice_ids) - self.payer_recorded_count, 0) + 1

    def _payer_record_step(self):
        """One batch of the recording of this transaction, in order: the set-off plan, the payment
        (created once), its reconciliation with the invoices, then the outcome, the payer payment
        done and the receipt. What a batch did is committed with the mark of where it ended, so a
        re-run never does it again.

        :return: (items processed, whether the transaction is recorded)
        """
        self.ensure_one()
        tx = self.sudo().with_company(self.company_id).with_context(payer_recording_job=True)
        payer_payment = tx.payer_payment_id
        batch = self._payer_recording_batch()
        if not tx.payment_id and payer_payment.state in ("draft", "processing"):
            setoffs = payer_payment.setoff_ids.filtered(lambda s: s.sequence >= tx.payer_setoff_position)
            setoffs = setoffs.sorted("sequence")[:batch]
            if setoffs:
                payer_payment._apply_setoff(setoffs)
                tx.payer_setoff_position = setoffs[-1].sequence + 1
                return len(setoffs), False
        if not tx.payment_id:
            tx._payer_create_unreconciled_payment()
            return 1, False
        lines = tx._payer_lines_to_reconcile(batch)
        if lines:
            lines.with_context(payer_reconcile_caps=payer_payment._reconcile_caps()).reconcile()
            tx.payer_recorded_count = len(tx.invoice_ids) - tx._payer_invoices_left()
            return len(lines) - 1, False
        # Everything reconciled: Odoo's post-processing (flag, message on the documents, other
        # modules' steps; the payment exists so it is not created again), then the payer payment.
        tx._post_process()
        tx.write({"payer_recording": False, "payer_recorded_count": len(tx.invoice_ids)})
        payer_payment._on_transaction_done(tx, tx.payment_id)
        _logger.info("large payment %s recorded (%s invoices)", tx.reference, len(tx.invoice_ids))
        return 1, True

    def _payer_create_unreconciled_payment(self):
        """The payment of this transaction, posted, as account_payment's ``_create_payment``
        makes it, without reconciling it (the job reconciles it in batches). A payment of many
        documents is never one invoice's early-payment-discount amount: no discount line."""
        self.ensure_one()
        method_line = self.provider_id.journal_id.inbound_payment_method_line_ids.filtered(
            lambda line: line.payment_provider_id == self.provider_id
        )
        values = {
            "amount": abs(self.amount),
            "payment_type": "inbound" if self.amount > 0 else "outbound",
            "currency_id": self.currency_id.id,
            "partner_id": self.partner_id.commercial_partner_id.id,
            "partner_type": "customer",
            "journal_id": self.provider_id.journal_id.id,
            "company_id": self.provider_id.company_id.id,
            "payment_method_line_id": method_line.id,
            "payment_token_id": self.token_id.id,
            "payment_transaction_id": self.id,
            "memo": self.payer_payment_id._reference(),
            "write_off_line_vals": [],
            "invoice_ids": self.invoice_ids,
        }
        term_lines = self.invoice_ids.line_ids.filtered(lambda line: line.display_type == "payment_term")
        if term_lines:
            values["destination_account_id"] = term_lines[0].account_id.id
        payment = self.env["account.payment"].create(values)
        payment.action_post()
        self.payment_id = payment
        return payment

    def _payer_payment_line(self):
        payment = self.payment_id
        return payment.move_id.line_ids.filtered(lambda line: line.account_id == payment.destination_account_id)

    def _payer_open_invoice_lines_query(self, payment_line):
        """The invoices' lines the payment still has to pay: open, on its account, not matched
        with it yet (a line it paid in part, when it had no more, is matched: done), and of
        which the customer chose to pay something."""
        caps = self.payer_payment_id._reconcile_caps()
        only = (
            SQL("AND aml.id = ANY(%s)", [line_id for line_id, cap in caps.items() if cap > 0] or [0]) if caps else SQL()
        )
        return SQL(
            """
              FROM account_move_line aml
             WHERE aml.move_id = ANY(%(moves)s) %(only)s
               AND aml.account_id = %(account)s
               AND aml.parent_state = 'posted'
               AND NOT aml.reconciled
               AND NOT EXISTS (
                   SELECT 1 FROM account_partial_reconcile apr
                    WHERE (apr.debit_move_id = aml.id AND apr.credit_move_id = %(line)s)
                       OR (apr.credit_move_id = aml.id AND apr.debit_move_id = %(line)s)
               )
            """,
            moves=self.invoice_ids.filtered(lambda move: move.state != "cancel").ids or [0],
            only=only,
            account=payment_line.account_id.id,
            line=payment_line.id,
        )

    def _payer_lines_to_reconcile(self, limit):
        """The payment's line and the next ``limit`` invoice lines to reconcile it with (earliest
        due first), or nothing when the payment is used up or every invoice is recorded."""
        payment_line = self._payer_payment_line()
        if not payment_line or payment_line.reconciled:
            return self.env["account.move.line"]
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                "SELECT aml.id %s ORDER BY COALESCE(aml.date_maturity, aml.date), aml.move_id, aml.id LIMIT %s",
                self._payer_open_invoice_lines_query(payment_line),
                limit,
            )
        )
        if not rows:
            return self.env["account.move.line"]
        return payment_line | self.env["account.move.line"].browse([line_id for (line_id,) in rows])

    def _payer_invoices_left(self):
        """How many invoices the payment still has to be reconciled with."""
        payment_line = self._payer_payment_line()
        if not payment_line or payment_line.reconciled:
            return 0
        self.env.flush_all()
        [(count,)] = self.env.execute_query(
            SQL("SELECT COUNT(DISTINCT aml.move_id) %s", self._payer_open_invoice_lines_query(payment_line))
        )
        return count

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
