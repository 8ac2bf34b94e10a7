from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .payer_promise import DEFAULT_MAX_DAYS


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
    payer_promise_max_days = fields.Integer(
        string="Promise to pay: days ahead at most",
        default=DEFAULT_MAX_DAYS,
        help="How far ahead customers may promise to pay from the payer portal, in days from today.",
    )

    @api.constrains("payer_promise_max_days")
    def _check_payer_promise_max_days(self):
        if any(company.payer_promise_max_days < 0 for company in self):
            raise ValidationError(self.env._("The days ahead of a promise to pay cannot be negative."))
