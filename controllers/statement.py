import re
from urllib.parse import urlencode

from odoo import fields, http
from odoo.exceptions import UserError
from odoo.http import content_disposition, request

from .portal import PayerPortal

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

    @http.route("/my/payer-portal/statement", type="http", auth="public", website=True, readonly=True)
    def payer_portal_statement(self, date_from=None, date_to=None, company_id=None, **kw):
        partner = self._payer_portal_partner()  # logged-in customer, preview, or signed-link guest
        if not partner:
            return request.redirect("/web/login?redirect=/my/payer-portal")
        Statement = request.env["payer.statement"]
        try:
            company, date_from, date_to, report_format = self._parse_statement_request(
                date_from, date_to, kw.get("format") or "html", company_id
            )
            statement = Statement.sudo()._get_statement_data(partner, company, date_from, date_to)
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
        if report_format == "pdf":
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
            return request.make_response(
                xlsx,
                headers=[
                    ("Content-Type", XLSX_MIMETYPE),
                    ("Content-Length", len(xlsx)),
                    ("Content-Disposition", content_disposition(f"{filename}.xlsx")),
                ],
            )

        def download_url(download_format):
            query = {"date_from": date_from, "date_to": date_to, "format": download_format}
            if company_id:
                query["company_id"] = company.id
            return f"/my/payer-portal/statement?{urlencode(query)}"

        values = {
            "page_name": "payer_statement",
            "statement": statement,
            "error": None,
            "plain": request.env["payer.portal.ledger"]._plain,
            "download_url": download_url,
            "show_company": len(self._payer_portal_companies()) > 1,
        }
        return request.render("account_payer_portal.portal_payer_statement", values)
