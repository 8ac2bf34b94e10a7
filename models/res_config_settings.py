from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    payer_min_card_payment = fields.Monetary(
        related="company_id.payer_min_card_payment", readonly=False, currency_field="currency_id"
    )
