from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    payer_dispute_user_id = fields.Many2one(
        "res.users",
        string="Default dispute responsible",
        domain="[('share', '=', False), ('company_ids', 'in', id)]",
        help="Handles the questions and disputes of customers who have no salesperson, on invoices "
        "that have none either.",
    )
