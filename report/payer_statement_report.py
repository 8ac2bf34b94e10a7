from odoo import api, fields, models

from ..models.payer_statement import PRINT_GROUPS


class ReportPayerStatement(models.AbstractModel):
    """The PDF statement of account: one document per customer, for one company and period.

    ``data`` carries ``date_from`` and ``date_to`` (ISO dates) and optionally ``company_id``
    (default: the current company).
    """

    _name = "report.account_payer_portal.report_payer_statement"
    _description = "Payer portal: statement of account (PDF)"

    @api.model
    def _get_report_values(self, docids, data=None):
        data = data or {}
        # With a period in ``data`` Odoo's web client leaves the record ids out of the report's
        # URL and sends them in the action's context (the statement wizard's Print).
        docids = docids or (data.get("context") or {}).get("active_ids") or []
        Statement = self.env["payer.statement"]
        company = self.env["res.company"].browse(data.get("company_id")) if data.get("company_id") else self.env.company
        # Odoo's generic /report routes do not check the report's groups: the statement is for
        # invoicing users of the company who read the customers in it (the portal renders it as
        # superuser, for its own customer; the cron as the user who queued it).
        if not self.env.su:
            Statement._check_statement_access(company, self.env["res.partner"].browse(docids), groups=PRINT_GROUPS)
        date_from = fields.Date.to_date(data.get("date_from"))
        date_to = fields.Date.to_date(data.get("date_to"))
        if not date_from or not date_to:
            _key, _label, date_from, date_to = Statement._get_period_presets(
                self.env["payer.portal.ledger"]._today(company)
            )[-1]
        partners = self.env["res.partner"].browse(docids)
        # in each customer's language, like the document (``t-lang``): the movements' labels too
        statements = {
            partner.id: Statement.with_context(lang=partner.lang or self.env.lang)._get_statement_data(
                partner, company, date_from, date_to
            )
            for partner in partners
        }
        return {
            "doc_ids": docids,
            "doc_model": "res.partner",
            "docs": partners,
            # the header's company (``web.external_layout`` reads ``company``, and would take
            # ``company_id`` of ``data`` for a record)
            "company": company,
            "company_id": company,
            "statements": statements,
            "plain": self.env["payer.portal.ledger"]._plain,
        }
