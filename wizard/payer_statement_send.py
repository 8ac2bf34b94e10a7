from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.payer_statement import PRINT_GROUPS

# Sending to more customers than this is queued and done by a cron (a PDF each).
SEND_NOW_LIMIT = 10


class PayerStatementSend(models.TransientModel):
    """Print the statements of account of customers, or send them by email (PDF attached, with
    a link to the payer portal), for one company and period."""

    _name = "payer.statement.send"
    _description = "Print or send statements of account"

    partner_ids = fields.Many2many(
        "res.partner",
        string="Customers",
        required=True,
        default=lambda self: self._default_partner_ids(),
    )
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    date_from = fields.Date("From", required=True, default=lambda self: self._default_period()[0])
    date_to = fields.Date("To", required=True, default=lambda self: self._default_period()[1])
    template_id = fields.Many2one(
        "mail.template",
        string="Email template",
        domain=[("model", "=", "res.partner")],
        default=lambda self: self.env.ref(
            "account_payer_portal.mail_template_payer_statement", raise_if_not_found=False
        ),
    )

    @api.model
    def _default_partner_ids(self):
        if self.env.context.get("active_model") != "res.partner":
            return self.env["res.partner"]
        partners = self.env["res.partner"].browse(self.env.context.get("active_ids") or [])
        return partners.commercial_partner_id

    @api.model
    def _default_period(self):
        """Last month, the usual period of a statement."""
        today = self.env["payer.portal.ledger"]._today(self.env.company)
        presets = {p[0]: p[2:] for p in self.env["payer.statement"]._get_period_presets(today)}
        return presets["last_month"]

    def _report_data(self):
        self.ensure_one()
        self.env["payer.statement"]._check_period(self.company_id, self.date_from, self.date_to)
        return {"company_id": self.company_id.id, "date_from": str(self.date_from), "date_to": str(self.date_to)}

    def action_print(self):
        self.ensure_one()
        self.env["payer.statement"]._check_statement_access(
            self.company_id, self.partner_ids.commercial_partner_id, groups=PRINT_GROUPS
        )
        return (
            self.env.ref("account_payer_portal.action_report_payer_statement")
            .with_company(self.company_id)
            .report_action(self.partner_ids.commercial_partner_id, data=self._report_data())
        )

    def _statement_recipients(self, partner):
        """Who receives ``partner``'s statement: its invoicing contacts with an email, else the
        customer itself if it has one."""
        contacts = partner.child_ids.filtered(lambda c: c.type == "invoice" and c.email)
        return contacts or partner.filtered("email")

    def action_send(self):
        self.ensure_one()
        if not self.template_id:
            raise UserError(self.env._("Choose the email template of the statement."))
        data = self._report_data()
        partners = self.partner_ids.commercial_partner_id
        self.env["payer.statement"]._check_statement_access(self.company_id, partners)
        without_email = partners.filtered(lambda p: not self._statement_recipients(p))
        if without_email:
            raise UserError(
                self.env._(
                    "These customers have no email address: %(names)s",
                    names=", ".join(without_email.mapped("display_name")),
                )
            )
        if len(partners) > SEND_NOW_LIMIT:
            return self._queue(partners)
        for partner in partners:
            self._send_statement(partner, data)
        return {"type": "ir.actions.act_window_close"}

    def _queue(self, partners):
        """Queue the statements of ``partners`` for the cron, and say so. The batch checks the
        user's rights when queued, and the cron sends with them."""
        self.env["payer.statement.batch"].create(
            {
                "company_id": self.company_id.id,
                "date_from": self.date_from,
                "date_to": self.date_to,
                "template_id": self.template_id.id,
                "partner_ids": partners.ids,
            }
        )
        self.env.ref("account_payer_portal.ir_cron_payer_statement_send")._trigger()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "message": self.env._(
                    "The statements of %(count)s customers are being sent in the background.",
                    count=len(partners),
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _send_statement(self, partner, data):
        """Email the statement (PDF attached) to ``partner``'s recipients.

        The PDF and the email are rendered with the current user's rights (the cron sends as the
        user who queued), in the statement's company; only posting is done as superuser, in the
        user's name, since invoicing users may not write on contacts.

        The message is a notification of its recipients (``message_notify``), not a post on the
        customer's chatter: a customer shared by several companies (no company, Odoo's default)
        has a chatter that every company reads, and one company's figures are not for another.
        The message and its PDF are readable by their author and recipients only (the PDF belongs
        to the message, not to the customer)."""
        self.env["payer.statement"]._check_statement_access(self.company_id, partner)
        pdf, _report_type = (
            self.env["ir.actions.report"]
            .with_company(self.company_id)
            ._render_qweb_pdf("account_payer_portal.action_report_payer_statement", partner.ids, data=data)
        )
        template = self.template_id.with_context(
            payer_statement_date_from=self.date_from,
            payer_statement_date_to=self.date_to,
            payer_statement_company=self.company_id,
            # what the email asks for: the invoices promised or disputed are left out, marked
            payer_statement_asked=[
                section
                for section in self.env["payer.portal.ledger"]._asked(partner, self.company_id)
                if section["unasked"]
            ],
        )
        values = template._generate_template(partner.ids, ["subject", "body_html"])[partner.id]
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": partner.with_context(lang=partner.lang).env._(
                        "Statement %(customer)s %(date_from)s %(date_to)s.pdf",
                        customer=partner.name,
                        date_from=self.date_from,
                        date_to=self.date_to,
                    ),
                    "raw": pdf,
                    "mimetype": "application/pdf",
                    "res_model": "mail.message",
                }
            )
        )
        message = partner.sudo().message_notify(
            author_id=self.env.user.partner_id.id,
            subject=values["subject"],
            body=values["body_html"],
            attachment_ids=attachment.ids,
            partner_ids=self._statement_recipients(partner).ids,
            subtype_xmlid="mail.mt_comment",
            is_internal=False,
        )
        attachment.res_id = message.id
        return message
