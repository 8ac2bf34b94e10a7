from odoo import api, fields, models
from odoo.exceptions import AccessError

from .payer_portal_ledger import BUCKETS


class ResPartner(models.Model):
    _inherit = "res.partner"

    payer_dispute_count = fields.Integer(compute="_compute_payer_dispute_count", string="Disputes")

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

    def action_send_payer_reminder(self):
        """Email each customer its account status in the current company, with that company's
        payer portal link, log in its chatter that it was sent (without figures nor link), and say
        which customers were skipped and why."""
        self._payer_portal_check_link_action(self.env._("Only accounting users may send account status emails."))
        company = self.env.company
        sent, skipped = self.env["res.partner"], []
        for partner in self.commercial_partner_id:
            recipient = partner._payer_reminder_recipient()
            if not recipient:
                skipped.append(self.env._("%s: no email address", partner.display_name))
                continue
            # Rights were checked above; invoicing users may not write on contacts themselves.
            partner.sudo().with_context(payer_status_company_id=company.id).message_post(
                author_id=self.env.user.partner_id.id,
                body=self.env._(
                    "Account status email of %(company)s, with a link to the payer portal, sent to %(recipient)s.",
                    company=company.name,
                    recipient=recipient.display_name,
                ),
                # the customer reads the subject: in its language (the body is per recipient)
                subject=self.with_context(lang=recipient.lang or partner.lang).env._(
                    "Your account status with %s", company.name
                ),
                partner_ids=recipient.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                email_layout_xmlid="account_payer_portal.mail_notification_payer_status",
            )
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
