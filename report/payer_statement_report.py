from odoo import api, fields, models
from odoo.exceptions import AccessError


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
        # invoicing users of the company (the portal renders it as superuser, for its own customer).
        if not self.env.su and (
            not self.env.user.has_groups("account.group_account_invoice,account.group_account_readonly")
            or company not in self.env.user.company_ids
        ):
            raise AccessError(self.env._("You are not allowed to print statements of account."))
        self.env["res.partner"].browse(docids).check_access("read")
        date_from = fields.Date.to_date(data.get("date_from"))
        date_to = fields.Date.to_date(data.get("date_to"))
        if not date_from or not date_to:
            _key, _label, date_from, date_to = Statement._get_period_presets(
                self.env["payer.portal.ledger"]._today(company)
            )[-1]
        partners = self.env["res.partner"].browse(docids)
        statements = {
            partner.id: Statement._get_statement_data(partner, company, date_from, date_to) for partner in partners
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
