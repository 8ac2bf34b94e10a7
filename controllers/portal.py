from werkzeug.exceptions import Forbidden

from odoo import http
from odoo.exceptions import AccessError
from odoo.http import request

from odoo.addons.account_payer_portal.exceptions import PayerLinkInvalid
from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

PAGE_SIZE = 50


LINK_SESSION_KEY = "payer_portal_link"
PREVIEW_SESSION_KEY = "payer_portal_preview"


class PayerPortal(CustomerPortal):
    """The payer portal: statement of account of the customer's commercial partner.

    Who is the customer (:meth:`_payer_portal_partner`), never a request parameter:
    - a logged-in portal user: their commercial partner;
    - an account manager who opened a customer's preview: that customer, read-only;
    - a guest with a signed link (``pid`` + ``access_token``): the link's customer, kept in the
      session for the rest of the visit and checked again on every request (revocation is
      immediate). A bad link raises :class:`PayerLinkInvalid`: the same 403 page every time.
    """

    def _payer_portal_partner(self):
        user = request.env.user
        if not user._is_public():
            preview = self._payer_portal_preview_partner()
            return preview or user.partner_id.commercial_partner_id
        return self._payer_portal_link_partner()

    def _payer_portal_preview_partner(self):
        """The customer an account manager previews (empty for anyone else)."""
        partner_id = request.session.get(PREVIEW_SESSION_KEY)
        if not partner_id or not request.env["res.partner"]._payer_portal_can_preview():
            return request.env["res.partner"]
        return request.env["res.partner"].sudo().browse(partner_id).exists().commercial_partner_id

    def _payer_portal_is_preview(self):
        return bool(self._payer_portal_preview_partner())

    def _payer_portal_acting_partner(self):
        """The customer on whose behalf an action (pay, ask, dispute) is taken: never in an
        account manager's preview (403), never for a visitor without an account (404)."""
        if self._payer_portal_is_preview():
            raise Forbidden(request.env._("This is a preview: actions on the customer's behalf are disabled."))
        partner = self._payer_portal_partner()
        if not partner:
            raise request.not_found()
        return partner

    def _payer_portal_contact(self, partner):
        """The contact who acts for ``partner``: the logged-in user's own partner (a contact of
        the customer), else (a guest with a signed link) the customer itself."""
        user_partner = request.env.user.partner_id
        if not request.env.user._is_public() and user_partner.commercial_partner_id == partner.commercial_partner_id:
            return user_partner
        return partner

    def _payer_portal_link_partner(self):
        Access = request.env["payer.portal.access"]
        token, pid = request.params.get("access_token"), request.params.get("pid")
        if token or pid:
            partner = Access._check_link(pid, token)
            if not partner:
                request.session.pop(LINK_SESSION_KEY, None)
                raise PayerLinkInvalid()
            request.session[LINK_SESSION_KEY] = {"pid": partner.id, "token": token}
            return partner
        stored = request.session.get(LINK_SESSION_KEY)
        if not stored:
            return request.env["res.partner"]
        partner = Access._check_link(stored.get("pid"), stored.get("token"))
        if not partner:
            request.session.pop(LINK_SESSION_KEY, None)
            raise PayerLinkInvalid()
        return partner

    def _payer_portal_companies(self):
        """Companies whose documents the customer sees (the same for every way in); in an account
        manager's preview, only those of them the account manager works in."""
        partner = self._payer_portal_partner()
        companies = request.env["payer.portal.ledger"]._customer_companies(partner)
        if self._payer_portal_is_preview():
            companies &= request.env.user.company_ids
        return companies

    def _payer_portal_url(self):
        return "/my/payer-portal"

    def _prepare_payer_portal_values(self, partner, section_key=None, page=1):
        Ledger = request.env["payer.portal.ledger"]
        companies = self._payer_portal_companies()
        sections = Ledger._get_sections(partner, companies)
        for section in sections:
            key = f"{section['company'].id}-{section['currency'].name}"
            section_page = page if key == section_key else 1
            section["key"] = key
            section["pager"] = portal_pager(
                url=self._payer_portal_url(),
                url_args={"section": key},
                total=section["document_count"],
                page=section_page,
                step=PAGE_SIZE,
            )
            section["rows"] = Ledger._get_rows(
                partner,
                section["company"],
                section["currency"],
                companies=companies,
                today=section["today"],
                limit=PAGE_SIZE,
                offset=(section_page - 1) * PAGE_SIZE,
            )
        return {
            "page_name": "payer_portal",
            "payer_partner": partner,
            "sections": sections,
            "show_company": len({s["company"] for s in sections}) > 1,
            "today": Ledger._today(companies[:1]),
            "plain": Ledger._plain,
            "payer_preview": self._payer_portal_is_preview(),
            "payer_guest": request.env.user._is_public(),
        }

    @http.route(
        ["/my/payer-portal", "/my/payer-portal/page/<int:page>"],
        type="http",
        auth="public",
        website=True,
        readonly=True,
    )
    def payer_portal(self, page=1, section=None, **kw):
        partner = self._payer_portal_partner()
        if not partner:
            return request.redirect("/web/login?redirect=/my/payer-portal")
        values = self._prepare_payer_portal_values(partner, section_key=section, page=page)
        return request.render("account_payer_portal.portal_my_payer_portal", values)

    @http.route("/my/payer-portal/document/<int:move_id>/pdf", type="http", auth="public", website=True)
    def payer_portal_document_pdf(self, move_id, **kw):
        partner = self._payer_portal_partner()
        move = request.env["payer.portal.ledger"]._check_document(partner, move_id, self._payer_portal_companies())
        if not move:
            raise request.not_found()
        return self._show_report(model=move, report_type="pdf", report_ref="account.account_invoices", download=True)

    @http.route("/my/payer-portal/file/<int:attachment_id>", type="http", auth="public", website=True, readonly=True)
    def payer_portal_file(self, attachment_id, **kw):
        partner = self._payer_portal_partner()
        attachment = request.env["payer.portal.ledger"]._check_attachment(
            partner, attachment_id, self._payer_portal_companies()
        )
        if not attachment:
            raise request.not_found()
        return request.env["ir.binary"]._get_stream_from(attachment).get_response(as_attachment=True)

    @http.route("/my/payer-portal/preview/<int:partner_id>", type="http", auth="user", website=True)
    def payer_portal_preview(self, partner_id, **kw):
        """An account manager opens the customer's payer portal as the customer sees it."""
        Partner = request.env["res.partner"]
        partner = Partner.browse(partner_id).exists()
        if not partner or not Partner._payer_portal_can_preview():
            raise request.not_found()
        try:  # only a customer the account manager may read in the backend (multi-company rules)
            partner.check_access("read")
        except AccessError:
            raise request.not_found() from None
        partner = partner.sudo()
        partner._payer_portal_record_preview()
        request.session[PREVIEW_SESSION_KEY] = partner.commercial_partner_id.id
        return request.redirect("/my/payer-portal")

    @http.route("/my/payer-portal/preview/stop", type="http", auth="user", website=True)
    def payer_portal_preview_stop(self, **kw):
        request.session.pop(PREVIEW_SESSION_KEY, None)
        return request.redirect("/odoo")
