from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import plaintext2html
from odoo.tools.sql import column_exists, create_column

from .payer_dispute import OPEN_STATES
from .payer_portal_ledger import STALE_TX_STATES, is_live_transaction


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "payer.customer.post.mixin"]

    payer_dispute_ids = fields.One2many("payer.dispute", "move_id", string="Disputes")
    payer_dispute_count = fields.Integer(compute="_compute_payer_dispute_count", string="Dispute count")
    payer_dispute_open = fields.Boolean(
        string="Disputed",
        compute="_compute_payer_dispute_open",
        store=True,
        help="The customer has an open dispute on this invoice: the disputed amount cannot be paid online "
        "and the invoice is left out of payment reminders until the dispute is closed.",
    )

    payer_question_open = fields.Boolean(
        string="Customer question open",
        compute="_compute_payer_question_open",
        help="The customer asked a question from the payer portal and its To-Do activity for the "
        "responsible is not done yet.",
    )

    payer_payment_awaiting = fields.Boolean(
        string="Awaiting a payment confirmation",
        compute="_compute_payer_payment_awaiting",
        help="An online payment of this document may have taken the money (pending, authorized, or "
        "done and not yet posted), or such a payer portal payment sets this credit off: it cannot be "
        "paid again until that payment ends.",
    )

    payer_promise_line_ids = fields.One2many("payer.promise.line", "move_id", string="Promises to pay")
    payer_promise_id = fields.Many2one(
        "payer.promise",
        string="Open promise to pay",
        compute="_compute_payer_promise_id",
        store=True,
        index="btree_not_null",
        help="The customer promised to pay this invoice on a date: until then it is left out of what "
        "the account status emails ask for.",
    )
    payer_promise_date = fields.Date(related="payer_promise_id.date", string="Promised for")

    def _auto_init(self):
        # No invoice is disputed nor promised at install: create the columns empty rather than
        # computing them for every journal entry of the database.
        if not column_exists(self.env.cr, "account_move", "payer_dispute_open"):
            create_column(self.env.cr, "account_move", "payer_dispute_open", "boolean")
        if not column_exists(self.env.cr, "account_move", "payer_promise_id"):
            create_column(self.env.cr, "account_move", "payer_promise_id", "int4")
        return super()._auto_init()

    @api.depends("payer_promise_line_ids.is_open")
    def _compute_payer_promise_id(self):
        for move in self:
            move.payer_promise_id = move.payer_promise_line_ids.filtered("is_open")[:1].promise_id

    @api.depends("payer_dispute_ids")
    def _compute_payer_dispute_count(self):
        groups = self.env["payer.dispute"]._read_group([("move_id", "in", self.ids)], ["move_id"], ["__count"])
        counts = {move.id: count for move, count in groups}
        for move in self:
            move.payer_dispute_count = counts.get(move.id, 0)

    @api.depends("payer_dispute_ids.state")
    def _compute_payer_dispute_open(self):
        for move in self:
            move.payer_dispute_open = any(d.state in OPEN_STATES for d in move.payer_dispute_ids)

    @api.depends("transaction_ids.state", "transaction_ids.is_post_processed")
    def _compute_payer_payment_awaiting(self):
        # One look-up for every move being read: Odoo's invoice list asks each row whether it can
        # be paid (``_has_to_be_paid``); the moves of the page are computed together.
        awaiting = self.env["payer.portal.ledger"]._awaiting_payment_moves(self.sudo())
        for move in self:
            move.payer_payment_awaiting = move.id in awaiting.ids

    @api.depends("activity_ids")
    def _compute_payer_question_open(self):
        # One query for every move being read (the rows of a portal page are read together).
        groups = (
            self.env["mail.activity"]
            .sudo()
            ._read_group(
                [("res_model", "=", self._name), ("res_id", "in", self.ids), ("payer_question", "=", True)],
                ["res_id"],
            )
        )
        open_ids = {res_id for (res_id,) in groups}
        for move in self:
            move.payer_question_open = move.id in open_ids

    def _has_to_be_paid(self):
        # EXTENDS account_payment: no online payment of an invoice under dispute, or held by a
        # payment that may have taken the money (pending, authorized, done and not yet posted).
        return super()._has_to_be_paid() and not self.payer_dispute_open and not self.payer_payment_awaiting

    # ------------------------------------------------------------------ one live payment per document

    def _payer_payment_transactions(self):
        """Every transaction that pays or sets off one of these documents: by its invoices
        (Odoo's routes and TO PAY) or as a document of a TO PAY payment (credits too)."""
        Tx = self.env["payment.transaction"].sudo()
        return Tx.search([("invoice_ids", "in", self.ids)]) | Tx.search(
            [("payer_payment_id.line_ids.move_id", "in", self.ids)]
        )

    def _payer_reserve_for_payment(self, keep=None, payer_payment=None):
        """The one live payment per document rule, crossed by every path that starts a payment of
        these documents: TO PAY, Odoo's invoice page and pay-overdue routes, or any transaction
        created with invoices (``payment.transaction.create``), in the request's database
        transaction.

        1. The documents' lock rows are written (``payer.move.lock``): two requests cannot both
           pass this point on the same document, whatever their snapshots (the later one is
           retried by Odoo and then sees the other's transaction).
        2. Refused while a transaction of the documents is pending, authorized, or done and not
           yet posted (it may have taken the money), or while an invoice is under dispute, unless
           a TO PAY payment (``payer_payment``) plans no more than its undisputed part (the rest
           of its balance after the disputed amount). Odoo's own invoice page and pay-overdue
           route take their amount from the browser: a disputed invoice stays blocked there.
        3. Earlier unfinished attempts (draft or failed transactions, whichever route started
           them) but ``keep`` are replaced: cancelled at the provider first (refused when the
           provider says it may be paid), so that one attempt at a time can take the money.

        :param keep: the transactions of the payment going on (``payment.transaction``)
        :param payer_payment: the TO PAY payment going on, kept open (``payer.payment``)
        """
        Tx = self.env["payment.transaction"].sudo()
        keep = keep or Tx
        self.env["payer.move.lock"].sudo()._lock(self)
        disputed = self.env["payer.portal.ledger"]._disputed_moves(self)
        disputed -= self._payer_within_undisputed_part(payer_payment)
        if disputed:
            raise UserError(
                self.env._(
                    "%(invoices)s is under dispute: it cannot be paid online until the dispute is closed.",
                    invoices=", ".join(disputed.mapped("name")),
                )
            )
        txs = self._payer_payment_transactions() - keep
        if txs.filtered(is_live_transaction):
            raise UserError(self.env._("A payment of these invoices is already awaiting confirmation."))
        stale = txs.filtered(lambda tx: tx.state in STALE_TX_STATES)
        if not stale:
            return
        reference = (payer_payment[:1].name if payer_payment else None) or keep[:1].reference or ""
        for tx in stale:
            tx._payer_cancel_at_provider()
        # At a provider we cannot cancel at, the old attempt may still be paid: then it is recorded.
        stale.filtered(lambda tx: not tx._payer_cancelled_at_source()).payer_replaced = True
        stale._set_canceled(
            state_message=self.env._("Replaced by a new payment attempt (%(reference)s).", reference=reference),
            extra_allowed_states=("error",),
        )
        (stale.payer_payment_id - (payer_payment or self.env["payer.payment"])).filtered(
            lambda p: p.state in ("draft", "processing")
        ).write({"state": "cancel"})

    def _payer_within_undisputed_part(self, payer_payment):
        """The invoices of ``self`` under a partial dispute of which the TO PAY payment
        ``payer_payment`` pays and sets off no more than the undisputed part (the residual less the
        open dispute's amount); empty without a payment."""
        if not payer_payment:
            return self.browse()
        disputed = self.env["payer.portal.ledger"]._disputed_amounts(self)
        planned = {}
        for line in payer_payment.sudo().line_ids.filtered(lambda line: line.kind == "invoice"):
            planned[line.move_id.id] = planned.get(line.move_id.id, 0.0) + line.amount_setoff + line.amount_paid
        within = self.browse()
        for move in self:
            if move.id not in disputed or move.id not in planned:
                continue
            amount, currency = disputed[move.id]
            undisputed = currency.round(move.amount_residual - amount)
            if (
                currency.compare_amounts(undisputed, 0.0) > 0
                and currency.compare_amounts(planned[move.id], undisputed) <= 0
            ):
                within |= move
        return within

    def _payer_responsible_user(self):
        """Who handles the customer's questions and disputes on this invoice: the customer's
        salesperson, else the invoice's, else the company's default responsible."""
        self.ensure_one()
        for user in (
            self.commercial_partner_id.user_id,
            self.partner_id.user_id,
            self.invoice_user_id,
            self.company_id.payer_dispute_user_id,
        ):
            if user and user.active and not user.share:
                return user
        return self.env["res.users"]

    def _payer_post_question(self, contact, question):
        """Post the customer's question on the invoice's conversation and ask the responsible to
        answer it (To-Do activity, which emails them). The customer follows the invoice, so that the
        answer reaches them by email and on the portal.

        :param contact: the customer's contact asking (``res.partner``)
        :param question: plain text, escaped here
        """
        self.ensure_one()
        question = (question or "").strip()
        if not question:
            raise UserError(self.env._("Write your question before sending it."))
        self._payer_check_customer_post(body=question)
        self.message_subscribe(partner_ids=contact.ids)
        message = self.message_post(
            author_id=contact.id,
            body=plaintext2html(question),
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        responsible = self._payer_responsible_user()
        if responsible:
            self.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=responsible.id,
                summary=self.env._("Answer the question of %(customer)s", customer=contact.display_name),
                note=plaintext2html(question),
                payer_question=True,
            )
        return message

    def action_view_payer_promise(self):
        self.ensure_one()
        return self.payer_promise_id._get_records_action(name=self.env._("Promise to pay"))

    def action_view_payer_disputes(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account_payer_portal.action_payer_dispute")
        action["domain"] = [("move_id", "=", self.id)]
        action["context"] = {"default_move_id": self.id}
        if self.payer_dispute_count == 1:
            action.update(view_mode="form", views=[(False, "form")], res_id=self.payer_dispute_ids.id)
        return action

    # ------------------------------------------------------------------ invoice emails

    def _notify_get_recipients_classify(self, message, recipients_data, model_description, msg_vals=False):
        """Invoice emails: the copies of the customer's own contacts (same commercial partner, not
        internal users) carry its payer portal link of the invoice's company (``payer_link``, shown
        by the layout beside Odoo's access button); nobody else in copy gets it."""
        groups = super()._notify_get_recipients_classify(message, recipients_data, model_description, msg_vals=msg_vals)
        if len(self) != 1 or self.move_type not in ("out_invoice", "out_refund") or self.state != "posted":
            return groups
        customer = self.commercial_partner_id
        return self.env["res.partner"]._payer_split_recipients_groups(
            groups, customer, lambda: {"payer_link": customer._payer_portal_link_url(self.company_id)}
        )
