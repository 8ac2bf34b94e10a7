import logging

from odoo import api, fields, models

_logger = logging.getLogger(__name__)


class PayerStatementBatch(models.Model):
    """Statements waiting to be emailed: the backend's *Send by Email* for many customers queues
    them here and the cron *Payer portal: send statements* sends them (a PDF each), committing
    after each customer, so that no request times out."""

    _name = "payer.statement.batch"
    _description = "Payer portal: statements queued for sending"
    _order = "id"

    company_id = fields.Many2one("res.company", required=True, ondelete="cascade")
    date_from = fields.Date("From", required=True)
    date_to = fields.Date("To", required=True)
    template_id = fields.Many2one("mail.template", required=True, ondelete="cascade")
    partner_ids = fields.Many2many(
        "res.partner",
        "payer_statement_batch_partner_rel",
        "batch_id",
        "partner_id",
        string="Customers still to send",
    )
    sent_count = fields.Integer("Sent")
    state = fields.Selection([("queued", "Queued"), ("done", "Done")], default="queued", required=True)

    def _send_next(self):
        """Send the statement of the batch's next customer; return whether one was sent."""
        self.ensure_one()
        partner = self.partner_ids[:1]
        if partner:
            sender = self.env["payer.statement.send"].create(
                {
                    "partner_ids": partner.ids,
                    "company_id": self.company_id.id,
                    "date_from": self.date_from,
                    "date_to": self.date_to,
                    "template_id": self.template_id.id,
                }
            )
            try:
                with self.env.cr.savepoint():
                    sender._send_statement(partner, sender._report_data())
                    self.sent_count += 1
            except Exception:
                _logger.exception("Statement of account of partner %s could not be sent", partner.id)
            self.partner_ids = [fields.Command.unlink(partner.id)]
        if not self.partner_ids:
            self.state = "done"
        return bool(partner)

    @api.model
    def _cron_send_statements(self):
        batches = self.search([("state", "=", "queued")])
        remaining = sum(len(batch.partner_ids) for batch in batches)
        self.env["ir.cron"]._commit_progress(remaining=remaining)
        for batch in batches:
            while batch.state == "queued":
                sent = batch._send_next()
                if self.env["ir.cron"]._commit_progress(int(sent)) <= 0:
                    return
