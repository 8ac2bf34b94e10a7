from odoo import fields, models


class PayerDisputeCategory(models.Model):
    """A reason a customer may give when disputing an invoice (wrong amount, duplicate, ...)."""

    _name = "payer.dispute.category"
    _description = "Invoice dispute category"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        index=True,
        help="Leave empty to offer the category to the customers of every company.",
    )
    description = fields.Text(translate=True, help="Internal explanation of when to use this category.")
