import calendar
import logging

from odoo import api, fields, models
from odoo.exceptions import AccessError

from .payer_portal_ledger import BUCKETS

_logger = logging.getLogger(__name__)

STATUS_FREQUENCIES = [("never", "Never"), ("weekly", "Weekly"), ("monthly", "Monthly")]
WEEKDAYS = [
    ("0", "Monday"),
    ("1", "Tuesday"),
    ("2", "Wednesday"),
    ("3", "Thursday"),
    ("4", "Friday"),
    ("5", "Saturday"),
    ("6", "Sunday"),
]


class ResPartner(models.Model):
    _inherit = "res.partner"

    payer_dispute_count = fields.Integer(compute="_compute_payer_dispute_count", string="Disputes")
    payer_last_seen = fields.Datetime(
        "Last seen on the payer portal",
        readonly=True,
        copy=False,
        help="When the customer (a contact, or a guest by signed link) last came to the payer portal: "
        "the first view of the statement of account, invoice or statement download of each day.",
    )
    payer_status_message_id = fields.Many2one(
        "mail.message",
        string="Account status email not opened yet",
        readonly=True,
        groups="account.group_account_invoice",
        copy=False,
        help="The log of the last account status email, until the customer opens the statement of "
        "account: the log then says when, and by whom.",
    )
    # Scheduled account status emails, per company (the company's default: Invoicing settings).
    payer_status_frequency = fields.Selection(
        STATUS_FREQUENCIES,
        string="Send account status",
        company_dependent=True,
        groups="account.group_account_invoice",
        help="Email the customer its account status by itself, every week or every month (not when "
        "nothing is owed, nor when every open invoice is disputed or promised).",
    )
    payer_status_weekday = fields.Selection(
        WEEKDAYS, string="On (weekday)", company_dependent=True, groups="account.group_account_invoice"
    )
    payer_status_monthday = fields.Integer(
        "On (day of the month)",
        company_dependent=True,
        groups="account.group_account_invoice",
        help="1 to 31; in a shorter month, its last day.",
    )
    payer_status_last_auto = fields.Date(
        "Last scheduled account status",
        company_dependent=True,
        groups="account.group_account_invoice",
        readonly=True,
        copy=False,
        help="The day the scheduled account status email was last handled for this customer (sent, "
        "skipped or reported to the responsible): never twice a day.",
    )

    def _compute_payer_dispute_count(self):
        groups = self.env["payer.dispute"]._read_group(
            [("partner_id", "in", self.commercial_partner_id.ids)], ["partner_id"], ["__count"]
        )
        counts = {partner.id: count for partner, count in groups}
        for partner in self:
            partner.payer_dispute_count = counts.get(partner.commercial_partner_id.id, 0)

    def action_view_payer_disputes(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account_payer_portal.action_payer_dispute")
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        return action

    payer_promise_count = fields.Integer(compute="_compute_payer_promise_count", string="Promises")

    def _compute_payer_promise_count(self):
        groups = self.env["payer.promise"]._read_group(
            [("partner_id", "in", self.commercial_partner_id.ids)], ["partner_id"], ["__count"]
        )
        counts = {partner.id: count for partner, count in groups}
        for partner in self:
            partner.payer_promise_count = counts.get(partner.commercial_partner_id.id, 0)

    def action_view_payer_promises(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account_payer_portal.action_payer_promise")
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {}
        return action

    # ------------------------------------------------------------------ payer portal access

    @api.model
    def _payer_portal_can_preview(self):
        """Internal users with Accounting rights (invoicing user or above) may preview."""
        user = self.env.user
        return user._is_internal() and user.has_group("account.group_account_invoice")

    def _payer_portal_record_preview(self):
        """Record on the customer who opened its payer portal preview, and when (the message's date)."""
        for partner in self.commercial_partner_id:
            partner.sudo().message_post(
                body=self.env._("Payer portal opened in preview by %s.", self.env.user.name),
                subtype_xmlid="mail.mt_note",
                author_id=self.env.user.partner_id.id,
            )

    def action_open_payer_portal_preview(self):
        """The arrow next to the customer's name: its payer portal, as it sees it, in a new tab."""
        self.ensure_one()
        if not self._payer_portal_can_preview():
            raise AccessError(self.env._("Only accounting users may open a customer's payer portal."))
        return {
            "type": "ir.actions.act_url",
            "url": f"/my/payer-portal/preview/{self.commercial_partner_id.id}",
            "target": "new",
        }

    def _payer_portal_link_url(self, company=None):
        """The signed link to the customer's payer portal in ``company`` (default: the current
        company); its secret is created on first use. Only for the notification layer and the
        actions below, after their checks: the link is as good as the customer's login."""
        self.ensure_one()
        return self.env["payer.portal.access"]._for_partner(self, company or self.env.company)._link_url()

    def _payer_portal_check_link_action(self, message):
        """Sending or revoking a customer's link: an invoicing user, working in the current company,
        on customers they may read that are shared or of the current company. Raises AccessError."""
        company = self.env.company
        if not self._payer_portal_can_preview() or company not in self.env.user.company_ids:
            raise AccessError(message)
        self.check_access("read")
        if any(partner.company_id not in (company, self.env["res.company"]) for partner in self.commercial_partner_id):
            raise AccessError(message)

    def action_revoke_payer_portal_links(self):
        """Issue a new secret for the current company: every payer portal link of this company sent
        before answers as invalid (another company's links are its own business)."""
        self._payer_portal_check_link_action(self.env._("Only accounting users may revoke payer portal links."))
        company = self.env.company
        Access = self.env["payer.portal.access"]
        for partner in self.commercial_partner_id:
            Access._for_partner(partner, company)._revoke()
            partner.sudo().message_post(
                body=self.env._("Payer portal links of %s revoked.", company.name),
                subtype_xmlid="mail.mt_note",
                author_id=self.env.user.partner_id.id,
            )
        return True

    # ------------------------------------------------------------------ account status email

    def _payer_reminder_recipient(self):
        """Who receives the account status email: the customer, else its invoicing contact."""
        self.ensure_one()
        if self.email:
            return self
        return (
            self.child_ids.filtered(lambda c: c.type == "invoice" and c.email)[:1]
            or self.child_ids.filtered("email")[:1]
        )

    def _payer_reminder_body(self, company=None):
        """The email's content: aging summary and Balance Due per currency of ``company`` (default:
        the current company) only, with that company's signed link. Rendered into the outgoing
        email of the customer's own contacts only (:meth:`_notify_get_recipients_classify`),
        never stored in the chatter."""
        self.ensure_one()
        company = company or self.env.company
        Ledger = self.env["payer.portal.ledger"]
        sections = Ledger._asked(self, company)
        labels = Ledger._figure_labels()
        figures = [(key, labels[key]) for key in ("outstanding", *BUCKETS)]
        return self.env["ir.qweb"]._render(
            "account_payer_portal.payer_reminder_email",
            {
                "partner": self,
                "company": company,
                "today": Ledger._today(company),
                "sections": sections,
                "figures": figures,
                "plain": Ledger._plain,
                "link": self._payer_portal_link_url(company),
            },
        )

    def _notify_get_recipients_classify(self, message, recipients_data, model_description, msg_vals=False):
        """Account status email: the customer's own contacts (same commercial partner, not internal
        users) get the figures and the link (``payer_status_body``, rendered by the layout
        ``mail_notification_payer_status``); every other copy, and the logged message, only says
        that the email was sent."""
        groups = super()._notify_get_recipients_classify(message, recipients_data, model_description, msg_vals=msg_vals)
        company_id = self.env.context.get("payer_status_company_id")
        if not company_id or len(self) != 1:
            return groups
        company = self.env["res.company"].browse(company_id)
        return self._payer_split_recipients_groups(
            groups, self.commercial_partner_id, lambda: {"payer_status_body": self._payer_reminder_body(company)}
        )

    @api.model
    def _payer_split_recipients_groups(self, groups, customer, own_values):
        """Split classified notification groups: the recipients who are ``customer``'s own contacts
        (same commercial partner, not internal users) in a copy of their group updated with
        ``own_values()`` (per-recipient content such as the payer link), the others as they were."""
        contacts = set(
            self.env["res.partner"]
            .sudo()
            .with_context(active_test=False)
            .search([("commercial_partner_id", "=", customer.id)])
            .ids
        )
        values, result = None, []
        for group in groups:
            own = [r for r in group["recipients_data"] if r["id"] in contacts and r["type"] != "user"]
            if not own:
                result.append(group)
                continue
            values = values if values is not None else own_values()
            others = [r for r in group["recipients_data"] if not (r["id"] in contacts and r["type"] != "user")]
            result.append({**self._payer_group_of(group, own), **values})
            if others:
                result.append(self._payer_group_of(group, others))
        return result

    @api.model
    def _payer_group_of(self, group, recipients_data):
        """A copy of a notification group for some of its recipients."""
        return {
            **group,
            "recipients_data": recipients_data,
            "recipients_ids": [r["id"] for r in recipients_data if r["id"]],
            "recipients_emails": [
                r["email_normalized"] for r in recipients_data if not r["id"] and r["email_normalized"]
            ],
        }

    def _payer_send_status_email(self, company, author, scheduled=False):
        """Email the customer (``self``, a commercial partner) its account status in ``company``,
        logged on its chatter without figures nor link; the log waits for the customer's next visit
        to say it was opened (``payer_status_message_id``). Checks are the caller's.

        :return: the recipient (``res.partner``), empty if the customer has no email address
        """
        self.ensure_one()
        recipient = self._payer_reminder_recipient()
        if not recipient:
            return recipient
        if scheduled:
            body = self.env._(
                "Scheduled account status email of %(company)s, with a link to the payer portal, "
                "sent to %(recipient)s.",
                company=company.name,
                recipient=recipient.display_name,
            )
        else:
            body = self.env._(
                "Account status email of %(company)s, with a link to the payer portal, sent to %(recipient)s.",
                company=company.name,
                recipient=recipient.display_name,
            )
        # Rights were checked by the caller; invoicing users may not write on contacts themselves.
        message = (
            self.sudo()
            .with_context(payer_status_company_id=company.id)
            .message_post(
                author_id=author.id,
                body=body,
                # the customer reads the subject: in its language (the body is per recipient)
                subject=self.with_context(lang=recipient.lang or self.lang).env._(
                    "Your account status with %s", company.name
                ),
                partner_ids=recipient.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                email_layout_xmlid="account_payer_portal.mail_notification_payer_status",
            )
        )
        self.sudo().payer_status_message_id = message
        self.env["payer.portal.engagement"]._forget_portal_view(self)
        return recipient

    def action_send_payer_reminder(self):
        """Email each customer its account status in the current company, with that company's
        payer portal link, log in its chatter that it was sent (without figures nor link), and say
        which customers were skipped and why."""
        self._payer_portal_check_link_action(self.env._("Only accounting users may send account status emails."))
        company = self.env.company
        sent, skipped = self.env["res.partner"], []
        for partner in self.commercial_partner_id:
            if not partner._payer_send_status_email(company, self.env.user.partner_id):
                skipped.append(self.env._("%s: no email address", partner.display_name))
                continue
            sent |= partner
        message = self.env._("Account status sent to %(count)s customer(s).", count=len(sent))
        if skipped:
            message += " " + self.env._("Skipped: %s.", "; ".join(skipped))
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Account status emails"),
                "message": message,
                "type": "warning" if skipped else "success",
                "sticky": bool(skipped),
                "next": {"type": "ir.actions.act_window_close"},
            },
            "payer_sent": sent.ids,
            "payer_skipped": skipped,
        }

    # ------------------------------------------------------------------ scheduled account status

    def _payer_status_due(self, today):
        """Whether the customer's scheduled account status (in the current company) falls on
        ``today``: its weekday, or its day of the month (a shorter month's last day)."""
        self.ensure_one()
        if self.payer_status_frequency == "weekly":
            return today.weekday() == int(self.payer_status_weekday or 0)
        if self.payer_status_frequency == "monthly":
            last_day = calendar.monthrange(today.year, today.month)[1]
            return today.day == min(max(self.payer_status_monthday or 1, 1), last_day)
        return False

    def _payer_status_asks_something(self, company):
        """Whether the account status of ``company`` asks the customer to pay something: it owes
        something (a positive Balance Due), and not all its open invoices are ones the email does
        not ask for (``payer.portal.ledger._unasked_moves``: disputed, promised)."""
        self.ensure_one()
        Ledger = self.env["payer.portal.ledger"]
        today = Ledger._today(company)
        for section in Ledger._get_sections(self, company, today=today):
            if section["balance_due"] <= 0:
                continue
            docs = Ledger._section_documents(self, company, section["currency"], company, today)
            owed = self.env["account.move"].sudo().browse([doc["move_id"] for doc in docs if doc["balance"] > 0])
            if owed - Ledger._unasked_moves(owed):
                return True
        return False

    def _payer_status_responsible(self, company):
        """Who is told that the customer's account status could not be sent: its salesperson, else
        the company's default dispute responsible, else the administrator."""
        self.ensure_one()
        for user in (self.user_id, company.payer_dispute_user_id, self.env.ref("base.user_admin", False)):
            if user and user.active and not user.share:
                return user
        return self.env["res.users"]

    def _payer_status_report_no_email(self, company):
        """Tell the responsible (To-Do activity) and the chatter that the customer has no email
        address for its scheduled account status."""
        self.ensure_one()
        partner = self.sudo()
        responsible = self._payer_status_responsible(company)
        note = self.env._(
            "The scheduled account status of %(company)s was not sent to %(customer)s: it has no email "
            "address. Add one to the customer or to its invoicing contact.",
            company=company.name,
            customer=self.display_name,
        )
        partner.message_post(body=note, message_type="notification", subtype_xmlid="mail.mt_note")
        if responsible:
            partner.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=responsible.id,
                summary=self.env._("Add an email address for the account status"),
                note=note,
            )
        else:
            _logger.warning("Scheduled account status of partner %s: no email address, nobody to tell", self.id)

    def _payer_send_scheduled_status(self, company, today):
        """Handle the customer's scheduled account status of ``today`` in ``company``, once: send
        it, skip it (nothing asked) or report a missing email address.

        :return: ``"sent"``, ``"skipped"``, ``"no_email"`` or ``"failed"``
        """
        self.ensure_one()
        partner = self.with_company(company)
        # Stamped first, in the same transaction: a run again today finds it handled.
        partner.sudo().payer_status_last_auto = today
        try:
            with self.env.cr.savepoint():
                if not partner._payer_status_asks_something(company):
                    return "skipped"
                if not partner._payer_send_status_email(company, company.partner_id, scheduled=True):
                    partner._payer_status_report_no_email(company)
                    return "no_email"
                return "sent"
        except Exception:
            _logger.exception("Scheduled account status of partner %s (company %s) failed", self.id, company.id)
            return "failed"

    @api.model
    def _payer_status_to_send(self):
        """(customer, company, today) of every scheduled account status due today and not
        handled yet today, in every company."""
        Ledger = self.env["payer.portal.ledger"]
        todo = []
        for company in self.env["res.company"].search([("active", "=", True)]):
            today = Ledger._today(company)
            # Only customers with open receivable lines in the company: the others owe nothing.
            open_lines = self.env["account.move.line"]._read_group(
                [
                    ("company_id", "=", company.id),
                    ("account_id.account_type", "=", "asset_receivable"),
                    ("parent_state", "=", "posted"),
                    ("reconciled", "=", False),
                    ("partner_id", "!=", False),
                ],
                ["partner_id"],
            )
            customers = self.browse([partner.id for (partner,) in open_lines]).commercial_partner_id
            partners = self.with_company(company).search(
                [
                    ("id", "in", customers.ids),
                    ("payer_status_frequency", "in", ("weekly", "monthly")),
                    ("company_id", "in", (False, company.id)),
                ]
            )
            for partner in partners:
                if (
                    partner.commercial_partner_id == partner
                    and partner.payer_status_last_auto != today
                    and partner._payer_status_due(today)
                ):
                    todo.append((partner, company, today))
        return todo

    @api.model
    def _cron_send_payer_status(self):
        """Daily: send the scheduled account status emails that are due, committing after each
        customer (``ir.cron._commit_progress``); a run again the same day sends nothing twice."""
        Cron = self.env["ir.cron"]
        todo = self._payer_status_to_send()
        Cron._commit_progress(remaining=len(todo))
        for partner, company, today in todo:
            partner._payer_send_scheduled_status(company, today)
            if Cron._commit_progress(1) <= 0:
                return
