from odoo import api, fields, models


def stripe_installed(provider_model):
    """payment_stripe is installed: its fields exist on the provider (the addon does not depend on it)."""
    return "stripe_webhook_secret" in provider_model._fields


class PaymentProvider(models.Model):
    _inherit = "payment.provider"

    payer_webhook_secret_missing = fields.Boolean(
        string="Webhook signing secret missing",
        compute="_compute_payer_webhook_secret_missing",
        help="A Stripe provider without a webhook signing secret: Odoo then accepts Stripe's events "
        "without checking their signature.",
    )

    @api.depends(lambda self: ["code", "stripe_webhook_secret"] if stripe_installed(self) else ["code"])
    def _compute_payer_webhook_secret_missing(self):
        # Only where payment_stripe is installed (only then is a provider's code 'stripe').
        stripe = stripe_installed(self)
        for provider in self:
            provider.payer_webhook_secret_missing = (
                stripe and provider.code == "stripe" and not provider.stripe_webhook_secret
            )
