from odoo import api, fields, models
from odoo.exceptions import ValidationError


class PayerPromiseLine(models.Model):
    """One invoice of a promise to pay, with what it was due when promised.

    ``replaced``: promised again since by a newer promise. ``is_open``: the invoice's open promise
    is this one (at most one per invoice, kept by a unique index)."""

    _name = "payer.promise.line"
    _description = "Promise to pay: invoice"
    _order = "promise_id, id"

    promise_id = fields.Many2one("payer.promise", required=True, index=True, ondelete="cascade")
    move_id = fields.Many2one("account.move", string="Invoice", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="promise_id.company_id", store=True)
    currency_id = fields.Many2one(related="promise_id.currency_id")
    amount_promised = fields.Monetary(
        string="Promised amount",
        currency_field="currency_id",
        readonly=True,
        help="What the invoice was due when promised.",
    )
    replaced = fields.Boolean(readonly=True, help="Promised again since by a newer promise.")
    is_open = fields.Boolean(compute="_compute_is_open", store=True, index=True)

    _one_open_promise_per_invoice = models.UniqueIndex(
        "(move_id) WHERE is_open",
        "This invoice already has an open promise to pay.",
    )

    @api.depends("promise_id.state", "replaced")
    def _compute_is_open(self):
        for line in self:
            line.is_open = line.promise_id.state == "open" and not line.replaced

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if "amount_promised" not in vals and vals.get("move_id"):
                vals["amount_promised"] = self.env["account.move"].browse(vals["move_id"]).sudo().amount_residual
        return super().create(vals_list)

    @api.constrains("move_id", "promise_id")
    def _check_move(self):
        Promise = self.env["payer.promise"]
        for line in self.filtered("is_open"):
            promise = line.promise_id
            refusal = Promise._payer_refusal(promise.partner_id, promise.company_id, line.move_id.sudo())
            if refusal:
                raise ValidationError(refusal)
            if line.move_id.currency_id != promise.currency_id:
                raise ValidationError(
                    self.env._(
                        "The invoices of one promise are in one currency (%(currency)s).",
                        currency=promise.currency_id.name,
                    )
                )
