from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date, plaintext2html

from .payer_portal_ledger import PAYABLE_INVOICE_TYPES

STATES = [
    ("open", "Open"),
    ("kept", "Kept"),
    ("broken", "Broken"),
    ("replaced", "Replaced"),
]
# The customer's note on a promise (the portal form's limit too).
NOTE_MAX_LENGTH = 1000
# Default of a company's furthest promise date, in days from today.
DEFAULT_MAX_DAYS = 30


class PayerPromise(models.Model):
    """A customer's promise to pay some of its invoices on a date (payer portal).

    open -> kept (the invoices were paid or credited by the date) | broken (they were not, found
    the day after the date) | replaced (each of its invoices was promised again). One open promise
    per invoice (``payer.promise.line``): a new promise on an invoice takes it from the open one,
    which is replaced once it has no invoice left. While open, its invoices are left out of what
    the account status emails ask for (``payer.portal.ledger._unasked_moves``).

    Portal visitors have no access: the portal routes check who the visitor is, then call
    :meth:`_payer_portal_create` as superuser; the rules below hold whoever creates.
    """

    _name = "payer.promise"
    _description = "Promise to pay"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date desc, id desc"

    name = fields.Char(string="Reference", required=True, readonly=True, copy=False, default="/")
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, ondelete="cascade", readonly=True
    )
    contact_id = fields.Many2one(
        "res.partner",
        string="Promised by",
        readonly=True,
        help="The contact who promised (the customer itself when promised by a guest with a signed link).",
    )
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    line_ids = fields.One2many("payer.promise.line", "promise_id", string="Invoices", readonly=True)
    move_ids = fields.Many2many(
        "account.move", string="Promised invoices", compute="_compute_move_ids", help="The invoices still promised."
    )
    date = fields.Date(string="Promised for", required=True, tracking=True, readonly=True)
    note = fields.Text(readonly=True)
    state = fields.Selection(STATES, default="open", required=True, tracking=True, index=True, readonly=True)
    amount_promised = fields.Monetary(
        compute="_compute_amount_promised",
        store=True,
        currency_field="currency_id",
        help="What the invoices still promised were due when promised.",
    )
    amount_residual = fields.Monetary(
        string="Still due",
        compute="_compute_amount_residual",
        currency_field="currency_id",
        help="What is due today on the invoices still promised.",
    )
    user_id = fields.Many2one("res.users", string="Responsible", index=True, domain="[('share', '=', False)]")
    date_closed = fields.Date(string="Closed on", readonly=True, copy=False)

    # ------------------------------------------------------------------ computes

    @api.depends("line_ids.replaced", "line_ids.move_id")
    def _compute_move_ids(self):
        for promise in self:
            promise.move_ids = promise.line_ids.filtered(lambda line: not line.replaced).move_id

    @api.depends("line_ids.amount_promised", "line_ids.replaced")
    def _compute_amount_promised(self):
        for promise in self:
            promise.amount_promised = sum(
                promise.line_ids.filtered(lambda line: not line.replaced).mapped("amount_promised")
            )

    def _compute_amount_residual(self):
        for promise in self:
            promise.amount_residual = sum(promise.move_ids.mapped("amount_residual"))

    def _compute_display_name(self):
        for promise in self:
            promise.display_name = promise.name if promise.name != "/" else self.env._("Promise to pay")

    # ------------------------------------------------------------------ rules

    @api.model
    def _max_date(self, company):
        """The furthest date a customer of ``company`` may promise, from today (company's timezone)."""
        return self.env["payer.portal.ledger"]._today(company) + timedelta(days=company.payer_promise_max_days)

    @api.constrains("date", "company_id")
    def _check_date(self):
        Ledger = self.env["payer.portal.ledger"]
        for promise in self.filtered(lambda p: p.state == "open"):
            today = Ledger._today(promise.company_id)
            if promise.date < today:
                raise ValidationError(self.env._("The promised date cannot be in the past."))
            if promise.date > self._max_date(promise.company_id):
                raise ValidationError(
                    self.env._(
                        "The promised date can be at most %(days)s days ahead (until %(date)s).",
                        days=promise.company_id.payer_promise_max_days,
                        date=format_date(self.env, self._max_date(promise.company_id)),
                    )
                )

    @api.constrains("note")
    def _check_note(self):
        for promise in self:
            if len(promise.note or "") > NOTE_MAX_LENGTH:
                raise ValidationError(self.env._("The note is limited to %(limit)s characters.", limit=NOTE_MAX_LENGTH))

    @api.constrains("line_ids")
    def _check_lines(self):
        for promise in self:
            if not promise.line_ids:
                raise ValidationError(self.env._("Choose at least one invoice to promise."))

    # ------------------------------------------------------------------ CRUD

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                company = self.env["res.company"].browse(vals.get("company_id")) or self.env.company
                vals["name"] = self.env["ir.sequence"].with_company(company).next_by_code("payer.promise") or "/"
        # A new promise on an invoice takes it from its open promise (one open promise per invoice).
        move_ids = [
            command[2]["move_id"]
            for vals in vals_list
            for command in vals.get("line_ids", [])
            if command[0] == fields.Command.CREATE and command[2].get("move_id")
        ]
        previous = self.env["payer.promise.line"].search([("move_id", "in", move_ids), ("is_open", "=", True)])
        previous.write({"replaced": True})
        previous.flush_recordset(["replaced", "is_open"])  # before the new lines take the index
        promises = super().create(vals_list)
        for promise in promises:
            if not promise.user_id:
                promise.user_id = promise.line_ids.move_id[:1]._payer_responsible_user()
            promise._payer_log_created(previous.filtered_domain([("move_id", "in", promise.line_ids.move_id.ids)]))
        previous.promise_id._payer_replace_if_empty()
        return promises

    # ------------------------------------------------------------------ logs and notifications

    def _payer_summary(self):
        """ "INV/1, INV/2 (1,000.00 $) for 08/12/2026": what was promised, in the reader's language."""
        self.ensure_one()
        return self.env._(
            "%(invoices)s (%(amount)s) for %(date)s",
            invoices=", ".join(self.line_ids.filtered(lambda line: not line.replaced).move_id.mapped("name")),
            amount=self._payer_format_amount(self.amount_promised),
            date=format_date(self.env, self.date),
        )

    def _payer_format_amount(self, amount):
        self.ensure_one()
        return self.env["ir.qweb.field.monetary"].value_to_html(amount, {"display_currency": self.currency_id})

    def _payer_log_created(self, replaced_lines):
        """Log the promise on its invoices and customer, and ask the responsible to follow it up."""
        self.ensure_one()
        who = self.contact_id.display_name or self.partner_id.display_name
        body = self.env._(
            "Promise to pay %(promise)s by %(who)s: %(summary)s.",
            promise=self.name,
            who=who,
            summary=self._payer_summary(),
        )
        if self.note:
            body = plaintext2html(body + "\n" + self.note)
        for target in (*self.line_ids.move_id, self.partner_id):
            target.sudo().message_post(body=body, subtype_xmlid="mail.mt_note", message_type="notification")
        for line in replaced_lines:
            note = self.env._(
                "%(invoice)s was promised for %(old)s (%(previous)s); it is now promised for %(new)s (%(promise)s).",
                invoice=line.move_id.name,
                old=format_date(self.env, line.promise_id.date),
                previous=line.promise_id.name,
                new=format_date(self.env, self.date),
                promise=self.name,
            )
            line.promise_id.message_post(body=note, subtype_xmlid="mail.mt_note")
            line.move_id.sudo().message_post(body=note, subtype_xmlid="mail.mt_note")
        self.message_post(body=body, subtype_xmlid="mail.mt_note")
        if self.user_id:
            self.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=self.user_id.id,
                date_deadline=self.date,
                summary=self.env._(
                    "Follow up the promise to pay of %(customer)s", customer=self.partner_id.display_name
                ),
                note=plaintext2html(self._payer_summary() + ("\n" + self.note if self.note else "")),
            )

    def _payer_replace_if_empty(self):
        """Promises whose every invoice was promised again are replaced."""
        for promise in self.filtered(lambda p: p.state == "open" and all(p.line_ids.mapped("replaced"))):
            promise.write(
                {"state": "replaced", "date_closed": self.env["payer.portal.ledger"]._today(promise.company_id)}
            )
            promise.activity_unlink(["mail.mail_activity_data_todo"])

    def _payer_customer_recipient(self):
        """Who is emailed when the promise is broken: the contact who promised, else the customer."""
        self.ensure_one()
        contact = self.contact_id if self.contact_id.email else self.env["res.partner"]
        return contact or self.partner_id._payer_reminder_recipient() or self.partner_id

    # ------------------------------------------------------------------ closing

    def _payer_close(self):
        """Close an open promise that is due: kept when its invoices were paid or credited by the
        promised date (read from the ledger, as of the date or today if earlier), broken the day
        after the date otherwise. A partial payment keeps it open until the date."""
        Ledger = self.env["payer.portal.ledger"]
        for promise in self.filtered(lambda p: p.state == "open"):
            today = Ledger._today(promise.company_id)
            moves = promise.move_ids
            day = min(today, promise.date)
            docs = Ledger._section_documents(
                promise.partner_id,
                promise.company_id,
                promise.currency_id,
                promise.company_id,
                day,
                move_ids=moves.ids,
            )
            owed = [doc for doc in docs if promise.currency_id.compare_amounts(doc["balance"], 0.0) > 0]
            if not owed:
                promise._payer_set_kept(today)
            elif today > promise.date:
                promise._payer_set_broken(today, sum(doc["balance"] for doc in owed))

    def _payer_set_kept(self, today):
        self.write({"state": "kept", "date_closed": today})
        self.activity_feedback(["mail.mail_activity_data_todo"], feedback=self.env._("Promise kept."))

    def _payer_set_broken(self, today, missing):
        self.ensure_one()
        self.write({"state": "broken", "date_closed": today})
        self.activity_unlink(["mail.mail_activity_data_todo"])
        missing_text = self._payer_format_amount(missing)
        note = self.env._(
            "Promise to pay %(promise)s broken: %(amount)s not received by %(date)s.",
            promise=self.name,
            amount=missing_text,
            date=format_date(self.env, self.date),
        )
        for target in (*self.move_ids, self.partner_id):
            target.sudo().message_post(body=note, subtype_xmlid="mail.mt_note", message_type="notification")
        if self.user_id:
            self.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=self.user_id.id,
                summary=self.env._("Promise to pay broken by %(customer)s", customer=self.partner_id.display_name),
                note=plaintext2html(note),
            )
        template = self.env.ref("account_payer_portal.mail_template_payer_promise_broken", raise_if_not_found=False)
        if template:
            # Rendered by the template in its language (the recipient's), then posted to them.
            values = template.with_context(payer_promise_missing=missing)._generate_template(
                self.ids, ["subject", "body_html"]
            )[self.id]
            self.message_post(
                subject=values["subject"],
                body=values["body_html"],
                partner_ids=self._payer_customer_recipient().ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                email_layout_xmlid="mail.mail_notification_light",
            )

    @api.model
    def _cron_close_promises(self):
        """Daily: close the open promises that are due (kept or broken), in committed batches."""
        # Every company's promises, each closed in its own company (the cron's user may work in one).
        promises = self.sudo().search([("state", "=", "open")], order="date, id")
        Cron = self.env["ir.cron"]
        Cron._commit_progress(remaining=len(promises))
        for promise in promises:
            promise.with_company(promise.company_id)._payer_close()
            if Cron._commit_progress(1) <= 0:
                return

    # ------------------------------------------------------------------ portal

    @api.model
    def _payer_portal_create(self, partner, contact, company, moves, date, note):
        """Create a promise from the portal (as superuser, after the route checked the visitor):
        ``contact`` of customer ``partner`` promises to pay ``moves`` on ``date`` (a string
        ``YYYY-MM-DD``), with an optional ``note``. Everything is checked before anything is
        written: on bad input a UserError or ValidationError is raised and nothing is changed."""
        try:
            day = fields.Date.to_date(date or None)
        except ValueError:
            day = None
        if not day:
            raise UserError(
                self.env._(
                    "Enter the date you will pay, e.g. %(example)s.",
                    example=format_date(self.env, self._max_date(company)),
                )
            )
        note = (note or "").strip()
        if len(note) > NOTE_MAX_LENGTH:
            raise UserError(self.env._("The note is limited to %(limit)s characters.", limit=NOTE_MAX_LENGTH))
        if not moves:
            raise UserError(self.env._("Choose at least one invoice to promise."))
        with self.env.cr.savepoint():
            return self.create(
                {
                    "partner_id": partner.commercial_partner_id.id,
                    "contact_id": contact.id,
                    "company_id": company.id,
                    "currency_id": moves[:1].currency_id.id,
                    "date": day,
                    "note": note or False,
                    "line_ids": [fields.Command.create({"move_id": move.id}) for move in moves],
                }
            )

    @api.model
    def _payer_refusal(self, partner, company, move):
        """Why ``move`` cannot be promised by ``partner`` in ``company`` (``None`` when it can)."""
        if (
            move.move_type not in PAYABLE_INVOICE_TYPES
            or move.state != "posted"
            or move.commercial_partner_id != partner.commercial_partner_id
            or move.company_id != company
        ):
            return self.env._("Only your own open invoices can be promised.")
        if self.env["payer.portal.ledger"]._disputed_moves(move):
            return self.env._("%(invoice)s is under dispute: it cannot be promised.", invoice=move.name)
        if move.currency_id.is_zero(move.amount_residual) or move.amount_residual < 0:
            return self.env._("%(invoice)s is already paid.", invoice=move.name)
        return None
