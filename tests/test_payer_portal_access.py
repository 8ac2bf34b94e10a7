from datetime import timedelta

from lxml import html

from odoo.tests import HttpCase, new_test_user, tagged

from .common import PayerPortalCommon

INVALID = b"This link is invalid or has expired"


@tagged("post_install", "-at_install")
class TestPayerPortalAccess(PayerPortalCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = cls.Ledger._today(cls.company)
        cls.invoice = cls._invoice(830.0, days_late=12, today=cls.today)
        cls._invoice(300.0, days_late=95, currency=cls.eur, today=cls.today)
        cls.other_invoice = cls._invoice(55.0, days_late=3, partner=cls.other_customer, today=cls.today)
        cls.access = cls.env["payer.portal.access"]._for_partner(cls.customer)
        cls.other_access = cls.env["payer.portal.access"]._for_partner(cls.other_customer)
        cls.manager = new_test_user(
            cls.env,
            login="payer_manager",
            password="payer_manager",
            groups="base.group_user,account.group_account_invoice",
        )
        cls.employee = new_test_user(
            cls.env, login="payer_employee", password="payer_employee", groups="base.group_user"
        )

    def _link(self, access=None, token=None, path="/my/payer-portal"):
        access = access or self.access
        return f"{path}?payer_token={access.id}.{token or access.token}"

    def _figures(self, response):
        page = html.fromstring(response.content)
        return {
            (s.get("data-currency"), e.get("data-payer-figure")): e.get("data-value")
            for s in page.xpath("//section[@data-currency]")
            for e in s.xpath(".//*[@data-payer-figure]")
        }

    def test_secret_is_long_random_and_per_customer(self):
        self.assertGreaterEqual(len(self.access.token), 43, "at least 256 bits in URL-safe base64")
        self.assertNotEqual(self.access.token, self.other_access.token)

    def test_guest_with_link_sees_the_statement_and_keeps_it_for_the_visit(self):
        response = self.url_open(self._link())
        self.assertEqual(response.status_code, 200)
        figures = self._figures(response)
        self.assertEqual(figures[(self.usd.name, "days_0_30")], "830.00")
        self.assertEqual(figures[(self.eur.name, "days_over_90")], "300.00")
        self.assertNotIn(self.other_invoice.name.encode(), response.content)
        # The rest of the visit needs no token in the URL.
        self.assertEqual(self._figures(self.url_open("/my/payer-portal")), figures)
        pdf = self.url_open(f"/my/payer-portal/document/{self.invoice.id}/pdf")
        self.assertEqual(pdf.status_code, 200)
        self.assertEqual(self.url_open(f"/my/payer-portal/document/{self.other_invoice.id}/pdf").status_code, 404)

    def test_guest_with_link_gets_the_statement_for_a_period(self):
        self.url_open(self._link())
        date_from, date_to = self.today - timedelta(days=365), self.today
        response = self.url_open(f"/my/payer-portal/statement?date_from={date_from}&date_to={date_to}")
        self.assertEqual(response.status_code, 200)
        page = html.fromstring(response.content)
        closing = page.xpath("//*[@data-statement-figure='closing']/@data-value")
        self.assertIn("830.00", closing)
        self.assertNotIn(self.other_invoice.name.encode(), response.content)

    def test_same_page_as_a_logged_in_user(self):
        as_guest = self._figures(self.url_open(self._link()))
        self.authenticate("payer_paula", "payer_paula")
        self.assertEqual(self._figures(self.url_open("/my/payer-portal")), as_guest)

    def test_bad_links_get_the_same_invalid_page(self):
        cases = {
            "wrong": self._link(token="x" * 43),
            "truncated": self._link(token=self.access.token[:20]),
            "empty token": f"/my/payer-portal?payer_token={self.access.id}.",
            "empty link": "/my/payer-portal?payer_token=",
            "customer A's token with customer B's id": self._link(access=self.other_access, token=self.access.token),
            "unknown link": f"/my/payer-portal?payer_token={10**8}.{self.access.token}",
            "not a number": f"/my/payer-portal?payer_token=abc.{self.access.token}",
            "token for another customer's document": self._link(
                access=self.other_access,
                token=self.access.token,
                path=f"/my/payer-portal/document/{self.other_invoice.id}/pdf",
            ),
        }
        bodies = set()
        for case, url in cases.items():
            with self.subTest(case=case):
                self.url_open("/web/session/logout")
                response = self.url_open(url)
                self.assertEqual(response.status_code, 403, case)
                self.assertIn(INVALID, response.content, case)
                self.assertNotIn(self.customer.name.encode(), response.content, case)
                bodies.add(html.fromstring(response.content).xpath("string(//*[hasclass('o_payer_link_invalid')])"))
        self.assertEqual(len(bodies), 1, "no hint of what was wrong")

    def test_revoked_link_is_invalid_even_in_an_open_visit(self):
        old = self._link()
        self.assertEqual(self.url_open(old).status_code, 200)
        self.customer.with_user(self.manager).action_revoke_payer_portal_links()
        self.assertEqual(self.url_open("/my/payer-portal").status_code, 403, "the open visit ends")
        self.assertEqual(self.url_open(old).status_code, 403)
        self.assertEqual(self.url_open(self._link(token=self.access.token)).status_code, 200, "the new link works")

    def test_expired_link_is_invalid(self):
        self.access.expiry_date = self.today - timedelta(days=1)
        self.assertEqual(self.url_open(self._link()).status_code, 403)
        self.access.expiry_date = self.today + timedelta(days=1)
        self.assertEqual(self.url_open(self._link()).status_code, 200)

    def test_nothing_is_logged_in_anyones_name(self):
        # The one message of a guest's visit is the visit's log ("by a guest by link"), by OdooBot.
        before = self.env["mail.message"].search([])
        self.url_open(self._link(token="bad"))
        self.url_open(self._link())
        new = self.env["mail.message"].search([]) - before
        self.assertEqual(len(new), 1)
        self.assertIn("by a guest by link", str(new.body))
        self.assertEqual(new.author_id, self.env.ref("base.partner_root"))

    def test_only_accounting_users_may_preview(self):
        for login in ("payer_employee", "payer_paula"):
            self.authenticate(login, login)
            response = self.url_open(f"/my/payer-portal/preview/{self.customer.id}", allow_redirects=False)
            self.assertEqual(response.status_code, 404, login)
        self.assertFalse(self.customer.with_user(self.employee)._payer_portal_can_preview())

    def test_preview_shows_what_the_customer_sees_read_only_and_is_recorded(self):
        self.authenticate("payer_paula", "payer_paula")
        customer_view = self._figures(self.url_open("/my/payer-portal"))
        self.authenticate("payer_manager", "payer_manager")
        response = self.url_open(f"/my/payer-portal/preview/{self.contact.id}")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self._figures(response), customer_view)
        page = html.fromstring(response.content)
        self.assertTrue(page.xpath("//*[hasclass('o_payer_preview_banner')]"))
        self.assertTrue(page.xpath("//*[@data-payer-preview='1']"))
        self.assertFalse(page.xpath("//*[hasclass('o_payer_row_menu')]//a"), "no asking or disputing in a preview")
        note = self.customer.message_ids[:1]
        self.assertIn("opened in preview by", note.body)
        self.assertEqual(note.author_id, self.manager.partner_id)
        action = self.customer.with_user(self.manager).action_open_payer_portal_preview()
        self.assertEqual((action["url"], action["target"]), (f"/my/payer-portal/preview/{self.customer.id}", "new"))


@tagged("post_install", "-at_install")
class TestPayerReminder(PayerPortalCommon):
    def test_reminder_renders_real_figures_for_two_currencies(self):
        self.customer.email = "ap@brightway.example.com"
        today = self.Ledger._today(self.company)
        self._invoice(830.0, days_late=12, today=today)
        self._invoice(180.0, move_type="out_refund", today=today)
        self._invoice(300.0, days_late=95, currency=self.eur, today=today)
        body = html.fromstring(str(self.customer._payer_reminder_body()))
        figures = {
            (t.get("data-currency"), r.get("data-payer-figure")): r.get("data-value")
            for t in body.xpath("//table[@data-currency]")
            for r in t.xpath(".//tr[@data-payer-figure]")
        }
        self.assertEqual(figures[(self.usd.name, "days_0_30")], "830.00")
        self.assertEqual(figures[(self.usd.name, "balance_due")], "650.00")
        self.assertEqual(figures[(self.eur.name, "days_over_90")], "300.00")
        [link] = body.xpath("//a[hasclass('o_payer_email_link')]/@href")
        access = self.env["payer.portal.access"]._for_partner(self.customer)
        self.assertTrue(link.endswith(f"/my/payer-portal?payer_token={access.id}.{access.token}"))

    def test_invoice_email_carries_the_payer_portal_link(self):
        self.customer.email = "ap@brightway.example.com"
        invoice = self._invoice(100.0, days_late=1)
        internal = new_test_user(
            self.env, login="payer_follower", groups="base.group_user,account.group_account_invoice"
        )
        invoice.message_subscribe(partner_ids=internal.partner_id.ids)
        invoice.with_context(mail_notify_force_send=False).message_post(
            body="Your invoice", partner_ids=self.customer.ids, message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        access = self.env["payer.portal.access"]._for_partner(self.customer)
        mails = self.env["mail.mail"].search([("model", "=", "account.move"), ("res_id", "=", invoice.id)])
        to_customer = mails.filtered(lambda m: self.customer in m.recipient_ids)
        self.assertIn(f"payer_token={access.id}.{access.token}", to_customer.body_html)
        self.assertIn(f"res_id={invoice.id}", to_customer.body_html, "beside Odoo's own invoice link")
        for mail in mails - to_customer:
            self.assertNotIn(access.token, mail.body_html, "internal followers do not get the customer's secret")

    def test_mass_action_sends_one_email_per_customer_and_reports_skipped(self):
        self.customer.email = "ap@brightway.example.com"
        self.other_customer.child_ids.email = False
        no_email = self.other_customer
        third = self.env["res.partner"].create({"name": "Carla Gomez", "email": "carla@example.com"})
        action = (self.contact | self.customer | no_email | third).action_send_payer_reminder()
        self.assertEqual(sorted(action["payer_sent"]), sorted((self.customer | third).ids), "one per customer")
        self.assertEqual(action["payer_skipped"], [f"{no_email.display_name}: no email address"])
        self.assertIn("no email address", action["params"]["message"])
        for partner in self.customer | third:
            message = partner.message_ids.filtered(lambda m: m.subject and "account status" in m.subject)
            self.assertEqual(len(message), 1)
            self.assertIn(partner.email, message.mail_ids.mapped("email_to") + message.partner_ids.mapped("email"))


@tagged("post_install", "-at_install")
class TestPayerPortalAccessTours(PayerPortalCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        today = cls.Ledger._today(cls.company)
        cls._invoice(830.0, days_late=12, today=today)
        cls._invoice(300.0, days_late=95, currency=cls.eur, today=today)
        new_test_user(
            cls.env,
            login="payer_manager",
            password="payer_manager",
            groups="base.group_user,account.group_account_invoice,base.group_partner_manager",
        )

    def test_manager_opens_the_preview_from_the_arrow(self):
        url = f"/odoo/action-base.action_partner_form/{self.customer.id}"
        self.start_tour(url, "account_payer_portal_preview", login="payer_manager")
        self.assertTrue(
            self.customer.message_ids.filtered(lambda m: "opened in preview by" in (m.body or "")),
            "the opening is recorded on the customer",
        )

    def test_guest_opens_the_emailed_link(self):
        self.customer.email = "ap@brightway.example.com"
        self.customer.action_send_payer_reminder()
        message = self.customer.message_ids.filtered(lambda m: m.subject and "account status" in m.subject)
        mail = self.env["mail.mail"].sudo().search([("mail_message_id", "=", message.id)])
        [link] = html.fromstring(mail.body_html).xpath("//a[hasclass('o_payer_email_link')]/@href")
        path = link[link.index("/my/payer-portal") :]
        self.start_tour(path, "account_payer_portal_guest_link")
