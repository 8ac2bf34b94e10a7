from odoo import api, fields, models

from .res_partner import STATUS_FREQUENCIES, WEEKDAYS

# The company's default of each customer's scheduled account status (``ir.default`` per company:
# the fallback of the company-dependent fields on res.partner).
STATUS_DEFAULT_FIELDS = ("payer_status_frequency", "payer_status_weekday", "payer_status_monthday")


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    payer_min_card_payment = fields.Monetary(
        related="company_id.payer_min_card_payment", readonly=False, currency_field="currency_id"
    )
    payer_status_frequency = fields.Selection(
        STATUS_FREQUENCIES,
        string="Send account status",
        compute="_compute_payer_status_defaults",
        inverse="_inverse_payer_status_defaults",
        help="Customers who have no choice of their own get their account status by email this often "
        "(not when nothing is owed, nor when every open invoice is disputed or promised).",
    )
    payer_status_weekday = fields.Selection(
        WEEKDAYS,
        string="Weekday",
        compute="_compute_payer_status_defaults",
        inverse="_inverse_payer_status_defaults",
    )
    payer_status_monthday = fields.Integer(
        "Day of the month",
        compute="_compute_payer_status_defaults",
        inverse="_inverse_payer_status_defaults",
        help="1 to 31; in a shorter month, its last day.",
    )

    @api.depends("company_id")
    def _compute_payer_status_defaults(self):
        Partner = self.env["res.partner"]
        for setting in self:
            partners = Partner.with_company(setting.company_id)
            for name in STATUS_DEFAULT_FIELDS:
                setting[name] = partners._fields[name].get_company_dependent_fallback(partners)

    def _inverse_payer_status_defaults(self):
        for setting in self:
            for name in STATUS_DEFAULT_FIELDS:
                self.env["ir.default"].set(
                    "res.partner", name, setting[name] or False, company_id=setting.company_id.id
                )

    payer_promise_max_days = fields.Integer(related="company_id.payer_promise_max_days", readonly=False)
