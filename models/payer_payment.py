import logging
import re
from decimal import Decimal, InvalidOperation

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, float_compare, float_is_zero

from ..tools.upload_policy import EMAIL_MAX_LENGTH
from .payer_portal_ledger import LIVE_TX_STATES

_logger = logging.getLogger(__name__)

# First key of the advisory locks taken on documents being paid (the second is the move id).
LOCK_NAMESPACE = 725_019


class PayerPayment(models.Model):
    """What a customer pays from the TO PAY tab: invoices of one company and currency, the
    credits set off against them, and the amount left to pay through a payment provider.

    Every figure is computed here from the ledger (the stored residuals of the selected documents'
    open receivable lines), never taken from the browser. The set-off plan (which credit reduces
    which invoice installment, by how much) is recorded at selection time and applied by real
    reconciliation when the payment succeeds (``_apply_setoff``); the provider's payment is then
    reconciled against exactly the selected invoices. When the credits cover the selection, no
    card payment is asked: the set-off is applied at once (``action_confirm_setoff``).

    draft (selected) -> processing (a transaction is running) -> done | cancel.
    """

    _name = "payer.payment"
    _description = "Payer portal payment"
    _inherit = ["mail.thread"]
    _order = "id desc"

    name = fields.Char(required=True, readonly=True, copy=False, default="/")
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True, index=True, ondelete="restrict"
    )
    contact_id = fields.Many2one("res.partner", string="Paid by", readonly=True, ondelete="set null")
    email = fields.Char(string="Receipt email", tracking=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    state = fields.Selection(
        [("draft", "Selected"), ("processing", "Payment in progress"), ("done", "Paid"), ("cancel", "Cancelled")],
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
        index=True,
    )
    line_ids = fields.One2many("payer.payment.line", "payer_payment_id", string="Documents", readonly=True)
    setoff_ids = fields.One2many("payer.payment.setoff", "payer_payment_id", string="Set-off", readonly=True)
    installment_ids = fields.One2many(
        "payer.payment.installment", "payer_payment_id", string="Installments", readonly=True
    )
    transaction_ids = fields.One2many("payment.transaction", "payer_payment_id", string="Transactions", readonly=True)
    payment_id = fields.Many2one("account.payment", readonly=True, copy=False)
    amount_invoices = fields.Monetary(string="Invoices", readonly=True, help="The amounts chosen of the invoices.")
    amount_credits = fields.Monetary(string="Credits set off", readonly=True)
    amount = fields.Monetary(string="Amount to pay", readonly=True)
    date_done = fields.Datetime(string="Paid on", readonly=True, copy=False)

    # ------------------------------------------------------------------ selection

    @api.model
    def _allocate(self, invoice_lines, credit_lines, currency):
        """The set-off plan: credits (oldest first) against invoice installments (earliest due
        first), greedily, never more than either residual.

        :param invoice_lines: dicts with ``id`` and a positive ``residual``, in paying order
        :param credit_lines: dicts with ``id`` and a negative ``residual``, in using order
        :return: list of ``(credit_line_id, invoice_line_id, amount)``, amounts positive
        """
        plan = []
        remaining = [[line["id"], -line["residual"]] for line in credit_lines]
        position = 0
        for invoice_line in invoice_lines:
            open_amount = invoice_line["residual"]
            while (
                position < len(remaining) and float_compare(open_amount, 0.0, precision_rounding=currency.rounding) > 0
            ):
                credit = remaining[position]
                amount = currency.round(min(open_amount, credit[1]))
                if not float_is_zero(amount, precision_rounding=currency.rounding):
                    plan.append((credit[0], invoice_line["id"], amount))
                open_amount = currency.round(open_amount - amount)
                credit[1] = currency.round(credit[1] - amount)
                if float_is_zero(credit[1], precision_rounding=currency.rounding):
                    position += 1
        return plan

    @api.model
    def _parse_ids(self, values):
        try:
            return sorted({int(value) for value in values or () if str(value).strip()})
        except (TypeError, ValueError) as error:
            raise UserError(self.env._("The selection is not valid: reload the page and select again.")) from error

    @api.model
    def _parse_amount(self, value, currency, lang=None):
        """An amount typed by the customer, as a float in ``currency``; ``None`` when empty.

        A string is read in the customer's language (``lang``): its decimal point, and its
        thousands separator in groups of three (``1,234.56`` in English, ``1 234,56`` in French,
        ``1.234,56`` in German). A number (from code) is taken as is.

        :raise ValueError: with the reason: ``"format"`` (text, ``NaN``, ``1e309``, the other
            language's decimal separator...), ``"negative"``, ``"zero"`` or ``"decimals"`` (more
            decimals than the currency has)
        """
        if value is None:
            return None
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            number = Decimal(str(value)) if not isinstance(value, Decimal) else value
            if not number.is_finite():
                raise ValueError("format")
        else:
            text = str(value).strip()
            if not text:
                return None
            negative = text[0] in "-\u2212"
            text = text[1:].strip() if negative else text
            decimal_point, thousands = self.env["payer.portal.ledger"]._lang_separators(lang)
            separators = {thousands} if thousands else set()
            if thousands and (thousands.isspace() or thousands in "\u202f\u00a0"):
                separators |= {" ", "\u00a0", "\u202f"}
            alternatives = "|".join(re.escape(sep) for sep in separators)
            grouped = rf"[0-9]{{1,3}}(?:(?:{alternatives})[0-9]{{3}})+"
            whole = rf"(?P<whole>{grouped}|[0-9]+)" if separators else r"(?P<whole>[0-9]+)"
            match = re.fullmatch(rf"{whole}(?:{re.escape(decimal_point)}(?P<fraction>[0-9]+))?", text, re.ASCII)
            if not match or len(match["whole"]) > 30:
                raise ValueError("format")
            digits = re.sub(r"[^0-9]", "", match["whole"])
            try:
                number = Decimal(f"{digits}.{match['fraction'] or '0'}")
            except InvalidOperation as error:
                raise ValueError("format") from error
            if negative and number:
                raise ValueError("negative")
        if number < 0:
            raise ValueError("negative")
        if number == 0:
            raise ValueError("zero")
        exponent = number.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > currency.decimal_places:
            raise ValueError("decimals")
        return float(number)

    @api.model
    def _amount_problem(self, reason, document, value, currency, lang=None):
        """The sentence telling the customer why the amount ``value`` typed for ``document``
        (its name) is refused (``reason``: see :meth:`_parse_amount`)."""
        if reason == "negative":
            return self.env._("the amount for %(invoice)s cannot be negative", invoice=document)
        if reason == "zero":
            return self.env._(
                "the amount for %(invoice)s is zero: unselect the invoice to leave it open", invoice=document
            )
        if reason == "decimals":
            return self.env._(
                "the amount for %(invoice)s has more than %(digits)s decimals",
                invoice=document,
                digits=currency.decimal_places,
            )
        decimal_point, thousands = self.env["payer.portal.ledger"]._lang_separators(lang)
        example = f"1{thousands}234"
        if currency.decimal_places:
            example += decimal_point + "5" * currency.decimal_places
        return self.env._(
            "the amount for %(invoice)s (%(value)s) is not an amount: write it like %(example)s",
            invoice=document,
            value=str(value)[:40],
            example=example,
        )

    @api.model
    def _chosen_amounts(self, invoices, amounts, currency, lang=None):
        """The amounts the customer chose, by invoice id, read from ``amounts`` (invoice id ->
        typed text or number; a missing or empty one: the invoice's payable amount, filled in by
        the caller). An amount for an invoice that is not selected, or that cannot be read, is a
        problem (one sentence each).

        :return: (``{move id: float}``, list of problems)
        """
        problems, chosen = [], {}
        names = {move.id: move.name for move in invoices}
        for key, value in (amounts or {}).items():
            try:
                move_id = int(str(key).strip())
            except (TypeError, ValueError) as error:
                raise UserError(self.env._("The selection is not valid: reload the page and select again.")) from error
            if move_id not in names:
                if str(value or "").strip():
                    problems.append(self.env._("an amount was given for an invoice that is not selected"))
                continue
            try:
                amount = self._parse_amount(value, currency, lang)
            except ValueError as error:
                problems.append(self._amount_problem(error.args[0], names[move_id], value, currency, lang))
                continue
            if amount is not None:
                chosen[move_id] = amount
        return chosen, list(dict.fromkeys(problems))

    @api.model
    def _create_from_selection(
        self,
        partner,
        company,
        currency,
        invoice_ids=(),
        credit_ids=(),
        pay_all=False,
        companies=None,
        contact=None,
        amounts=None,
        lang=None,
    ):
        """Check the customer's selection and record it: the one entry point of TO PAY.

        Ids that are not documents the ledger marks payable now in this customer's section
        (another customer's, another currency's, already paid, under dispute, awaiting a payment,
        settled or dated after today) refuse the whole selection with a clear message, and
        nothing is created.

        ``amounts`` (invoice id -> amount typed in the language ``lang``, or a number): what the
        customer chose to pay of a selected invoice; an invoice without one is paid for its
        ``payable_amount`` (the ledger's). Each is checked (see :meth:`_parse_amount`, at most
        the payable amount, only for a selected invoice), and so is the company's minimum card
        payment: any problem refuses the selection. PAY ALL pays every payable amount (no
        ``amounts``). Everything is then computed here from the ids and amounts.
        """
        Ledger = self.env["payer.portal.ledger"]
        partner = partner.commercial_partner_id
        companies = companies if companies is not None else Ledger._customer_companies(partner)
        if company not in companies:
            raise UserError(self.env._("This account cannot be paid here."))
        if pay_all and amounts:
            raise UserError(self.env._("PAY ALL pays every invoice's payable amount: it takes no amounts."))
        invoices, credit_docs = self._selected_documents(
            partner, company, currency, companies, invoice_ids, credit_ids, pay_all
        )
        chosen, problems = self._chosen_amounts(invoices, amounts, currency, lang)
        lines = Ledger._payable_lines(partner, company, currency, invoices | credit_docs, companies)
        check = Ledger._selection_check(partner, company, currency, companies, invoices, credit_docs, amounts=chosen)
        problems += self._selection_problems(lines, check["refusals"])
        if problems:
            raise UserError(
                self.env._(
                    "Nothing was paid: %(problems)s. Reload the page and select again.", problems="; ".join(problems)
                )
            )
        chosen = {move.id: chosen.get(move.id, check["payable_amounts"].get(move.id, 0.0)) for move in invoices}

        Move = self.env["account.move"].sudo()
        invoice_lines = self._installment_targets(
            [line for line in lines if line["move_id"] in invoices.ids], chosen, currency
        )
        credit_lines = sorted(
            (line for line in lines if line["move_id"] in credit_docs.ids),
            key=lambda line: (Move.browse(line["move_id"]).date, line["move_id"], line["id"]),
        )
        plan = self._allocate([line for line in invoice_lines if line["residual"] > 0], credit_lines, currency)
        self._check_minimum(company, currency, chosen, plan)
        return self._create_with_plan(partner, company, currency, invoice_lines, credit_lines, plan, contact, chosen)

    @api.model
    def _installment_targets(self, invoice_lines, chosen, currency):
        """The invoices' open lines (by due date) with ``residual`` the part of each invoice's
        chosen amount it carries, earliest installment first, and ``open`` its residual."""
        left = dict(chosen)
        targets = []
        for line in invoice_lines:
            part = currency.round(max(min(line["residual"], left.get(line["move_id"], 0.0)), 0.0))
            left[line["move_id"]] = currency.round(left.get(line["move_id"], 0.0) - part)
            targets.append({**line, "open": line["residual"], "residual": part})
        return targets

    @api.model
    def _check_minimum(self, company, currency, chosen, plan):
        """The company's minimum card payment (converted to ``currency``): a selection whose
        amount to pay online, after credits, is above zero and below it is refused."""
        minimum = company.payer_min_card_payment
        if not minimum:
            return
        Ledger = self.env["payer.portal.ledger"]
        minimum = company.currency_id._convert(minimum, currency, company, Ledger._today(company))
        amount = currency.round(sum(chosen.values()) - sum(amount for _credit, _invoice, amount in plan))
        if currency.compare_amounts(amount, 0.0) > 0 and currency.compare_amounts(amount, minimum) < 0:
            raise UserError(
                self.env._(
                    "Nothing was paid: the least that can be paid online is %(minimum)s, and this selection "
                    "comes to %(amount)s after your credits. Select more, or contact us to pay.",
                    minimum=Ledger._format_amount(minimum, currency),
                    amount=Ledger._format_amount(amount, currency),
                )
            )

    @api.model
    def _selected_documents(self, partner, company, currency, companies, invoice_ids, credit_ids, pay_all):
        """(invoices, credit documents) of the selection: every payable one of the section for
        PAY ALL (the ledger's), else the given ids, which must exist."""
        if pay_all:
            payable = self.env["payer.portal.ledger"]._payable_documents(partner, company, currency, companies)
            invoices, credit_docs = payable["invoices"], payable["credit_docs"]
        else:
            Move = self.env["account.move"].sudo()
            invoice_ids, credit_ids = self._parse_ids(invoice_ids), self._parse_ids(credit_ids)
            invoices = Move.browse(invoice_ids).exists()
            credit_docs = Move.browse(credit_ids).exists()
            if len(invoices) != len(invoice_ids) or len(credit_docs) != len(credit_ids):
                raise UserError(self.env._("Some of the selected documents do not exist: reload the page."))
        if not invoices:
            raise UserError(self.env._("Select at least one invoice to pay."))
        if invoices & credit_docs:
            raise UserError(self.env._("A document cannot be both paid and set off."))
        return invoices, credit_docs

    @api.model
    def _selection_problems(self, lines, refusals):
        """Why the selection cannot be paid (one sentence per document or rule), from the ledger's
        ``refusals`` (what is payable now, up to which amount) and the documents' open receivable
        ``lines``; empty when it can."""
        problems = list(refusals.values())
        if len({line["account_id"] for line in lines}) > 1:
            problems.append(
                self.env._("these documents are on different receivable accounts: pay them in separate payments")
            )
        return problems

    @api.model
    def _create_with_plan(self, partner, company, currency, invoice_lines, credit_lines, plan, contact, chosen):
        setoff_by_line = {}
        for credit_line_id, invoice_line_id, amount in plan:
            setoff_by_line[invoice_line_id] = setoff_by_line.get(invoice_line_id, 0.0) + amount
            setoff_by_line[credit_line_id] = setoff_by_line.get(credit_line_id, 0.0) + amount
        document_values = {}
        for kind, lines in (("invoice", invoice_lines), ("credit", credit_lines)):
            for line in lines:
                values = document_values.setdefault(
                    line["move_id"],
                    {"move_id": line["move_id"], "kind": kind, "amount_residual": 0.0, "amount_setoff": 0.0},
                )
                values["amount_residual"] += abs(line.get("open", line["residual"]))
                values["amount_setoff"] += setoff_by_line.get(line["id"], 0.0)
        amount_invoices = currency.round(sum(chosen.values()))
        amount_credits = currency.round(sum(amount for _credit, _invoice, amount in plan))
        installments = [
            {
                "sequence": index,
                "move_line_id": line["id"],
                "amount_open": line["open"],
                "amount_chosen": line["residual"],
                "amount_setoff": currency.round(setoff_by_line.get(line["id"], 0.0)),
                "amount_paid": currency.round(line["residual"] - setoff_by_line.get(line["id"], 0.0)),
            }
            for index, line in enumerate(invoice_lines)
            if not currency.is_zero(line["residual"])
        ]
        return self.sudo().create(
            {
                "name": self.env["ir.sequence"].sudo().with_company(company).next_by_code("payer.payment") or "/",
                "partner_id": partner.id,
                "contact_id": contact.id if contact else False,
                "email": contact.email if contact and len(contact.email or "") <= EMAIL_MAX_LENGTH else False,
                "company_id": company.id,
                "currency_id": currency.id,
                "amount_invoices": amount_invoices,
                "amount_credits": amount_credits,
                "amount": currency.round(amount_invoices - amount_credits),
                "line_ids": [
                    fields.Command.create(
                        {
                            **values,
                            "amount_residual": currency.round(values["amount_residual"]),
                            "amount_chosen": currency.round(chosen[values["move_id"]])
                            if values["kind"] == "invoice"
                            else 0.0,
                            "amount_setoff": currency.round(values["amount_setoff"]),
                            "amount_paid": currency.round(chosen[values["move_id"]] - values["amount_setoff"])
                            if values["kind"] == "invoice"
                            else 0.0,
                        }
                    )
                    for values in document_values.values()
                ],
                "setoff_ids": [
                    fields.Command.create(
                        {"sequence": index, "credit_line_id": credit, "invoice_line_id": invoice, "amount": amount}
                    )
                    for index, (credit, invoice, amount) in enumerate(plan)
                ],
                "installment_ids": [fields.Command.create(values) for values in installments],
            }
        )

    def _reconcile_caps(self):
        """What each receivable line of the invoices may be reconciled for at most by the
        provider's payment (line id -> amount, in the payment's currency): its planned part of the
        chosen amounts; 0 for an installment nothing was chosen of. Empty for a payment recorded
        before amounts could be chosen (its invoices are paid in full, as then)."""
        self.ensure_one()
        if not self.installment_ids:
            return {}
        receivable = self._invoices().line_ids.filtered(lambda line: line.account_id.account_type == "asset_receivable")
        caps = dict.fromkeys(receivable.ids, 0.0)
        for installment in self.installment_ids:
            caps[installment.move_line_id.id] = installment.amount_paid
        return caps

    # ------------------------------------------------------------------ checks before paying

    def _invoices(self):
        return self.line_ids.filtered(lambda line: line.kind == "invoice").move_id

    def _credits(self):
        return self.line_ids.filtered(lambda line: line.kind == "credit").move_id

    @api.constrains("email")
    def _check_email_length(self):
        # The receipt address is typed by the customer: bounded on the model, whatever the way in.
        for payment in self:
            if len(payment.email or "") > EMAIL_MAX_LENGTH:
                raise ValidationError(
                    self.env._("Email addresses are limited to %(limit)s characters.", limit=EMAIL_MAX_LENGTH)
                )

    def _check_unchanged(self):
        """The selected documents still have the residuals they had when selected, and the ledger
        still marks them payable now (nothing else is paying them, no dispute...): else nothing
        happens and the customer starts again from TO PAY."""
        self.ensure_one()
        if self.state not in ("draft", "processing"):
            raise UserError(self.env._("This payment is closed: start again from the TO PAY tab."))
        Ledger = self.env["payer.portal.ledger"]
        partner, company, currency = self.partner_id, self.company_id, self.currency_id
        documents = self.line_ids.move_id
        lines = Ledger._payable_lines(partner, company, currency, documents, company)
        residuals = {}
        for line in lines:
            residuals[line["move_id"]] = residuals.get(line["move_id"], 0.0) + abs(line["residual"])
        changed = [
            line.move_id.name
            for line in self.line_ids
            if float_compare(
                residuals.get(line.move_id.id, 0.0), line.amount_residual, precision_rounding=currency.rounding
            )
            != 0
        ]
        # What the payment takes of each invoice: its chosen amount (a payment made before chosen
        # amounts: what it sets off and pays), never more than its payable amount now (a dispute
        # raised since on part of it lowers that to the undisputed part).
        chosen = {}
        for line in self.line_ids.filtered(lambda line: line.kind == "invoice"):
            taken = line.amount_chosen if self.installment_ids else line.amount_setoff + line.amount_paid
            chosen[line.move_id.id] = chosen.get(line.move_id.id, 0.0) + taken
        refusals = Ledger._selection_check(
            partner, company, currency, company, self._invoices(), self._credits(), amounts=chosen
        )["refusals"]
        changed += [move.name for move in refusals]
        if changed:
            raise UserError(
                self.env._(
                    "Your account changed since you selected these documents (%(documents)s): nothing was paid. "
                    "Start again from the TO PAY tab.",
                    documents=", ".join(sorted(set(changed))),
                )
            )

    def _lock_documents(self):
        """Take the selected documents for this database transaction, or refuse at once: two
        requests at the same time for the same invoices or credits cannot both go on. Advisory
        locks (per document) are released at commit or rollback; they only make a second request
        fail fast: what makes the rule hold under PostgreSQL's isolation is the lock row that
        ``account.move._payer_reserve_for_payment`` writes."""
        self.ensure_one()
        for move_id in self.line_ids.move_id.ids:
            [(taken,)] = self.env.execute_query(
                SQL("SELECT pg_try_advisory_xact_lock(%s, %s)", LOCK_NAMESPACE, move_id)
            )
            if not taken:
                raise UserError(
                    self.env._("A payment of these invoices is being started in another window: finish it there.")
                )
        self.env["payer.move.lock"].sudo()._lock(self.line_ids.move_id)

    def _release_stale_transactions(self, keep=None):
        """Replace every earlier unfinished attempt on these documents (draft or failed
        transactions, whichever route started them, but ``keep``) so that only one can succeed;
        refuse if a transaction is already pending, authorized or done (the rule of
        ``account.move._payer_reserve_for_payment``)."""
        self.ensure_one()
        if self.transaction_ids.filtered(lambda tx: tx.state == "done"):
            raise UserError(self.env._("This payment is already done."))
        self.line_ids.move_id._payer_reserve_for_payment(keep=keep, payer_payment=self)

    def _prepare_transaction(self, provider_id, payment_method_id=None, token_id=None, flow=None):
        """Everything checked before a transaction is created for this payment (under lock).

        :return: the draft transaction of this payment to go on with, when the same request comes
            again (double click, replay, second tab: one transaction, charged once at most), else
            an empty recordset: the caller creates the transaction.
        """
        self.ensure_one()
        if float_is_zero(self.amount, precision_rounding=self.currency_id.rounding):
            raise UserError(self.env._("Your credits cover these invoices: there is nothing to pay by card."))
        if not self.email:
            raise UserError(self.env._("Enter the email address that receives the receipt."))
        self._lock_documents()
        if self.transaction_ids.filtered(lambda tx: tx.state in (*LIVE_TX_STATES, "done")):
            raise UserError(self.env._("This payment was already made: it is awaiting confirmation or done."))
        self._check_unchanged()
        reuse = self.transaction_ids.filtered(
            lambda tx: tx.state == "draft"
            and tx.provider_id.id == provider_id
            and tx.payment_method_id.id == (payment_method_id or tx.payment_method_id.id)
            and tx.token_id.id == (token_id or False)
            and tx.operation == f"online_{flow}"
        ).sorted("id")[-1:]
        self._release_stale_transactions(keep=reuse)
        self.state = "processing"
        return reuse

    # ------------------------------------------------------------------ applying

    def _apply_setoff(self, setoffs=None):
        """Reconcile each planned credit with its invoice installment, in the planned order
        (``setoffs``: a part of the plan, for the job that records a large payment in batches).

        A pair reconciles the planned amount at most (the chosen part of the invoice), which is
        the smaller of the credit's residual and that part as long as nothing else touched them.
        A pair is skipped when one of its entries is no longer posted or
        open, or when reconciling it would apply more than planned (an accountant unreconciled the
        credit meanwhile): less is applied, never more, and the provider's payment is recorded
        whatever happens to the plan (``_record_outcome`` notes the differences).
        """
        rounding = self.currency_id.rounding
        # What the customer did not choose of an installment stays open: it is not "available".
        unchosen = {
            installment.move_line_id.id: installment.amount_open - installment.amount_chosen
            for installment in self.installment_ids
        }
        for setoff in (self.setoff_ids if setoffs is None else setoffs).sorted("sequence"):
            credit, invoice = setoff.credit_line_id, setoff.invoice_line_id
            lines = credit | invoice
            if not credit or not invoice or any(line.reconciled or line.parent_state != "posted" for line in lines):
                continue
            available = min(
                -credit.amount_residual_currency, invoice.amount_residual_currency - unchosen.get(invoice.id, 0.0)
            )
            if float_compare(available, setoff.amount, precision_rounding=rounding) > 0:
                continue
            before = invoice.amount_residual_currency
            try:
                with self.env.cr.savepoint():
                    # never more than planned of the invoice (its chosen part)
                    lines.with_context(payer_reconcile_caps={invoice.id: setoff.amount}).reconcile()
            except UserError as error:
                self.env.invalidate_all()
                _logger.warning("set-off %s of %s skipped: %s", setoff.id, self.name, error)
                continue
            setoff.amount_applied = self.currency_id.round(before - invoice.amount_residual_currency)

    def _record_outcome(self, payment=None):
        """What really happened, per document: the set-off applied and the part of each invoice
        the provider's payment paid (from the reconciliations). A difference with the plan is
        noted on the payment for the account manager."""
        currency = self.currency_id
        applied = {}
        for setoff in self.setoff_ids:
            for move in (setoff.credit_move_id, setoff.invoice_move_id):
                applied[move.id] = applied.get(move.id, 0.0) + setoff.amount_applied
        paid = {}
        if payment:
            receivable = payment.move_id.line_ids.filtered(
                lambda line: line.account_id.account_type == "asset_receivable"
            )
            for partial in receivable.matched_debit_ids:
                move_id = partial.debit_move_id.move_id.id
                paid[move_id] = paid.get(move_id, 0.0) + partial.debit_amount_currency
        differences = []
        for line in self.line_ids:
            values = {"amount_setoff": currency.round(applied.get(line.move_id.id, 0.0))}
            if line.kind == "invoice":
                values["amount_paid"] = currency.round(paid.get(line.move_id.id, 0.0))
            if any(float_compare(values[key], line[key], precision_rounding=currency.rounding) for key in values):
                differences.append(line.move_id.name)
            line.write(values)
        self.amount_credits = currency.round(sum(self.setoff_ids.mapped("amount_applied")))
        if differences:
            self.message_post(
                body=self.env._(
                    "The payment was not applied as the customer selected it, because these documents changed "
                    "meanwhile: %(documents)s. Check them: what is left open stays on the customer's account.",
                    documents=", ".join(differences),
                ),
                subtype_xmlid="mail.mt_note",
            )

    def _mark_done(self, payment=None):
        self.ensure_one()
        self._record_outcome(payment)
        self.write(
            {"state": "done", "payment_id": payment.id if payment else False, "date_done": fields.Datetime.now()}
        )
        self._send_receipt()

    def action_confirm_setoff(self):
        """Credits cover the whole selection: set them off now (no card payment)."""
        self.ensure_one()
        if not float_is_zero(self.amount, precision_rounding=self.currency_id.rounding):
            raise UserError(self.env._("These invoices are not fully covered by credits: pay the rest by card."))
        if not self.email:
            raise UserError(self.env._("Enter the email address that receives the receipt."))
        self._lock_documents()
        self._check_unchanged()
        self._release_stale_transactions()
        self._apply_setoff()
        self._mark_done()
        return True

    def _on_transaction_done(self, transaction, payment):
        """The provider confirmed the payment and Odoo posted and reconciled it."""
        self.ensure_one()
        if self.state == "done":
            return
        if self.state == "cancel":
            # A replaced attempt went through anyway at a provider that could not cancel it: the
            # payment is recorded (reconciled with what was still open), the rest is a credit.
            self.message_post(
                body=self.env._(
                    "A replaced payment attempt was confirmed by the provider (%(tx)s): its payment is "
                    "recorded, and what it did not pay of these invoices is a credit on the customer's account.",
                    tx=transaction.reference,
                )
            )
            return
        self._mark_done(payment)

    def _send_receipt(self):
        template = self.env.ref("account_payer_portal.mail_template_payer_payment_receipt", raise_if_not_found=False)
        if template and self.email:
            template.sudo().send_mail(
                self.id, email_layout_xmlid="account_payer_portal.mail_notification_payer_receipt"
            )

    # ------------------------------------------------------------------ presentation

    def _recording_progress(self):
        """(invoices recorded, invoices) of a payment being recorded by the job."""
        self.ensure_one()
        recording = self.transaction_ids.filtered("payer_recording").sorted("id")[-1:]
        total = len(self._invoices())
        if self.state == "done":
            return total, total
        return min(recording.payer_recorded_count, total), total

    def _portal_status_values(self):
        """What the confirmation screen's status route answers (read only)."""
        self.ensure_one()
        recorded, total = self._recording_progress()
        return {"status": self._portal_status(), "recorded": recorded, "total": total}

    def _receipt_lines(self):
        """Per invoice: balance before, set off by credits, paid by the payment; per credit: used."""
        self.ensure_one()
        lines = self.line_ids
        if self.state == "done":  # credits that could not be used are not on the receipt
            lines = lines.filtered(
                lambda line: line.kind == "invoice"
                or not float_is_zero(line.amount_setoff, precision_rounding=self.currency_id.rounding)
            )
        return lines.sorted(
            lambda line: (line.kind != "invoice", line.move_id.invoice_date_due or line.move_id.date, line.id)
        )

    def _reference(self):
        """The reference a customer reads (pages, receipt, statement lines): the payment's name.
        Its transactions' references (``PAY/2026/00004-1`` for a second attempt) are technical."""
        self.ensure_one()
        return self.name

    def _portal_status(self):
        """done | pending (awaiting confirmation) | recording (confirmed, a large payment being
        recorded by the job) | failed | draft | cancel, for the confirmation screen."""
        self.ensure_one()
        if self.state in ("done", "cancel"):
            return self.state
        last = self.transaction_ids.sorted("id")[-1:]
        if last.state in LIVE_TX_STATES:
            return "pending"
        if last.state == "done":
            # confirmed by the provider, being posted: at once, or by the job for a large payment
            return "recording" if last.payer_recording else "pending"
        if last.state in ("error", "cancel"):
            return "failed"
        return "draft"
