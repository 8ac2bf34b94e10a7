"""Trust boundary of the signed link (issue 11, points 1-4, 12, 13, identity once per request).

Two companies share one customer (a partner without company, Odoo's default). Each test checks what
a person could obtain: an email copy, a chatter search, a preview, a link.
"""

from unittest.mock import patch

from lxml import html

from odoo import Command
from odoo.exceptions import AccessError
from odoo.fields import Domain
from odoo.tests import HttpCase, new_test_user, tagged

from .common import PayerPortalCommon

INVALID = b"This link is invalid or has expired"


class TrustLinkCommon(PayerPortalCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = cls.Ledger._today(cls.company)
        cls.customer.email = "ap@brightway.example.com"
        cls.company_b = cls.setup_other_company(name="Company B")["company"]
        cls.company_b.partner_id.tz = "UTC"
        # The shared customer (no company) has an invoice in each company.
        cls.invoice_a = cls._invoice(830.0, days_late=12, today=cls.today)
        cls.invoice_b = cls._invoice(
            444.0, days_late=3, company=cls.company_b, currency=cls.company_b.currency_id, today=cls.today
        )
        cls.other_invoice = cls._invoice(55.0, days_late=3, partner=cls.other_customer, today=cls.today)
        cls.user_a = cls._account_manager("trust_user_a", email="a@company-a.example.com")
        cls.user_b = new_test_user(
            cls.env,
            login="trust_user_b",
            password="trust_user_b",
            groups="base.group_user,account.group_account_invoice",
            company_id=cls.company_b.id,
            company_ids=[Command.set(cls.company_b.ids)],
            email="b@company-b.example.com",
        )
        cls.employee = cls._account_manager("trust_employee", groups="base.group_user", email="e@company-a.example.com")

    # ------------------------------------------------------------------ helpers

    def _secrets(self):
        """Every link secret in the database (as the test, not as any user)."""
        return [token for token in self.env["payer.portal.access"].sudo().search([]).mapped("token") if token]

    def _send_status(self, user):
        """``user`` sends the account status email; returns (logged message, its outgoing emails)."""
        before = self.customer.message_ids
        self.customer.with_user(user).action_send_payer_reminder()
        message = (self.customer.message_ids - before).filtered(lambda m: m.message_type == "comment")
        self.assertEqual(len(message), 1)
        mails = self.env["mail.mail"].sudo().search([("mail_message_id", "=", message.id)])
        return message, mails

    def _mail_to(self, mails, partner):
        mail = mails.filtered(lambda m: partner in m.recipient_ids)
        self.assertEqual(len(mail), 1, f"one email to {partner.name}")
        return mail

    def _link_path(self, body):
        """The payer portal link of an email body (path and query), or None."""
        hrefs = html.fromstring(body).xpath("//a[hasclass('o_payer_email_link')]/@href") if body else []
        if not hrefs:
            return None
        return hrefs[0][hrefs[0].index("/my/payer-portal") :]

    def _figures(self, body):
        return [e.get("data-value") for e in html.fromstring(body).xpath("//*[@data-payer-figure][@data-value]")]

    def _has_secret(self, text):
        return any(secret in (text or "") for secret in self._secrets())


@tagged("post_install", "-at_install")
class TestTrustLinkEmails(TrustLinkCommon):
    # ------------------------------------------------------------------ point 1: invoice emails

    def test_invoice_email_link_goes_only_to_the_customers_own_contacts(self):
        outsider = self.env["res.partner"].create(
            {"name": "Olga Outsider", "parent_id": self.other_customer.id, "email": "olga@northwind.example.com"}
        )
        nora = self.other_user.partner_id
        invoice = self.invoice_a.with_context(mail_notify_force_send=False)
        invoice.message_post(
            body="Your invoice",
            partner_ids=(self.customer | self.contact | outsider | nora).ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        mails = self.env["mail.mail"].search([("model", "=", "account.move"), ("res_id", "=", invoice.id)])
        for partner in self.customer | self.contact:
            link = self._link_path(self._mail_to(mails, partner).body_html)
            self.assertTrue(link, f"{partner.name} (the customer's own contact) gets the payer link")
        for partner in outsider | nora:
            body = self._mail_to(mails, partner).body_html
            self.assertIn(f"res_id={invoice.id}", body, "Odoo's own View button is still there")
            self.assertFalse(self._link_path(body), f"{partner.name} (another customer's contact) gets no link")
            self.assertFalse(self._has_secret(body), f"{partner.name} gets no secret")

    def test_send_and_print_link_goes_only_to_the_customers_own_contacts(self):
        outsider = self.env["res.partner"].create({"name": "Olga Outsider", "email": "olga@northwind.example.com"})
        wizard = self._create_account_move_send_wizard_single(self.invoice_a)
        wizard.mail_partner_ids = self.customer | outsider
        wizard.with_context(mail_notify_force_send=False).action_send_and_print()
        mails = self.env["mail.mail"].search([("model", "=", "account.move"), ("res_id", "=", self.invoice_a.id)])
        self.assertTrue(self._link_path(self._mail_to(mails, self.customer).body_html), "the customer gets it")
        outsider_body = self._mail_to(mails, outsider).body_html
        self.assertFalse(self._link_path(outsider_body), "the outsider in copy does not")
        self.assertFalse(self._has_secret(outsider_body))

    # ------------------------------------------------------------------ point 2: no secret stored

    def test_status_email_secret_is_stored_in_no_readable_record(self):
        self.customer.message_subscribe(partner_ids=self.employee.partner_id.ids)
        message, mails = self._send_status(self.user_a)
        self.assertTrue(self._secrets())
        self.assertIn("link", message.body, "the chatter says that a status email with a link was sent")
        self.assertFalse(self._has_secret(message.body), "no secret in the logged message")
        tracking_fields = ("old_value_char", "new_value_char", "old_value_text", "new_value_text")
        for secret in self._secrets():
            Message = self.env["mail.message"]
            self.assertFalse(Message.with_user(self.employee).search([("body", "ilike", secret)]))
            self.assertFalse(Message.sudo().search([("body", "ilike", secret)]), "in no message body at all")
            tracking_domain = Domain.OR([(field, "ilike", secret)] for field in tracking_fields)
            self.assertFalse(self.env["mail.tracking.value"].sudo().search(tracking_domain))
            self.assertFalse(self.env["mail.activity"].sudo().search([("note", "ilike", secret)]))
        # The customer's own copy carries the link, the internal follower's copy does not.
        self.assertTrue(self._link_path(self._mail_to(mails, self.customer).body_html))
        follower_mail = self._mail_to(mails, self.employee.partner_id)
        self.assertFalse(self._has_secret(follower_mail.body_html))
        self.assertFalse(self._figures(follower_mail.body_html), "nor the customer's figures")

    def test_status_email_figures_are_not_in_the_chatter(self):
        message, _mails = self._send_status(self.user_a)
        self.assertNotIn("830.00", message.body)
        self.assertFalse(html.fromstring(message.body).xpath("//*[@data-payer-figure]"))

    # ------------------------------------------------------------------ point 3: secret per company

    def test_nobody_reads_or_writes_a_secret_through_the_orm(self):
        self._send_status(self.user_a)
        self._send_status(self.user_b)
        Access = self.env["payer.portal.access"]
        for user in (self.user_a, self.user_b, self.employee):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    Access.with_user(user).search_read([], ["token"])
                with self.assertRaises(AccessError):
                    Access.sudo().search([], limit=1).with_user(user).write({"token": "chosen-by-me"})

    def test_status_email_of_company_b_does_not_carry_company_a_secret(self):
        _message, mails_a = self._send_status(self.user_a)
        link_a = self._link_path(self._mail_to(mails_a, self.customer).body_html)
        _message, mails_b = self._send_status(self.user_b)
        link_b = self._link_path(self._mail_to(mails_b, self.customer).body_html)
        self.assertTrue(link_a and link_b)
        self.assertNotEqual(link_a, link_b, "each company has its own secret for the shared customer")

    def test_company_b_user_cannot_send_or_revoke_as_company_a(self):
        partner = self.customer.with_user(self.user_b).with_context(
            allowed_company_ids=[self.company.id, self.company_b.id]
        )
        for action in ("action_send_payer_reminder", "action_revoke_payer_portal_links"):
            with self.subTest(action=action), self.assertRaises(AccessError):
                getattr(partner, action)()

    def test_employee_without_invoicing_rights_cannot_send_or_revoke(self):
        partner = self.customer.with_user(self.employee)
        for action in ("action_send_payer_reminder", "action_revoke_payer_portal_links"):
            with self.subTest(action=action), self.assertRaises(AccessError):
                getattr(partner, action)()

    # ------------------------------------------------------------------ point 4: sender's company

    def test_status_email_from_company_b_carries_company_b_figures_only(self):
        message, mails = self._send_status(self.user_b)
        body = self._mail_to(mails, self.customer).body_html
        figures = self._figures(body)
        self.assertIn("444.00", figures, "company B's invoice")
        self.assertNotIn("830.00", figures, "company A's invoice is not in company B's email")
        self.assertIn(self.company_b.name, body)
        self.assertIn(self.company_b.name, message.subject)


@tagged("post_install", "-at_install")
class TestTrustLinkHttp(TrustLinkCommon, HttpCase):
    def _status_link(self, user):
        _message, mails = self._send_status(user)
        link = self._link_path(self._mail_to(mails, self.customer).body_html)
        self.assertTrue(link)
        return link

    def _page_values(self, response):
        return [e.get("data-value") for e in html.fromstring(response.content).xpath("//*[@data-payer-figure]")]

    # ------------------------------------------------------------------ point 3: a link opens its company

    def test_company_b_link_opens_company_b_only(self):
        link_b = self._status_link(self.user_b)
        response = self.url_open(link_b)
        self.assertEqual(response.status_code, 200)
        self.assertIn("444.00", self._page_values(response))
        self.assertIn(f"/document/{self.invoice_b.id}/", response.text, "company B's invoice is listed")
        self.assertNotIn("830.00", self._page_values(response), "company A's figures")
        self.assertNotIn(f"/document/{self.invoice_a.id}/", response.text, "company A's invoice is not listed")
        self.assertEqual(self.url_open(f"/my/payer-portal/document/{self.invoice_a.id}/pdf").status_code, 404)
        question = self.url_open(f"/my/payer-portal/invoice/{self.invoice_a.id}/question")
        self.assertEqual(question.status_code, 404, "company A's invoice does not exist for company B's link")
        period = f"date_from={self.today.replace(day=1)}&date_to={self.today}"
        statement = self.url_open(f"/my/payer-portal/statement?{period}&company_id={self.company.id}")
        self.assertEqual(statement.status_code, 400)
        self.assertIn("This statement is not available", statement.text, "no statement of company A")

    def test_company_b_user_cannot_revoke_company_a_link(self):
        link_a = self._status_link(self.user_a)
        self.customer.with_user(self.user_b).action_revoke_payer_portal_links()
        response = self.url_open(link_a)
        self.assertEqual(response.status_code, 200, "company A's link still works")
        self.assertIn("830.00", self._page_values(response))
        self.customer.with_user(self.user_a).action_revoke_payer_portal_links()
        self.url_open("/web/session/logout")
        self.assertEqual(self.url_open(link_a).status_code, 403, "company A revokes its own link")

    # ------------------------------------------------------------------ chatter and preview

    def test_chatter_route_post_on_an_invoice_gives_no_link_to_an_outsider(self):
        outsider = self.env["res.partner"].create({"name": "Olga Outsider", "email": "olga@northwind.example.com"})
        self.authenticate("trust_user_a", "trust_user_a")
        self.make_jsonrpc_request(
            "/mail/message/post",
            {
                "thread_model": "account.move",
                "thread_id": self.invoice_a.id,
                "post_data": {
                    "body": "Here is your invoice",
                    "partner_ids": (self.customer | outsider).ids,
                    "message_type": "comment",
                    "subtype_xmlid": "mail.mt_comment",
                },
            },
        )
        mails = self.env["mail.mail"].search([("model", "=", "account.move"), ("res_id", "=", self.invoice_a.id)])
        self.assertTrue(self._link_path(self._mail_to(mails, self.customer).body_html), "the customer gets it")
        outsider_body = self._mail_to(mails, outsider).body_html
        self.assertFalse(self._link_path(outsider_body), "the outsider in copy does not")
        self.assertFalse(self._has_secret(outsider_body))

    def test_company_b_user_finds_nothing_of_company_a_in_the_chatter(self):
        self._send_status(self.user_a)
        messages = self.env["mail.message"].with_user(self.user_b).search([("model", "=", "res.partner")])
        for message in messages:
            self.assertFalse(self._has_secret(message.body))
            self.assertNotIn("830.00", message.body or "")
        self.authenticate("trust_user_b", "trust_user_b")
        response = self.make_jsonrpc_request(
            "/mail/thread/messages", {"thread_model": "res.partner", "thread_id": self.customer.id}
        )
        text = str(response)
        self.assertFalse(self._has_secret(text), "Odoo's chatter route shows no secret")
        self.assertNotIn("830.00", text)

    def test_company_b_user_previews_company_b_only(self):
        # The customer's portal user works with both companies: company B's user sees B's part only.
        self.portal_user.company_ids = [Command.link(self.company_b.id)]
        self.authenticate("trust_user_b", "trust_user_b")
        response = self.url_open(f"/my/payer-portal/preview/{self.customer.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("444.00", self._page_values(response))
        self.assertNotIn("830.00", self._page_values(response))
        self.assertNotIn(f"/document/{self.invoice_a.id}/", response.text, "company A's invoice is not listed")
        self.assertEqual(self.url_open(f"/my/payer-portal/document/{self.invoice_a.id}/pdf").status_code, 404)

    # ------------------------------------------------------------------ point 12: parameter names

    def test_dispute_email_view_button_keeps_the_guests_visit(self):
        link_a = self._status_link(self.user_a)
        dispute = self.env["payer.dispute"].create(
            {
                "move_id": self.invoice_a.id,
                "opened_by_id": self.contact.id,
                "category_id": self.env.ref("account_payer_portal.payer_dispute_category_wrong_amount").id,
                "description": "The price is wrong",
            }
        )
        self.assertEqual(self.url_open(link_a).status_code, 200)
        token = dispute._portal_ensure_token()
        view = self.url_open(
            f"/mail/view?model=payer.dispute&res_id={dispute.id}&access_token={token}"
            f"&pid={self.contact.id}&hash={dispute._sign_token(self.contact.id)}"
        )
        self.assertNotIn(INVALID, view.content, "Odoo's View button is not read as a payer link")
        self.assertNotEqual(view.status_code, 403)
        self.assertIn(dispute.name, view.text)
        self.assertEqual(self.url_open("/my/payer-portal").status_code, 200, "the visit goes on")

    # ------------------------------------------------------------------ point 13: another customer's document

    def test_valid_link_on_another_customers_document_is_not_found(self):
        link_a = self._status_link(self.user_a)
        self.assertEqual(self.url_open(link_a).status_code, 200)
        for url in (
            f"/my/payer-portal/document/{self.other_invoice.id}/pdf",
            f"/my/payer-portal/invoice/{self.other_invoice.id}/question",
        ):
            with self.subTest(url=url):
                response = self.url_open(url)
                self.assertEqual(response.status_code, 404)
                self.assertNotIn(self.other_customer.name, response.text)
        self.assertEqual(self.url_open("/my/payer-portal").status_code, 200, "the link keeps working")

    # ------------------------------------------------------------------ identity once per request

    def test_guest_page_checks_the_link_once(self):
        link_a = self._status_link(self.user_a)
        Access = self.registry["payer.portal.access"]
        original = Access._check_link
        calls = []

        def counting(model, *args, **kwargs):
            calls.append(args)
            return original(model, *args, **kwargs)

        with patch.object(Access, "_check_link", counting):
            self.assertEqual(self.url_open(link_a).status_code, 200)
            self.assertEqual(len(calls), 1, "the link is checked once for the page")
            calls.clear()
            self.assertEqual(self.url_open("/my/payer-portal").status_code, 200)
            self.assertEqual(len(calls), 1, "and once for the next page of the visit")
