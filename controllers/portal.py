from typing import Any, NamedTuple

from werkzeug.exceptions import Forbidden

from odoo import http
from odoo.exceptions import AccessError
from odoo.http import request

from odoo.addons.account_payer_portal.exceptions import PayerLinkInvalid
from odoo.addons.account_payer_portal.models.payer_portal_access import LINK_PARAM
from odoo.addons.account_payer_portal.tools.portal_format import PayerFormat
from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

PAGE_SIZE = 50
# Documents whose PDF the statement of account offers: invoices, sales receipts, credit notes (Odoo's
# portal has a page for invoices and credit notes only).
DOCUMENT_PDF_TYPES = ("out_invoice", "out_receipt", "out_refund")


LINK_SESSION_KEY = "payer_portal_link"
PREVIEW_SESSION_KEY = "payer_portal_preview"
# The language a visitor chose with the portal's language selector (a /<lang>/ URL), for the visit.
LANG_SESSION_KEY = "payer_portal_lang"


def readonly_unless_posted(_controller, _rule, _args):
    """``readonly`` of a route that shows a form (GET, on a read-only cursor: a read replica
    when there is one) and takes it (POST, on the primary)."""
    return request.httprequest.method in ("GET", "HEAD")


class PayerVisitor(NamedTuple):
    """Who the visitor of a request is, resolved once (:meth:`PayerPortal._payer_portal_visitor`).

    - ``partner``: the customer (commercial partner) whose account is shown; empty for a visitor
      who is nobody's customer;
    - ``contact``: who acts for it (a logged-in contact, else the customer itself);
    - ``companies``: the companies whose part of the account is shown;
    - ``mode``: how they came in: ``"login"``, ``"link"`` (signed link) or ``"preview"``
      (an account manager's read-only preview); ``None`` for an anonymous visitor.
    """

    partner: Any
    contact: Any
    companies: Any
    mode: str | None

    @property
    def is_preview(self):
        return self.mode == "preview"


class PayerPortal(CustomerPortal):
    """The payer portal: statement of account of the customer's commercial partner.

    Who is the customer is resolved once per request into a :class:`PayerVisitor`
    (:meth:`_payer_portal_visitor`), never from a request parameter naming the customer:
    - a logged-in portal user: their commercial partner, in the companies of the customer's
      portal users;
    - an account manager who opened a customer's preview: that customer, read-only, in those of
      the customer's companies the account manager works in;
    - a guest with a signed link (``payer_token``): the link's customer, in the link's company
      only, kept in the session for the rest of the visit and checked again on every request
      (revocation is immediate). A bad link raises :class:`PayerLinkInvalid`: the same 403 page.
    """

    _VISITOR_ATTR = "_payer_portal_visitor_cache"

    def _payer_portal_visitor(self):
        """The visitor of this request (:class:`PayerVisitor`), resolved on first use and kept for
        the rest of the request: the signed link is looked up once per request."""
        cached = getattr(request, self._VISITOR_ATTR, None)
        if cached and cached[0] is request.env.cr and cached[1] == request.env.uid:
            return cached[2]
        visitor = self._payer_portal_resolve_visitor()
        self._payer_portal_apply_lang(visitor)
        setattr(request, self._VISITOR_ATTR, (request.env.cr, request.env.uid, visitor))
        return visitor

    def _payer_portal_visitor_lang(self, visitor):
        """The language the payer pages speak to ``visitor`` (a code of an active language, or
        ``None`` to keep Odoo's choice): a language the visitor picked with the language selector
        during the visit, else a portal user's own language, else for a guest who came by a signed
        link the customer's. An account manager's preview keeps the manager's language."""
        Lang = request.env["res.lang"]
        if visitor.mode not in ("login", "link"):
            return None
        url_lang = self._payer_portal_url_lang()
        if url_lang and not request.params.get(LINK_PARAM):
            request.session[LANG_SESSION_KEY] = url_lang
            return url_lang
        if request.params.get(LINK_PARAM):  # a new arrival by link: the customer's language again
            request.session.pop(LANG_SESSION_KEY, None)
        chosen = request.session.get(LANG_SESSION_KEY)
        if isinstance(chosen, str) and Lang._get_code(chosen):
            return chosen
        own = request.env.user.lang if visitor.mode == "login" else visitor.partner.lang
        return Lang._get_code(own) or None

    def _payer_portal_url_lang(self):
        """The language the visitor picked with the language selector: the one in the URL the
        browser asked for (``/fr/my/payer-portal``) when it is not the one of the page they came
        from (Odoo's own redirects to ``/fr/...`` follow the ``frontend_lang`` cookie)."""
        uri = request.httprequest.environ.get("REQUEST_URI") or ""
        first = uri.split("?", 1)[0].lstrip("/").split("/", 1)[0]
        if not first or first == request.httprequest.path.lstrip("/").split("/", 1)[0]:
            return None
        code = request.env["res.lang"]._get_data(url_code=first).code
        return code if code and code != request.cookies.get("frontend_lang") else None

    def _payer_portal_apply_lang(self, visitor):
        """Render the rest of the request (page, ``lang`` of the page, money, dates, messages) in
        the visitor's language, and keep it for the visit's next pages (``frontend_lang``)."""
        code = self._payer_portal_visitor_lang(visitor)
        if not code or code == request.env.lang:
            return
        request.lang = request.env["res.lang"]._get_data(code=code)
        request.update_context(lang=code)
        if request.cookies.get("frontend_lang") != code:
            request.future_response.set_cookie("frontend_lang", code)

    def _payer_portal_resolve_visitor(self):
        Partner = request.env["res.partner"]
        Ledger = request.env["payer.portal.ledger"]
        user = request.env.user
        if not user._is_public():
            preview = self._payer_portal_resolve_preview()
            if preview:
                companies = Ledger._customer_companies(preview) & user.company_ids
                return PayerVisitor(preview, preview, companies, "preview")
            partner = user.partner_id.commercial_partner_id
            return PayerVisitor(partner, user.partner_id, Ledger._customer_companies(partner), "login")
        access = self._payer_portal_resolve_link()
        if access:
            partner = access.partner_id
            return PayerVisitor(partner, partner, access.company_id, "link")
        return PayerVisitor(Partner, Partner, request.env["res.company"], None)

    def _payer_portal_resolve_preview(self):
        """The customer an account manager previews (empty for anyone else)."""
        partner_id = request.session.get(PREVIEW_SESSION_KEY)
        if not partner_id or not request.env["res.partner"]._payer_portal_can_preview():
            return request.env["res.partner"]
        return request.env["res.partner"].sudo().browse(partner_id).exists().commercial_partner_id

    def _payer_portal_resolve_link(self):
        """The access record (sudo) of the signed link in the request (``payer_token``), else of the
        one kept in the session; empty without one. One look-up; a bad link ends the visit."""
        Access = request.env["payer.portal.access"]
        value = request.params.get(LINK_PARAM)
        if value is None:
            value = request.session.get(LINK_SESSION_KEY)
            if not isinstance(value, str):  # none kept (or one of an older form)
                request.session.pop(LINK_SESSION_KEY, None)
                return Access.sudo()
        access = Access._check_link(value)
        if not access:
            request.session.pop(LINK_SESSION_KEY, None)
            raise PayerLinkInvalid()
        if request.session.get(LINK_SESSION_KEY) != value:
            request.session[LINK_SESSION_KEY] = value
        return access

    # The helpers every payer portal controller calls: all read the one visitor of the request.

    def _payer_portal_partner(self):
        return self._payer_portal_visitor().partner

    def _payer_portal_preview_partner(self):
        visitor = self._payer_portal_visitor()
        return visitor.partner if visitor.is_preview else request.env["res.partner"]

    def _payer_portal_is_preview(self):
        return self._payer_portal_visitor().is_preview

    def _payer_portal_acting_partner(self):
        """The customer on whose behalf an action (pay, ask, dispute) is taken: never in an
        account manager's preview (403), never for a visitor without an account (404)."""
        visitor = self._payer_portal_visitor()
        if visitor.is_preview:
            raise Forbidden(request.env._("This is a preview: actions on the customer's behalf are disabled."))
        if not visitor.partner:
            raise request.not_found()
        return visitor.partner

    def _payer_portal_contact(self, partner):
        """The contact who acts for ``partner``: the logged-in user's own partner (a contact of
        the customer), else (a guest with a signed link) the customer itself."""
        visitor = self._payer_portal_visitor()
        if visitor.contact.commercial_partner_id == partner.commercial_partner_id:
            return visitor.contact
        return partner

    def _payer_portal_companies(self):
        """Companies whose documents the visitor sees: a login's, the customer's portal users';
        a link's, the link's company only; a preview's, those the account manager works in."""
        return self._payer_portal_visitor().companies

    def _payer_portal_log_visit(self, kind, document=None):
        """Log on the customer's chatter what it looked at (``payer.portal.engagement``), at most
        once a day per kind: for a portal user or a guest by signed link, never for an account
        manager's preview (nor for staff, nor for Odoo's link previewer). One query when already
        logged today; when due, it writes through its own cursor, so that this read-only page
        stays read-only (see ``payer.portal.engagement``)."""
        visitor = self._payer_portal_visitor()
        if visitor.mode not in ("login", "link") or not visitor.partner:
            return False
        if visitor.mode == "login" and not request.env.user.share:  # staff, not a customer
            return False
        if request.httprequest.headers.get("Odoo-Link-Preview") == "True":
            return False
        contact = visitor.contact if visitor.mode == "login" else None
        company = visitor.companies[:1] or request.env.company
        return (
            request.env["payer.portal.engagement"]
            .sudo()
            ._log_visit(visitor.partner, kind, company, contact=contact, document=document)
        )

    def _payer_portal_url(self):
        return "/my/payer-portal"

    def _payer_portal_sections(self, partner, scope=None):
        """The aging of each section of the visitor's account (``payer.portal.ledger._get_sections``),
        each with its ``key``: ``<company id>-<currency code>``, as in the page's links."""
        sections = request.env["payer.portal.ledger"]._get_sections(
            partner, self._payer_portal_companies(), scope=scope
        )
        for section in sections:
            section["key"] = f"{section['company'].id}-{section['currency'].name}"
        return sections

    def _payer_portal_base_values(self, partner, sections):
        Ledger = request.env["payer.portal.ledger"]
        return {
            "page_name": "payer_portal",
            "payer_partner": partner,
            "sections": sections,
            "show_company": len({s["company"] for s in sections}) > 1,
            "today": Ledger._today(self._payer_portal_companies()[:1]),
            "plain": Ledger._plain,
            "payer_format": PayerFormat(request.env),
            "payer_preview": self._payer_portal_is_preview(),
            "payer_guest": request.env.user._is_public(),
        }

    def _prepare_payer_portal_values(self, partner, section_key=None, page=1):
        Ledger = request.env["payer.portal.ledger"]
        companies = self._payer_portal_companies()
        scope = Ledger._receivable_scope(partner)  # read once for the aging and every section's rows
        sections = self._payer_portal_sections(partner, scope=scope)
        for section in sections:
            key = section["key"]
            section_page = page if key == section_key else 1
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
                scope=scope,
            )
        return self._payer_portal_base_values(partner, sections)

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
        self._payer_portal_log_visit("portal")
        values = self._prepare_payer_portal_values(partner, section_key=section, page=page)
        return request.render("account_payer_portal.portal_my_payer_portal", values)

    @http.route("/my/payer-portal/document/<int:move_id>/pdf", type="http", auth="public", website=True, readonly=True)
    def payer_portal_document_pdf(self, move_id, **kw):
        partner = self._payer_portal_partner()
        move = request.env["payer.portal.ledger"]._check_document(
            partner, move_id, self._payer_portal_companies(), move_types=DOCUMENT_PDF_TYPES
        )
        if not move:
            raise request.not_found()
        # Odoo computes each line's section (``parent_id``) while printing; computed for a few lines
        # at a time, it writes the move (a write that would send this read-only page to the
        # primary database). Computed here for all the lines at once, it is only cached.
        move.line_ids.mapped("parent_id")
        response = self._show_report(
            model=move, report_type="pdf", report_ref="account.account_invoices", download=True
        )
        self._payer_portal_log_visit("invoice", document=move)  # once it is made
        return response

    @http.route("/my/payer-portal/file/<int:attachment_id>", type="http", auth="public", website=True, readonly=True)
    def payer_portal_file(self, attachment_id, **kw):
        partner = self._payer_portal_partner()
        attachment = request.env["payer.portal.ledger"]._check_attachment(
            partner, attachment_id, self._payer_portal_companies()
        )
        if not attachment:
            raise request.not_found()
        return request.env["ir.binary"]._get_stream_from(attachment).get_response(as_attachment=True)

    @http.route("/my/payer-portal/invoice/<int:move_id>", type="http", auth="public", website=True)
    def payer_portal_invoice_page(self, move_id, **kw):
        """Odoo's page of one of the customer's invoices, for whoever sees the statement of account
        (a guest by signed link too): its access token is made here, on the first visit, not while
        the pages that link to it are shown (they read only, on a read replica when there is one)."""
        partner = self._payer_portal_partner()
        move = request.env["payer.portal.ledger"]._check_document(partner, move_id, self._payer_portal_companies())
        if not move:
            raise request.not_found()
        return request.redirect(move.get_portal_url())

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
