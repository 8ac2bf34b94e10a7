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
    payer_min_card_payment = fields.Monetary(
        string="Minimum card payment",
        currency_field="currency_id",
        help="The payer portal refuses a selection whose amount to pay by card (after credits are set "
        "off) is below this, converted to the selection's currency. Empty: no minimum.",
    )
