"""Reads scale out: every page that only reads runs on a read-only cursor.

Odoo 19 serves a ``readonly=True`` route on a read-only cursor (a PostgreSQL read replica when
``--db_replica_host`` is set); when such a route writes anyway, Odoo catches the
``ReadOnlySqlTransaction`` and serves the request again on the primary. In tests, Odoo's test
cursor of a read-only route runs ``SET TRANSACTION READ ONLY``: a write raises exactly as on a
replica. Each test records the cursor every dispatch of the request ran on and asserts it was one
read-only cursor, never a second try on the read/write one.
"""

from unittest.mock import patch

from freezegun import freeze_time
from lxml import html

from odoo import http
from odoo.tests import HttpCase, tagged

from .common import TODAY, PayerPortalCommon
from .test_payer_dispute import PDF


@tagged("post_install", "-at_install")
class TestReadonlyRoutes(PayerPortalCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoice = cls._invoice(1200.0, days_late=40)
        cls._invoice(300.0, days_late=-5, currency=cls.eur)
        cls._invoice(80.0, move_type="out_refund")
        cls.manager = cls._account_manager("ro_manager", name="Rita Reader")
        cls.company.payer_dispute_user_id = cls.manager
        cls.dispute = cls.env["payer.dispute"].create(
            {
                "move_id": cls._invoice(500.0, days_late=10).id,
                "opened_by_id": cls.contact.id,
                "category_id": cls.env.ref("account_payer_portal.payer_dispute_category_wrong_amount").id,
                "description": "The price is wrong",
            }
        )
        cls.dispute._payer_portal_post(cls.contact, "Here is our order", [("order.pdf", PDF)])
        cls.dispute_file = cls.dispute._payer_portal_messages().attachment_ids[:1]
        # A supporting file the account manager sent on an invoice (shown on the portal).
        supported = cls._invoice(90.0, days_late=3)
        cls.invoice_file = cls.env["ir.attachment"].create(
            {"name": "delivery-note.pdf", "raw": PDF, "res_model": "account.move", "res_id": supported.id}
        )
        supported.with_user(cls.manager).message_post(
            body="The delivery note",
            attachment_ids=cls.invoice_file.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )

    def _cursors(self, url, expected_status=200, data=None):
        """GET (or POST ``data`` to) ``url``; the ``readonly`` of the cursor of each time the route
        was served."""
        seen = []
        serve = http.Request._serve_ir_http

        def spy(request, rule, args):
            seen.append(request.env.cr.readonly)
            return serve(request, rule, args)

        with patch.object(http.Request, "_serve_ir_http", spy), freeze_time(TODAY):
            response = self.url_open(url, data=data, allow_redirects=False)
        self.assertEqual(response.status_code, expected_status, url)
        return seen, response

    def assertReadonly(self, url, expected_status=200):
        seen, response = self._cursors(url, expected_status)
        self.assertEqual(seen, [True], f"{url} was served on {seen} (read-only cursor first, then read/write)")
        return response

    def _reading_urls(self):
        section = f"{self.company.id}-{self.usd.name}"
        period = f"date_from={TODAY.replace(day=1)}&date_to={TODAY}"
        return [
            "/my/payer-portal",
            f"/my/payer-portal/page/1?section={section}",
            f"/my/payer-portal/statement?{period}",
            f"/my/payer-portal/statement/page/2?{period}",
            f"/my/payer-portal/statement?{period}&format=xlsx",
            f"/my/payer-portal/statement?{period}&format=pdf",
            "/my/payer-portal/disputes",
            f"/my/payer-portal/disputes/{self.dispute.id}",
            f"/my/payer-portal/disputes/{self.dispute.id}/file/{self.dispute_file.id}",
            f"/my/payer-portal/document/{self.invoice.id}/pdf",
            f"/my/payer-portal/file/{self.invoice_file.id}",
            f"/my/payer-portal/invoice/{self.invoice.id}/question",
            f"/my/payer-portal/invoice/{self.invoice.id}/dispute",
        ]

    def test_a_customers_reading_pages_run_on_a_read_only_cursor(self):
        self.authenticate("payer_paula", "payer_paula")
        for url in self._reading_urls():
            with self.subTest(url=url):
                self.assertReadonly(url)

    def test_the_invoice_pdf_is_served_read_only_again_and_again(self):
        # Printing an invoice that has no stored PDF yet computes its lines' sections, which Odoo
        # writes on the invoice when asked for a few lines: it must not send the download to the
        # primary. (In tests, Odoo renders reports as HTML instead of running wkhtmltopdf.)
        self.authenticate("payer_paula", "payer_paula")
        for _attempt in range(2):
            response = self.assertReadonly(f"/my/payer-portal/document/{self.invoice.id}/pdf")
            self.assertIn(self.invoice.name, response.text)
            self.assertIn("attachment;", response.headers["Content-Disposition"])

    def test_a_guest_by_signed_link_reads_on_a_read_only_cursor(self):
        # The link is checked and kept in the visit's session (not in the database): the arrival
        # by link and the next pages of the visit are read-only.
        access = self.env["payer.portal.access"]._for_partner(self.customer, self.company)
        response = self.assertReadonly(access._link_path())
        self.assertIn(b"data-payer-figure", response.content)
        for url in (
            "/my/payer-portal",
            "/my/payer-portal/disputes",
            f"/my/payer-portal/document/{self.invoice.id}/pdf",
        ):
            with self.subTest(url=url):
                self.assertReadonly(url)

    def test_the_preview_reads_on_a_read_only_cursor(self):
        # Opening the preview is recorded (a write, on the primary); the preview's pages then read.
        self.authenticate("ro_manager", "ro_manager")
        seen, _response = self._cursors(f"/my/payer-portal/preview/{self.customer.id}", expected_status=303)
        self.assertEqual(seen, [False])
        for url in ("/my/payer-portal", f"/my/payer-portal/statement?date_from={TODAY}&date_to={TODAY}"):
            with self.subTest(url=url):
                self.assertReadonly(url)

    def test_a_post_still_writes_on_the_primary(self):
        # The guard of this test: a route that writes is served on the read/write cursor.
        self.authenticate("payer_paula", "payer_paula")
        data = {"question": "When is it due?", "csrf_token": http.Request.csrf_token(self)}
        seen, _response = self._cursors(f"/my/payer-portal/invoice/{self.invoice.id}/question", 303, data)
        self.assertEqual(seen, [False])
        self.assertIn("When is it due?", self.invoice.message_ids[0].body)

    def test_the_invoice_page_link_makes_its_token_on_the_first_visit_only(self):
        # The pages link to Odoo's invoice page through this route, which makes the invoice's access
        # token (a write) when it is followed, so that a guest by signed link can open it too.
        access = self.env["payer.portal.access"]._for_partner(self.customer, self.company)
        self.assertReadonly(access._link_path())
        self.assertFalse(self.invoice.access_token)
        seen, response = self._cursors(f"/my/payer-portal/invoice/{self.invoice.id}", expected_status=303)
        self.assertEqual(seen, [False])
        self.assertTrue(self.invoice.access_token)
        self.assertIn(
            f"/my/invoices/{self.invoice.id}?access_token={self.invoice.access_token}", response.headers["Location"]
        )
        with freeze_time(TODAY):
            page = self.url_open(response.headers["Location"])
        self.assertEqual(page.status_code, 200)
        self.assertIn(self.invoice.name, page.text)
        # Not another customer's invoice, nor for a visitor without a link.
        other = self._invoice(40.0, partner=self.other_customer)
        self._cursors(f"/my/payer-portal/invoice/{other.id}", expected_status=404)
        self.assertFalse(other.access_token)
        self.url_open("/web/session/logout")
        self._cursors(f"/my/payer-portal/invoice/{self.invoice.id}", expected_status=404)

    def test_a_guest_by_link_opens_an_invoice_and_a_sales_receipt_from_the_statement(self):
        # The Balance tab links an invoice to Odoo's page through the payer portal, which a guest by
        # signed link may follow (Odoo's /my/invoices/<id> alone asks a guest to log in). A sales
        # receipt, which has no page in Odoo's portal, offers its PDF.
        receipt = self._invoice(45.0, days_late=1, move_type="out_receipt")
        access = self.env["payer.portal.access"]._for_partner(self.customer, self.company)
        page = html.fromstring(self.assertReadonly(access._link_path()).content)
        [row] = page.xpath(f"//tr[@data-activity='{self.invoice.name}']")
        [link] = row.xpath(".//a[contains(@class, 'o_payer_activity')]/@href")
        self.assertEqual(link, f"/my/payer-portal/invoice/{self.invoice.id}")
        _seen, response = self._cursors(link, expected_status=303)
        with freeze_time(TODAY):
            document = self.url_open(response.headers["Location"])
        self.assertEqual(document.status_code, 200)
        self.assertIn(self.invoice.name, document.text)
        self.assertNotIn("/web/login", document.url)
        [receipt_row] = page.xpath(f"//tr[@data-activity='{receipt.name}']")
        self.assertFalse(receipt_row.xpath(".//a[contains(@class, 'o_payer_activity')]"))
        self._cursors(f"/my/payer-portal/invoice/{receipt.id}", expected_status=404)
        for move, document_row in ((self.invoice, row), (receipt, receipt_row)):
            with self.subTest(document=move.name):
                [pdf] = document_row.xpath(".//a[contains(@class, 'o_payer_file_pdf')]/@href")
                self.assertIn(move.name, self.assertReadonly(pdf).text)

    def test_the_pages_that_log_a_visit_stay_read_only_and_log_it(self):
        # Who looked at what is logged through a cursor of its own when due (once a day per kind):
        # the page itself is still served once, on the read-only cursor.
        self.authenticate("payer_paula", "payer_paula")
        period = f"date_from={TODAY.replace(day=1)}&date_to={TODAY}"
        urls = {
            "Statement of account viewed": "/my/payer-portal",
            f"Invoice {self.invoice.name} downloaded": f"/my/payer-portal/document/{self.invoice.id}/pdf",
            "Statement downloaded": f"/my/payer-portal/statement?{period}&format=xlsx",
        }
        for text, url in urls.items():
            with self.subTest(url=url):
                self.assertReadonly(url)
                self.assertReadonly(url)
                self.env.invalidate_all()
                logs = self.customer.message_ids.filtered(lambda m, text=text: text in str(m.body))
                self.assertEqual(len(logs), 1, "logged once, whatever the number of views")
