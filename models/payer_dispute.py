import math

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare, format_amount, plaintext2html

from ..tools.upload_policy import CATEGORY_OTHER_MAX_LENGTH, TEXT_MAX_LENGTH

STATES = [
    ("new", "New"),
    ("under_review", "Under review"),
    ("resolved", "Resolved"),
    ("rejected", "Rejected"),
]
OPEN_STATES = ("new", "under_review")
CLOSED_STATES = ("resolved", "rejected")
# Allowed moves of the state machine; a closed dispute is final (open a new one instead).
TRANSITIONS = {
    "new": {"under_review", "resolved", "rejected"},
    "under_review": {"resolved", "rejected"},
    "resolved": set(),
    "rejected": set(),
}

# What a customer may send (lengths, files): see tools/upload_policy.py.
DESCRIPTION_MAX_LENGTH = TEXT_MAX_LENGTH


class PayerDispute(models.Model):
    """A customer's dispute of an invoice, handled by an account manager.

    new -> under_review -> resolved | rejected; a resolution note is required to close. One open
    dispute per invoice at a time; while it is open, its amount cannot be paid online (the rest of
    the invoice, its undisputed part, can: ``payer.portal.ledger._payable_amounts``) and the invoice
    is left out of payment reminders (see ``account.move.payer_dispute_open``).
    """

    _name = "payer.dispute"
    _description = "Invoice dispute"
    _inherit = ["portal.mixin", "payer.customer.post.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "date_opened desc, id desc"
    _mail_post_access = "read"

    name = fields.Char(
        string="Reference", required=True, readonly=True, copy=False, default=lambda self: self.env._("New")
    )
    move_id = fields.Many2one(
        "account.move",
        string="Invoice",
        required=True,
        index=True,
        ondelete="restrict",
        tracking=True,
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'posted')]",
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", related="move_id.commercial_partner_id", store=True, index=True
    )
    opened_by_id = fields.Many2one(
        "res.partner", string="Raised by", help="The contact of the customer who raised the dispute."
    )
    company_id = fields.Many2one("res.company", related="move_id.company_id", store=True, index=True)
    currency_id = fields.Many2one("res.currency", related="move_id.currency_id", store=True)
    invoice_residual = fields.Monetary(
        related="move_id.amount_residual", string="Invoice amount due", currency_field="currency_id"
    )
    category_id = fields.Many2one(
        "payer.dispute.category",
        tracking=True,
        domain="['|', ('company_id', '=', False), ('company_id', '=', company_id)]",
    )
    category_other = fields.Char(string="Other category", help="The customer's own category, when none fits.")
    category_label = fields.Char(string="Reason", compute="_compute_category_label")
    description = fields.Text(required=True)
    amount = fields.Monetary(string="Disputed amount", currency_field="currency_id", tracking=True)
    amount_undisputed = fields.Monetary(
        string="Undisputed part",
        compute="_compute_amount_undisputed",
        currency_field="currency_id",
        help="What is due on the invoice beyond the disputed amount while the dispute is open: the customer "
        "may pay it online from the payer portal's TO PAY tab.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        tracking=True,
        index=True,
        domain="[('share', '=', False)]",
    )
    state = fields.Selection(
        STATES,
        default="new",
        required=True,
        tracking=True,
        index=True,
        copy=False,
    )
    is_open = fields.Boolean(compute="_compute_is_open", store=True, string="Open")
    resolution_note = fields.Text(tracking=True, copy=False)
    date_opened = fields.Datetime(string="Opened on", default=fields.Datetime.now, required=True, copy=False)
    date_closed = fields.Datetime(string="Closed on", readonly=True, copy=False)

    _one_open_dispute_per_invoice = models.UniqueIndex(
        "(move_id) WHERE state IN ('new', 'under_review')",
        "This invoice already has an open dispute.",
    )

    # ------------------------------------------------------------------ computes

    @api.depends("state")
    def _compute_is_open(self):
        for dispute in self:
            dispute.is_open = dispute.state in OPEN_STATES

    @api.depends("amount", "is_open", "move_id.amount_residual")
    def _compute_amount_undisputed(self):
        for dispute in self:
            undisputed = dispute.move_id.amount_residual - dispute.amount if dispute.is_open else 0.0
            dispute.amount_undisputed = max(dispute.currency_id.round(undisputed), 0.0)

    @api.depends("category_id", "category_other")
    def _compute_category_label(self):
        for dispute in self:
            dispute.category_label = dispute.category_id.name or dispute.category_other or ""

    def _compute_access_url(self):
        for dispute in self:
            dispute.access_url = f"/my/payer-portal/disputes/{dispute.id}"

    # ------------------------------------------------------------------ constraints

    @api.constrains("move_id")
    def _check_move(self):
        for dispute in self:
            if dispute.move_id.move_type != "out_invoice" or dispute.move_id.state != "posted":
                raise ValidationError(self.env._("Only posted customer invoices can be disputed."))

    @api.constrains("move_id", "state")
    def _check_one_open_dispute(self):
        open_disputes = self.filtered("is_open")
        if not open_disputes:
            return
        groups = self._read_group(
            [("move_id", "in", open_disputes.move_id.ids), ("state", "in", OPEN_STATES)],
            ["move_id"],
            having=[("__count", ">", 1)],
        )
        if groups:
            raise ValidationError(
                self.env._("The invoice %(invoice)s already has an open dispute.", invoice=groups[0][0].display_name)
            )

    @api.constrains("amount", "move_id")
    def _check_amount(self):
        for dispute in self:
            currency = dispute.currency_id
            if currency.compare_amounts(dispute.amount, 0.0) <= 0:
                raise ValidationError(self.env._("The disputed amount must be positive."))
            if dispute.is_open and currency.compare_amounts(dispute.amount, dispute.move_id.amount_residual) > 0:
                raise ValidationError(
                    self.env._(
                        "The disputed amount cannot be more than what is due on the invoice (%(residual)s).",
                        residual=dispute.move_id.amount_residual,
                    )
                )

    @api.constrains("category_id", "category_other", "company_id")
    def _check_category(self):
        for dispute in self:
            if not dispute.category_id and not (dispute.category_other or "").strip():
                raise ValidationError(self.env._("Choose a category or describe your own."))
            if len(dispute.category_other or "") > CATEGORY_OTHER_MAX_LENGTH:
                raise ValidationError(
                    self.env._("Your own category is limited to %(limit)s characters.", limit=CATEGORY_OTHER_MAX_LENGTH)
                )
            if dispute.category_id.company_id and dispute.category_id.company_id != dispute.company_id:
                raise ValidationError(self.env._("This category is not available for the invoice's company."))

    @api.constrains("description")
    def _check_description(self):
        for dispute in self:
            if len(dispute.description or "") > DESCRIPTION_MAX_LENGTH:
                raise ValidationError(
                    self.env._("The description is limited to %(limit)s characters.", limit=DESCRIPTION_MAX_LENGTH)
                )

    @api.constrains("state", "resolution_note")
    def _check_resolution_note(self):
        for dispute in self:
            if dispute.state in CLOSED_STATES and not (dispute.resolution_note or "").strip():
                raise ValidationError(self.env._("Write a resolution note before closing the dispute."))

    # ------------------------------------------------------------------ CRUD

    @api.model_create_multi
    def create(self, vals_list):
        # A clear message rather than the unique index's error (which guards concurrent requests).
        opening = [
            vals["move_id"] for vals in vals_list if vals.get("move_id") and vals.get("state", "new") in OPEN_STATES
        ]
        already_open = self.search([("move_id", "in", opening), ("state", "in", OPEN_STATES)], limit=1)
        if already_open:
            raise ValidationError(
                self.env._(
                    "The invoice %(invoice)s already has an open dispute.", invoice=already_open.move_id.display_name
                )
            )
        for vals in vals_list:
            move = self.env["account.move"].browse(vals.get("move_id"))
            if vals.get("name", self.env._("New")) == self.env._("New"):
                vals["name"] = self.env["ir.sequence"].with_company(move.company_id).next_by_code(
                    "payer.dispute"
                ) or self.env._("New")
            if "amount" not in vals and move:
                vals["amount"] = move.amount_residual
            if not vals.get("user_id") and move:
                vals["user_id"] = move._payer_responsible_user().id
        disputes = super().create(vals_list)
        for dispute in disputes:
            partners = dispute.opened_by_id or dispute.partner_id
            dispute.message_subscribe(partner_ids=partners.ids)
            dispute._payer_notify_responsible()
        return disputes

    def write(self, vals):
        if "state" in vals:
            for dispute in self:
                if vals["state"] != dispute.state and vals["state"] not in TRANSITIONS[dispute.state]:
                    raise UserError(
                        self.env._(
                            "A dispute cannot go from %(from)s to %(to)s.",
                            **{
                                "from": dispute._fields["state"].convert_to_export(dispute.state, dispute),
                                "to": dict(self._fields["state"]._description_selection(self.env))[vals["state"]],
                            },
                        )
                    )
            if vals["state"] in CLOSED_STATES:
                vals.setdefault("date_closed", fields.Datetime.now())
        if "user_id" in vals:
            res = super().write(vals)
            for dispute in self.filtered(lambda d: d.user_id and d.is_open):
                dispute.message_subscribe(partner_ids=dispute.user_id.partner_id.ids)
            return res
        return super().write(vals)

    # ------------------------------------------------------------------ actions

    def action_start_review(self):
        self.write({"state": "under_review"})

    def action_resolve(self):
        self._close("resolved")

    def action_reject(self):
        self._close("rejected")

    def _close(self, state):
        if any(not (dispute.resolution_note or "").strip() for dispute in self):
            raise UserError(self.env._("Write a resolution note before closing the dispute."))
        self.write({"state": state})
        self.activity_feedback(["mail.mail_activity_data_todo"])

    def action_open_invoice(self):
        self.ensure_one()
        return self.move_id._get_records_action(name=self.env._("Invoice"))

    # ------------------------------------------------------------------ notifications

    def _payer_notify_responsible(self):
        """Follow and schedule a To-Do for the responsible (who is emailed of the assignment)."""
        for dispute in self.filtered("user_id"):
            dispute.message_subscribe(partner_ids=dispute.user_id.partner_id.ids)
            dispute.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=dispute.user_id.id,
                summary=self.env._("Handle dispute %(name)s", name=dispute.name),
                note=plaintext2html(dispute.description or ""),
            )

    def _track_subtype(self, init_values):
        self.ensure_one()
        if "state" in init_values:
            return self.env.ref("account_payer_portal.mt_payer_dispute_state")
        return super()._track_subtype(init_values)

    def _track_template(self, changes):
        res = super()._track_template(changes)
        dispute = self[0]
        if "state" in changes and dispute.state != "new":
            res["state"] = (
                self.env.ref("account_payer_portal.mail_template_payer_dispute_state"),
                {
                    "auto_delete_keep_log": False,
                    "subtype_id": self.env.ref("account_payer_portal.mt_payer_dispute_state").id,
                    "email_layout_xmlid": "mail.mail_notification_light",
                },
            )
        return res

    @api.model
    def _mail_get_partner_fields(self, introspect_fields=False):
        # The chatter's "Send message" proposes the record's customer as recipient: that is the
        # contact who raised the dispute, not the customer company (``partner_id``), which often
        # has no email address (the composer would then ask for one instead of sending).
        return ["opened_by_id"]

    def _payer_customer_recipients(self):
        """Who is emailed of a state change: the contact who raised it, else the customer."""
        self.ensure_one()
        return self.opened_by_id or self.partner_id

    # ------------------------------------------------------------------ portal

    @api.model
    def _payer_check_files(self, files):
        """Validate files sent by a customer; raise UserError with a clear message if one is refused.

        :param files: list of ``(filename, content bytes)``
        """
        self._payer_check_customer_files(files)

    def _payer_customer_post_refusal(self):
        # EXTENDS payer.customer.post.mixin: a closed dispute is final for the customer.
        self.ensure_one()
        if not self.is_open:
            return self.env._("This dispute is closed: raise a new one if needed.")
        return super()._payer_customer_post_refusal()

    @api.model
    def _payer_portal_create(self, move, contact, values, files=()):
        """Create a dispute from the portal, as ``contact`` (a contact of the invoice's customer).

        Everything is validated before anything is written: on bad input a UserError or
        ValidationError is raised and nothing is created.

        :param values: ``category_id`` (int or False), ``category_other``, ``description``, ``amount``
        :param files: list of ``(filename, content bytes)``
        """
        self._payer_check_files(files)
        description = (values.get("description") or "").strip()
        if not description:
            raise UserError(self.env._("Describe what is wrong with the invoice."))
        category = self.env["payer.dispute.category"]
        if values.get("category_id"):
            category = category.browse(values["category_id"]).exists()
            if not category or not category.active or (category.company_id and category.company_id != move.company_id):
                raise UserError(self.env._("This category is not available for this invoice."))
        existing = move.payer_dispute_ids.filtered("is_open")
        if existing:
            raise UserError(self.env._("This invoice already has an open dispute (%(name)s).", name=existing[0].name))
        self._payer_check_amount(move, values.get("amount"))
        with self.env.cr.savepoint():
            dispute = self.create(
                {
                    "move_id": move.id,
                    "opened_by_id": contact.id,
                    "category_id": category.id,
                    "category_other": False if category else (values.get("category_other") or "").strip(),
                    "description": description,
                    "amount": values.get("amount"),
                }
            )
            dispute.message_post(
                author_id=contact.id,
                body=plaintext2html(description),
                attachments=list(files),
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        return dispute

    @api.model
    def _payer_check_amount(self, move, amount):
        """The amount a customer disputes: a number, more than zero, no more than what is due on
        the invoice, with no more decimals than its currency has (UserError otherwise)."""
        currency = move.currency_id
        if not isinstance(amount, int | float) or not math.isfinite(amount):
            raise UserError(self.env._("Enter the disputed amount as a number, e.g. 120.50."))
        if currency.compare_amounts(amount, 0.0) <= 0:
            raise UserError(self.env._("The disputed amount must be positive."))
        if float_compare(amount, currency.round(amount), precision_digits=currency.decimal_places + 6):
            raise UserError(
                self.env._(
                    "The disputed amount has more decimals than %(currency)s has (%(digits)s).",
                    currency=currency.name,
                    digits=currency.decimal_places,
                )
            )
        if currency.compare_amounts(amount, move.amount_residual) > 0:
            raise UserError(
                self.env._(
                    "The disputed amount cannot be more than what is due on the invoice (%(residual)s).",
                    residual=format_amount(self.env, move.amount_residual, currency),
                )
            )

    def _payer_portal_post(self, contact, body, files=()):
        """A message (and files) of the customer on the dispute; validated before anything is written."""
        self.ensure_one()
        body = (body or "").strip()
        self._payer_check_customer_post(body=body, files=files)
        if not body and not files:
            raise UserError(self.env._("Write a message or attach a file."))
        return self.message_post(
            author_id=contact.id,
            body=plaintext2html(body) if body else "",
            attachments=list(files),
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )

    def _payer_portal_messages(self):
        """The messages the customer may read: discussions, not internal notes nor tracking."""
        self.ensure_one()
        return self.message_ids.filtered(
            lambda m: m.message_type in ("comment", "email", "email_outgoing", "auto_comment")
            and not (m.subtype_id and m.subtype_id.internal)
            and not m.is_internal
        ).sorted("id")

    @api.model
    def _payer_decode_files(self, files):
        """Werkzeug uploads -> list of ``(filename, bytes)``, ignoring empty file inputs."""
        return [(f.filename, f.read()) for f in files if f and f.filename]
