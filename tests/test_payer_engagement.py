"""Who looked at what: the customer's visits logged on its chatter, at most once a day per kind."""

from contextlib import nullcontext
from datetime import datetime, timedelta
from unittest.mock import patch

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time
from lxml import etree

from odoo import http
from odoo.tests import HttpCase, tagged
from odoo.tools.safe_eval import safe_eval

from .common import TODAY, PayerPortalCommon

MORNING = datetime.combine(TODAY, datetime.min.time()) + timedelta(hours=9)


@tagged("post_install", "-at_install")
class TestPayerEngagement(PayerPortalCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoice = cls._invoice(1200.0, days_late=40)
        cls.second_invoice = cls._invoice(300.0, days_late=5)
        cls.manager = cls._account_manager("eng_manager", name="Erin Manager")
        cls.access = cls.env["payer.portal.access"]._for_partner(cls.customer, cls.company)
        cls.period = f"date_from={TODAY.replace(day=1)}&date_to={TODAY}"

    def _get(self, url, when=MORNING, expected_status=200):
        """GET ``url`` at ``when``; assert it was served once, on a read-only cursor."""
        seen = []
        serve = http.Request._serve_ir_http

        def spy(request, rule, args):
            seen.append(request.env.cr.readonly)
            return serve(request, rule, args)

        with patch.object(http.Request, "_serve_ir_http", spy), freeze_time(when):
            response = self.url_open(url, allow_redirects=False)
        self.assertEqual(response.status_code, expected_status, url)
        self.assertEqual(seen, [True], f"{url} must stay on its read-only cursor")
        return response

    def _logs(self, text="on the payer portal by"):
        """Bodies of the visit logs on the customer's chatter, oldest first."""
        self.env.invalidate_all()
        messages = self.customer.message_ids.filtered(lambda m: text in (m.body or ""))
        return [str(m.body) for m in messages.sorted("id")]

    def test_the_statement_of_account_is_logged_once_a_day_with_who(self):
        self.authenticate("payer_paula", "payer_paula")
        self._get("/my/payer-portal")
        self._get("/my/payer-portal", when=MORNING + timedelta(hours=3))
        [log] = self._logs()
        self.assertIn(f"Statement of account viewed on the payer portal by {self.contact.name}", log)
        self.assertEqual(self.customer.payer_last_seen, MORNING)
        self._get("/my/payer-portal", when=MORNING + timedelta(days=1))
        self.assertEqual(len(self._logs()), 2, "logged again the next day")
        self.assertEqual(self.customer.payer_last_seen, MORNING + timedelta(days=1))

    def test_downloads_are_logged_once_a_day_per_kind(self):
        self.authenticate("payer_paula", "payer_paula")
        self._get(f"/my/payer-portal/document/{self.invoice.id}/pdf")
        self._get(f"/my/payer-portal/document/{self.second_invoice.id}/pdf")
        self._get(f"/my/payer-portal/statement?{self.period}&format=xlsx")
        self._get(f"/my/payer-portal/statement?{self.period}&format=pdf")
        self._get(f"/my/payer-portal/statement?{self.period}")  # the page is not a download
        logs = self._logs()
        self.assertEqual(len(logs), 2, logs)
        self.assertIn(f"Invoice {self.invoice.name} downloaded on the payer portal by {self.contact.name}", logs[0])
        self.assertIn(f"Statement downloaded on the payer portal by {self.contact.name}", logs[1])
        self.assertFalse(self._logs("Statement of account viewed"))

    def test_a_guest_by_link_is_logged_as_such_in_nobodys_name(self):
        self._get(self.access._link_path())
        self._get(f"/my/payer-portal/document/{self.invoice.id}/pdf")
        logs = self.customer.message_ids.filtered(lambda m: "by a guest by link" in (m.body or ""))
        self.assertEqual(len(logs), 2)
        self.assertEqual(logs.author_id, self.env.ref("base.partner_root"), "not written in the customer's name")
        self.assertTrue(self.customer.payer_last_seen)

    def test_the_account_managers_preview_is_not_logged(self):
        self.authenticate("eng_manager", "eng_manager")
        with freeze_time(MORNING):
            self.url_open(f"/my/payer-portal/preview/{self.customer.id}", allow_redirects=False)
        self._get("/my/payer-portal")
        self._get(f"/my/payer-portal/document/{self.invoice.id}/pdf")
        self._get(f"/my/payer-portal/statement?{self.period}&format=xlsx")
        self.assertEqual(self._logs(), [])
        self.assertFalse(self.customer.payer_last_seen)
        self.url_open("/my/payer-portal/preview/stop", allow_redirects=False)
        self._get("/my/payer-portal")  # staff on their own company's account: not a customer's visit
        own_logs = self.company.partner_id.message_ids.filtered(lambda m: "on the payer portal by" in str(m.body))
        self.assertFalse(own_logs)

    def test_another_customer_is_logged_on_its_own_chatter(self):
        self.authenticate("payer_nora", "payer_nora")
        self._get("/my/payer-portal")
        self.assertEqual(self._logs(), [])
        self.assertIn(
            f"Statement of account viewed on the payer portal by {self.other_user.partner_id.name}",
            str(self.other_customer.message_ids[:1].body),
        )

    def test_an_already_logged_day_costs_one_query(self):
        Engagement = self.env["payer.portal.engagement"].sudo()
        with freeze_time(MORNING):
            self.assertTrue(Engagement._log_visit(self.customer, "portal", self.company, contact=self.contact))
            self.env.invalidate_all()
            self.assertEqual(self.customer.commercial_partner_id, self.customer)  # the page has it at hand
            with self.assertQueryCount(1):
                self.assertFalse(Engagement._log_visit(self.customer, "portal", self.company, contact=self.contact))
        self.assertEqual(len(self._logs()), 1)

    def test_the_account_status_email_log_says_when_it_was_opened(self):
        self.customer.email = "ap@brightway.example.com"
        self.authenticate("payer_paula", "payer_paula")
        self._get("/my/payer-portal")  # today's view is logged before the email
        with freeze_time(MORNING + timedelta(hours=1)):
            self.customer.with_user(self.manager).action_send_payer_reminder()
        log = self.customer.payer_status_message_id
        self.assertIn("Account status email", str(log.body))
        self.assertNotIn("Opened", str(log.body))
        self._get("/my/payer-portal", when=MORNING + timedelta(hours=2))
        self.env.invalidate_all()
        self.assertIn("Opened on the payer portal on", str(log.body))
        self.assertIn(f"by {self.contact.name}", str(log.body))
        self.assertFalse(self.customer.payer_status_message_id, "marked once")
        self.assertEqual(len(self._logs("Statement of account viewed")), 2, "the visit after the email is logged too")

    def _page_queries(self, url, log=True):
        """Queries of one view of ``url`` (the request runs on the test's connection)."""
        portal = "odoo.addons.account_payer_portal.controllers.portal.PayerPortal._payer_portal_log_visit"
        with freeze_time(MORNING), patch(portal, return_value=False) if not log else nullcontext():
            before = self.cr.sql_log_count
            response = self.url_open(url, allow_redirects=False)
            count = self.cr.sql_log_count - before
        self.assertEqual(response.status_code, 200)
        return count

    def test_a_view_on_an_already_logged_day_costs_at_most_one_query_more(self):
        self.authenticate("payer_paula", "payer_paula")
        for url in (
            "/my/payer-portal",
            f"/my/payer-portal/document/{self.invoice.id}/pdf",
            f"/my/payer-portal/statement?{self.period}&format=xlsx",
        ):
            with self.subTest(url=url):
                for _warm in range(2):  # logged today, caches warm
                    self._page_queries(url)
                without = self._page_queries(url, log=False)
                self.assertLessEqual(self._page_queries(url) - without, 1)

    def test_a_statement_pdf_that_could_not_be_made_is_not_logged(self):
        self.authenticate("payer_paula", "payer_paula")
        failing = "odoo.addons.account_payer_portal.controllers.statement.PayerStatementPortal._payer_statement_pdf"
        with patch(failing, return_value=None):
            self._get(f"/my/payer-portal/statement?{self.period}&format=pdf", expected_status=503)
        self.assertEqual(self._logs(), [])
        self._get(f"/my/payer-portal/statement?{self.period}&format=pdf")
        self.assertEqual(len(self._logs()), 1, "the download that worked")


@tagged("post_install", "-at_install")
class TestPayerSeenFilters(PayerPortalCommon):
    def _filter(self, name):
        """The domain of the contact search's filter ``name``, as the web client evaluates it today."""
        arch = etree.fromstring(self.env["res.partner"].get_view(view_type="search")["arch"])
        [node] = arch.xpath(f"//filter[@name='{name}']")
        return safe_eval(node.get("domain"), {"context_today": lambda: TODAY, "relativedelta": relativedelta})

    def test_seen_in_the_last_7_days_and_not_seen_in_30_days(self):
        seen = {}
        for name, days_ago in (("Recent", 3), ("Month", 20), ("Long ago", 40), ("Never", None)):
            partner = self.env["res.partner"].create({"name": f"Seen {name}", "is_company": True})
            if days_ago is not None:
                partner.payer_last_seen = datetime.combine(TODAY - timedelta(days=days_ago), datetime.min.time())
            seen[name] = partner
        customers = self.env["res.partner"].browse([p.id for p in seen.values()])
        recent = customers.filtered_domain(self._filter("payer_seen_7_days"))
        self.assertEqual(recent, seen["Recent"])
        not_seen = customers.filtered_domain(self._filter("payer_not_seen_30_days"))
        self.assertEqual(not_seen, seen["Long ago"] | seen["Never"])
