import re
import secrets
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import consteq


class PayerPortalAccess(models.Model):
    """The signed link of a customer's payer portal.

    One record per commercial partner holds its secret: 256 random bits, URL-safe, compared in
    constant time. Revoking issues a new secret, so every link sent before answers as invalid.
    """

    _name = "payer.portal.access"
    _description = "Payer portal signed link"
    _rec_name = "partner_id"

    partner_id = fields.Many2one("res.partner", required=True, ondelete="cascade", index=True)
    token = fields.Char(required=True, copy=False, default=lambda self: self._new_token())
    expiry_date = fields.Date(help="Links stop working after this day (none: until revoked).")
    revoked_date = fields.Datetime(readonly=True, help="When the links were last revoked.")

    _partner_unique = models.UniqueIndex("(partner_id)")

    @api.model
    def _new_token(self):
        return secrets.token_urlsafe(32)

    @api.model
    def _for_partner(self, partner):
        """The access record of ``partner``'s commercial partner, created on first use."""
        commercial = partner.commercial_partner_id
        access = self.sudo().search([("partner_id", "=", commercial.id)], limit=1)
        return access or self.sudo().create({"partner_id": commercial.id})

    def _link_url(self, path="/my/payer-portal"):
        """The absolute signed link (``pid`` and ``access_token``)."""
        self.ensure_one()
        base = self.partner_id.get_base_url()
        return f"{base}{path}?pid={self.partner_id.id}&access_token={self.token}"

    def _revoke(self, expiry_days=None):
        """New secret for each record: every link sent before now answers as invalid."""
        for access in self:
            access.write(
                {
                    "token": self._new_token(),
                    "revoked_date": fields.Datetime.now(),
                    "expiry_date": fields.Date.today() + timedelta(days=expiry_days) if expiry_days else False,
                }
            )

    @api.model
    def _check_link(self, partner_id, token):
        """The commercial partner a link opens, or an empty recordset when the link is not valid
        (unknown customer, wrong, truncated, revoked or expired secret): no hint which."""
        Partner = self.env["res.partner"]
        if (
            not token
            or not isinstance(token, str)
            or not token.isascii()
            or not re.fullmatch(r"[0-9]{1,12}", str(partner_id or ""))
        ):
            return Partner
        access = self.sudo().search([("partner_id", "=", int(partner_id))], limit=1)
        # Compare anyway (against a dummy) so that timing tells nothing about the customer.
        valid = consteq(access.token or secrets.token_urlsafe(32), token)
        if not access or not valid:
            return Partner
        if access.expiry_date and access.expiry_date < fields.Date.context_today(access):
            return Partner
        return access.partner_id
