import re
import secrets
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import consteq

# The signed link's one query parameter: ``<access id>.<secret>``. Its own name, so that Odoo's
# ``access_token`` (documents, ``/mail/view``) never reaches the link check.
LINK_PARAM = "payer_token"
LINK_RE = re.compile(r"([0-9]{1,12})\.([A-Za-z0-9_-]{1,128})")


class PayerPortalAccess(models.Model):
    """The signed link of a customer's payer portal, for one company.

    One record per commercial partner **and company** holds its secret: 256 random bits,
    URL-safe, compared in constant time. A link opens that company's part of the customer's
    account only. Revoking issues a new secret, so every link sent before answers as invalid.

    Nobody reads or writes these records through the ORM (no access rights): the account status
    email, the invoice emails and the revoke action use them in sudo after their own checks.
    """

    _name = "payer.portal.access"
    _description = "Payer portal signed link"
    _rec_name = "partner_id"

    partner_id = fields.Many2one("res.partner", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one("res.company", required=True, ondelete="cascade")
    token = fields.Char(required=True, copy=False, default=lambda self: self._new_token())
    expiry_date = fields.Date(help="Links stop working after this day (none: until revoked).")
    revoked_date = fields.Datetime(readonly=True, help="When the links were last revoked.")

    _partner_company_unique = models.UniqueIndex("(partner_id, company_id)")

    @api.model
    def _new_token(self):
        return secrets.token_urlsafe(32)

    @api.model
    def _for_partner(self, partner, company=None):
        """The access record (sudo) of ``partner``'s commercial partner in ``company`` (default:
        the current company), created on first use. Callers check who may use it."""
        commercial = partner.commercial_partner_id
        company = company or self.env.company
        access = self.sudo().search([("partner_id", "=", commercial.id), ("company_id", "=", company.id)], limit=1)
        return access or self.sudo().create({"partner_id": commercial.id, "company_id": company.id})

    def _link_path(self, path="/my/payer-portal"):
        """The signed link's path and query (``payer_token=<access id>.<secret>``)."""
        self.ensure_one()
        return f"{path}?{LINK_PARAM}={self.id}.{self.token}"

    def _link_url(self, path="/my/payer-portal"):
        """The absolute signed link."""
        self.ensure_one()
        return self.partner_id.get_base_url() + self._link_path(path)

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
    def _check_link(self, value):
        """The access record (sudo) a link's ``payer_token`` value opens, or an empty recordset
        when it is not valid (unknown, wrong, truncated, revoked or expired secret, a customer
        moved to another company): no hint which."""
        match = LINK_RE.fullmatch(value) if isinstance(value, str) and value.isascii() else None
        access = self.sudo().browse(int(match[1])).exists() if match else self.sudo()
        # Compare anyway (against a dummy) so that timing tells nothing about the record.
        valid = consteq(access.token or secrets.token_urlsafe(32), match[2] if match else "")
        if not access or not valid:
            return self.sudo()
        if access.expiry_date and access.expiry_date < fields.Date.context_today(access):
            return self.sudo()
        if access.partner_id.company_id not in (access.company_id, self.env["res.company"]):
            return self.sudo()
        return access
