from odoo import http
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

PAGE_SIZE = 50


class PayerPortal(CustomerPortal):
    """The payer portal: statement of account of the customer's commercial partner."""

    def _payer_portal_partner(self):
        """The customer whose account is shown: always the commercial partner of the visitor.

        Never taken from the request's parameters.
        """
        if request.env.user._is_public():
            return request.env["res.partner"]
        return request.env.user.partner_id.commercial_partner_id

    def _payer_portal_companies(self):
        return request.env.user.company_ids

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
        }

    @http.route(
        ["/my/payer-portal", "/my/payer-portal/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
        readonly=True,
    )
    def payer_portal(self, page=1, section=None, **kw):
        partner = self._payer_portal_partner()
        values = self._prepare_payer_portal_values(partner, section_key=section, page=page)
        return request.render("account_payer_portal.portal_my_payer_portal", values)

    @http.route("/my/payer-portal/document/<int:move_id>/pdf", type="http", auth="user")
    def payer_portal_document_pdf(self, move_id, **kw):
        partner = self._payer_portal_partner()
        move = request.env["payer.portal.ledger"]._check_document(partner, move_id, self._payer_portal_companies())
        if not move:
            raise request.not_found()
        return self._show_report(model=move, report_type="pdf", report_ref="account.account_invoices", download=True)

    @http.route("/my/payer-portal/file/<int:attachment_id>", type="http", auth="user", readonly=True)
    def payer_portal_file(self, attachment_id, **kw):
        partner = self._payer_portal_partner()
        attachment = request.env["payer.portal.ledger"]._check_attachment(
            partner, attachment_id, self._payer_portal_companies()
        )
        if not attachment:
            raise request.not_found()
        return request.env["ir.binary"]._get_stream_from(attachment).get_response(as_attachment=True)
