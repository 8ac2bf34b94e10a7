import logging

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

_logger = logging.getLogger(__name__)

# What a batch sends, and with whose rights: changing any of these is queuing anew.
QUEUE_FIELDS = {"user_id", "company_id", "date_from", "date_to", "template_id", "partner_ids"}


class PayerStatementBatch(models.Model):
    """Statements waiting to be emailed: the backend's *Send by Email* for many customers queues
    them here and the cron *Payer portal: send statements* sends them (a PDF each), committing
    after each customer, so that no request times out.

    A batch belongs to the user who queued it (``user_id``, always the creator unless created as
    superuser by server code) and is checked when queued, however it is created (the wizard,
    JSON-RPC): that user has invoicing rights, works in the batch's company and reads each
    customer in it. The cron runs as superuser but renders and sends each statement with that
    user's rights in that company (:meth:`_send_next`), so what the user may no longer see is
    not sent. Users see the batches of their companies only (record rule).
    """

    _name = "payer.statement.batch"
    _description = "Payer portal: statements queued for sending"
    _order = "id"

    user_id = fields.Many2one(
        "res.users",
        string="Queued by",
        required=True,
        readonly=True,
        ondelete="cascade",
        default=lambda self: self.env.user,
    )
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

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            vals_list = [{**vals, "user_id": self.env.uid} for vals in vals_list]
        batches = super().create(vals_list)
        batches._check_queued()
        return batches

    def write(self, vals):
        """A user who changes what a batch sends queues it anew, in their own name. The cron's
        bookkeeping (as superuser: customers sent, counts, state) is not checked again: what the
        user may no longer see is refused when rendered."""
        queued = not self.env.su and bool(QUEUE_FIELDS & set(vals))
        if queued:
            vals = {**vals, "user_id": self.env.uid}
        result = super().write(vals)
        if queued:
            self._check_queued()
        return result

    def _check_queued(self):
        """Raise an ``AccessError`` unless each batch's user may send its statements."""
        for batch in self:
            self.env["payer.statement"].with_user(batch.user_id)._check_statement_access(
                batch.company_id, batch.partner_ids
            )

    def _send_next(self):
        """Send the statement of the batch's next customer; return whether one was sent.

        The statement is rendered and sent as the user who queued it, in the batch's company."""
        self.ensure_one()
        partner = self.partner_ids[:1]
        if partner:
            try:
                with self.env.cr.savepoint():
                    sender = (
                        self.env["payer.statement.send"]
                        .with_user(self.user_id)
                        .with_company(self.company_id)
                        .create(
                            {
                                "partner_ids": partner.ids,
                                "company_id": self.company_id.id,
                                "date_from": self.date_from,
                                "date_to": self.date_to,
                                "template_id": self.template_id.id,
                            }
                        )
                    )
                    sender._send_statement(partner.with_env(sender.env), sender._report_data())
                    self.sent_count += 1
            except (AccessError, UserError) as error:
                _logger.warning(
                    "Statement of account of partner %s not sent for user %s: %s", partner.id, self.user_id.id, error
                )
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
