import logging
import re
from urllib.parse import urlencode

import psycopg2

from odoo import fields, http
from odoo.exceptions import UserError
from odoo.http import content_disposition, request

from odoo.addons.portal.controllers.portal import pager as portal_pager

from ..models.payer_statement import PAGE_SIZE
from .portal import PayerPortal

_logger = logging.getLogger(__name__)

FORMATS = ("html", "pdf", "xlsx")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class PayerStatementPortal(PayerPortal):
    """Get Statement: the customer's statement of account for a period, as a page, PDF or XLSX.

    The customer is always :meth:`_payer_portal_partner` (never a request parameter).
    """

    def _prepare_payer_portal_values(self, partner, section_key=None, page=1):
        values = super()._prepare_payer_portal_values(partner, section_key=section_key, page=page)
        values["statement_presets"] = request.env["payer.statement"]._get_period_presets(values["today"])
        return values

    def _payer_statement_company(self, company_id=None):
        """The company of the statement: the given one if the visitor may see it, else the first."""
        companies = self._payer_portal_companies()
        if company_id:
            return companies.filtered(lambda c: str(c.id) == str(company_id))
        return companies[:1]

    def _parse_statement_request(self, date_from, date_to, report_format, company_id):
        """The (company, date_from, date_to, format) of a request; ``UserError`` if not valid."""
        if report_format not in FORMATS:
            raise UserError(request.env._("Unknown format: choose HTML, PDF or XLSX."))
        company = self._payer_statement_company(company_id)
        if not company:
            raise UserError(request.env._("This statement is not available."))
        dates = []
        for value in (date_from, date_to):
            try:
                dates.append(fields.Date.to_date(value))
            except (TypeError, ValueError):
                raise UserError(
                    request.env._("%(value)s is not a date: use the form YYYY-MM-DD.", value=value)
                ) from None
        return company, *dates, report_format

    @http.route(
        ["/my/payer-portal/statement", "/my/payer-portal/statement/page/<int:page>"],
        type="http",
        auth="public",
        website=True,
        readonly=True,
    )
    def payer_portal_statement(self, date_from=None, date_to=None, company_id=None, page=1, **kw):
        """The statement page shows ``PAGE_SIZE`` movements per page (the figures of the whole
        period on each); the PDF and the spreadsheet hold the whole period."""
        partner = self._payer_portal_partner()  # logged-in customer, preview, or signed-link guest
        if not partner:
            return request.redirect("/web/login?redirect=/my/payer-portal")
        Statement = request.env["payer.statement"]
        try:
            company, date_from, date_to, report_format = self._parse_statement_request(
                date_from, date_to, kw.get("format") or "html", company_id
            )
            if report_format == "html":
                statement = Statement.sudo()._get_statement_data(
                    partner, company, date_from, date_to, page=page, page_size=PAGE_SIZE
                )
            elif report_format == "xlsx":
                statement = Statement.sudo()._get_statement_data(partner, company, date_from, date_to)
            else:
                Statement._check_period(company, date_from, date_to)
        except UserError as error:
            values = {"page_name": "payer_statement", "statement": None, "error": error.args[0]}
            return request.render("account_payer_portal.portal_payer_statement", values, status=400)
        filename = re.sub(
            r"[^\w-]+",
            "_",
            request.env._(
                "Statement %(customer)s %(date_from)s %(date_to)s",
                customer=partner.name,
                date_from=date_from,
                date_to=date_to,
            ),
        )

        def download_url(download_format):
            query = {"date_from": date_from, "date_to": date_to, "format": download_format}
            if company_id:
                query["company_id"] = company.id
            return f"/my/payer-portal/statement?{urlencode(query)}"

        if report_format == "pdf":
            pdf = self._payer_statement_pdf(partner, company, date_from, date_to)
            if pdf is None:
                values = {
                    "page_name": "payer_statement",
                    "statement": None,
                    "error": request.env._(
                        "The PDF could not be made now: try again in a few minutes, or download the spreadsheet."
                    ),
                    "error_xlsx_url": download_url("xlsx"),
                }
                return request.render("account_payer_portal.portal_payer_statement", values, status=503)
            self._payer_portal_log_visit("statement")  # once it is made
            return request.make_response(
                pdf,
                headers=[
                    ("Content-Type", "application/pdf"),
                    ("Content-Length", len(pdf)),
                    ("Content-Disposition", content_disposition(f"{filename}.pdf")),
                ],
            )
        if report_format == "xlsx":
            xlsx = Statement.sudo()._get_statement_xlsx(statement)
            self._payer_portal_log_visit("statement")
            return request.make_response(
                xlsx,
                headers=[
                    ("Content-Type", XLSX_MIMETYPE),
                    ("Content-Length", len(xlsx)),
                    ("Content-Disposition", content_disposition(f"{filename}.xlsx")),
                ],
            )
        url_args = {"date_from": date_from, "date_to": date_to}
        if company_id:
            url_args["company_id"] = company.id
        first = (statement["page"] - 1) * PAGE_SIZE + 1
        values = {
            "page_name": "payer_statement",
            "statement": statement,
            "page_label": request.env._(
                "Movements %(first)s-%(last)s of %(count)s (page %(page)s of %(pages)s)",
                first=first,
                last=min(first + PAGE_SIZE - 1, statement["movement_count"]),
                count=statement["movement_count"],
                page=statement["page"],
                pages=statement["page_count"],
            ),
            "error": None,
            "plain": request.env["payer.portal.ledger"]._plain,
            "download_url": download_url,
            "show_company": len(self._payer_portal_companies()) > 1,
            "pager": portal_pager(
                url="/my/payer-portal/statement",
                url_args=url_args,
                total=statement["movement_count"],
                page=statement["page"],
                step=PAGE_SIZE,
            ),
        }
        return request.render("account_payer_portal.portal_payer_statement", values)

    def _payer_statement_pdf(self, partner, company, date_from, date_to):
        """The statement PDF of the whole period (bytes), or ``None`` if it could not be made.

        Whatever fails (wkhtmltopdf crashing or refusing, running out of time or memory, the
        merge of the chunks), the customer gets a sentence, never the tool's output: the
        failure is logged here with its details. Database errors are raised as they are (a
        read-only cursor that must write is retried by Odoo on the primary)."""
        try:
            pdf, _report_type = (
                request.env["ir.actions.report"]
                .sudo()
                .with_company(company)
                ._render_qweb_pdf(
                    "account_payer_portal.action_report_payer_statement",
                    partner.ids,
                    data={"company_id": company.id, "date_from": str(date_from), "date_to": str(date_to)},
                )
            )
        except psycopg2.Error:
            raise
        except Exception:
            _logger.exception(
                "Statement PDF of %s (company %s, %s to %s) failed",
                partner.commercial_partner_id,
                company.id,
                date_from,
                date_to,
            )
            return None
        return pdf
