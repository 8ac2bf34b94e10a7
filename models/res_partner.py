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

    def _payer_portal_link_url(self):
        """The signed link to the customer's payer portal (its secret is created on first use)."""
        self.ensure_one()
        return self.env["payer.portal.access"]._for_partner(self)._link_url()

    def action_revoke_payer_portal_links(self):
        """Issue a new secret: every payer portal link sent before answers as invalid."""
        if not self._payer_portal_can_preview():
            raise AccessError(self.env._("Only accounting users may revoke payer portal links."))
        Access = self.env["payer.portal.access"]
        for partner in self.commercial_partner_id:
            Access._for_partner(partner)._revoke()
            partner.sudo().message_post(
                body=self.env._("Payer portal links revoked."),
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

    def _payer_reminder_body(self):
        """The email's body: aging summary and Balance Due per currency, with the signed link."""
        self.ensure_one()
        Ledger = self.env["payer.portal.ledger"]
        sections = Ledger._get_sections(self, Ledger._customer_companies(self))
        labels = Ledger._figure_labels()
        figures = [(key, labels[key]) for key in ("outstanding", *BUCKETS)]
        return self.env["ir.qweb"]._render(
            "account_payer_portal.payer_reminder_email",
            {
                "partner": self,
                "company": self.env.company,
                "today": Ledger._today(self.env.company),
                "sections": sections,
                "figures": figures,
                "plain": Ledger._plain,
                "link": self._payer_portal_link_url(),
            },
        )

    def action_send_payer_reminder(self):
        """Email each customer its account status with the payer portal link, log it in its
        chatter, and say which customers were skipped and why."""
        if not self._payer_portal_can_preview():
            raise AccessError(self.env._("Only accounting users may send account status emails."))
        sent, skipped = self.env["res.partner"], []
        for partner in self.commercial_partner_id:
            recipient = partner._payer_reminder_recipient()
            if not recipient:
                skipped.append(self.env._("%s: no email address", partner.display_name))
                continue
            # Rights were checked above; invoicing users may not write on contacts themselves.
            partner.sudo().message_post(
                author_id=self.env.user.partner_id.id,
                body=partner._payer_reminder_body(),
                subject=self.env._("Your account status with %s", self.env.company.name),
                partner_ids=recipient.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                email_layout_xmlid="mail.mail_notification_light",
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
