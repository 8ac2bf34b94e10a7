from odoo import models

from odoo.addons.account_payer_portal.exceptions import PayerLinkInvalid


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _get_error_html(cls, env, code, values):
        """One page for every bad signed link: no hint of what was wrong, or of who exists."""
        if isinstance(values.get("exception"), PayerLinkInvalid):
            return 403, env["ir.ui.view"]._render_template("account_payer_portal.payer_portal_link_invalid", values)
        return super()._get_error_html(env, code, values)
