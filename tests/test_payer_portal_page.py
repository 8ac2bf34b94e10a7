from datetime import timedelta

from freezegun import freeze_time
from lxml import html

from odoo.tests import HttpCase, tagged

from .common import TODAY, PayerPortalCommon


@tagged("post_install", "-at_install")
class TestPayerPortalPage(PayerPortalCommon, HttpCase):
    def _page(self, login, url="/my/payer-portal"):
        self.authenticate(login, login)
        with freeze_time(TODAY):
            response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        return html.fromstring(response.content)

    def _figures(self, section):
        return {e.get("data-payer-figure"): e.get("data-value") for e in section.xpath(".//*[@data-payer-figure]")}

    def test_page_shows_figures_and_rows_per_currency(self):
        partial = self._invoice(2100.0, days_late=45)
        self._pay(partial, 600.0)
        self._invoice(450.0, days_late=-3)
        self._invoice(180.0, move_type="out_refund")
        self._invoice(300.0, days_late=95, currency=self.eur)
        self._invoice(999.0, post=False)
        self._invoice(77.0, partner=self.other_customer)
        page = self._page("payer_paula")
        sections = page.xpath("//section[@data-currency]")
        self.assertEqual([s.get("data-currency") for s in sections], [self.usd.name, self.eur.name])
        usd, eur = sections
        self.assertEqual(
            self._figures(usd),
            {
                "outstanding": "1950.00",
                "amount_due": "450.00",
                "days_0_30": "0.00",
                "days_31_60": "1500.00",
                "days_61_90": "0.00",
                "days_over_90": "0.00",
                "balance_due": "1770.00",
            },
        )
        rows = {r.get("data-activity"): r for r in usd.xpath(".//tr[@data-activity]")}
        self.assertEqual(len(rows), 3, "the draft and the other customer's invoice are not shown")
        row = rows[partial.name]
        self.assertEqual((row.get("data-status"), row.get("data-balance")), ("overdue", "1500.00"))
        self.assertEqual(
            [" ".join(cell.text_content().split()) for cell in row.xpath("./td")[4:7]],
            ["$ 2,100.00", "$ 600.00", "$ 1,500.00"],
            "amount, payment, balance",
        )
        self.assertIn("Overdue (45 days)", row.text_content())
        refund_row = next(r for r in rows.values() if r.get("data-balance") == "-180.00")
        self.assertEqual(refund_row.get("data-status"), "credit")
        self.assertEqual(self._figures(eur)["days_over_90"], "300.00")
        # Due dates first: the oldest due is the first row.
        self.assertEqual(usd.xpath(".//tr[@data-activity]")[0].get("data-activity"), partial.name)

    def test_home_entry_leads_to_the_page(self):
        page = self._page("payer_paula", "/my")
        self.assertTrue(page.xpath("//a[@href='/my/payer-portal']"))

    def test_empty_state(self):
        page = self._page("payer_paula")
        self.assertFalse(page.xpath("//section[@data-currency]"))
        self.assertTrue(page.xpath("//*[hasclass('o_payer_empty')]"))

    def test_currency_with_only_credits(self):
        self._invoice(60.0, move_type="out_refund", currency=self.eur)
        page = self._page("payer_paula")
        [section] = page.xpath("//section[@data-currency]")
        self.assertTrue(section.xpath(".//*[hasclass('o_payer_only_credits')]"))
        self.assertEqual(self._figures(section)["balance_due"], "-60.00")

    def test_other_customer_sees_nothing_of_it(self):
        invoice = self._invoice(100.0, days_late=10)
        page = self._page("payer_nora")
        self.assertFalse(page.xpath("//section[@data-currency]"))
        for url in (f"/my/payer-portal/document/{invoice.id}/pdf",):
            self.assertEqual(self.url_open(url).status_code, 404)

    def test_file_links_of_own_documents(self):
        invoice = self._invoice(100.0, days_late=10)
        attachment = self.env["ir.attachment"].create(
            {"name": "delivery-note.txt", "raw": b"delivered", "res_model": "account.move", "res_id": invoice.id}
        )
        internal = self.env["ir.attachment"].create(
            {"name": "internal.txt", "raw": b"internal", "res_model": "account.move", "res_id": invoice.id}
        )
        invoice.message_post(
            body="Delivery note", attachment_ids=attachment.ids, message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        invoice.message_post(body="Internal", attachment_ids=internal.ids, subtype_xmlid="mail.mt_note")
        page = self._page("payer_paula")
        links = page.xpath("//tr[@data-activity]//a[hasclass('o_payer_file_attachment')]/@href")
        self.assertEqual(links, [f"/my/payer-portal/file/{attachment.id}"], "internal notes' files are not shown")
        response = self.url_open(links[0])
        self.assertEqual((response.status_code, response.content), (200, b"delivered"))
        self.assertEqual(self.url_open(f"/my/payer-portal/file/{internal.id}").status_code, 404)
        pdf = self.url_open(f"/my/payer-portal/document/{invoice.id}/pdf")
        self.assertEqual(pdf.status_code, 200)
        self.assertIn("pdf", pdf.headers["Content-Type"])
        # Another customer gets a missing page for the same links.
        self.authenticate("payer_nora", "payer_nora")
        self.assertEqual(self.url_open(links[0]).status_code, 404)
        self.assertEqual(self.url_open(f"/my/payer-portal/document/{invoice.id}/pdf").status_code, 404)

    def test_pager_keeps_header_totals_exact(self):
        moves = self.env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": self.customer.id,
                    "invoice_date": TODAY - timedelta(days=40),
                    "invoice_date_due": TODAY - timedelta(days=i % 100),
                    "invoice_line_ids": [(0, 0, {"name": "x", "quantity": 1, "price_unit": 10.0, "tax_ids": []})],
                }
                for i in range(60)
            ]
        )
        moves.action_post()
        page = self._page("payer_paula")
        [section] = page.xpath("//section[@data-currency]")
        self.assertEqual(len(section.xpath(".//tr[@data-activity]")), 50)
        self.assertEqual(self._figures(section)["outstanding"], "600.00")
        key = section.get("id").removeprefix("payer-section-")
        page2 = self._page("payer_paula", f"/my/payer-portal/page/2?section={key}")
        self.assertEqual(len(page2.xpath("//section[@data-currency]//tr[@data-activity]")), 10)

    def test_query_count_does_not_grow_with_open_documents(self):
        def create(count):
            moves = self.env["account.move"].create(
                [
                    {
                        "move_type": "out_invoice",
                        "partner_id": self.customer.id,
                        "currency_id": (self.usd if i % 2 else self.eur).id,
                        "invoice_date": TODAY - timedelta(days=40),
                        "invoice_date_due": TODAY - timedelta(days=i % 120),
                        "invoice_line_ids": [(0, 0, {"name": "x", "quantity": 1, "price_unit": 5.0, "tax_ids": []})],
                    }
                    for i in range(count)
                ]
            )
            moves.action_post()

        def count_queries():
            self.url_open("/my/payer-portal")  # warm the caches
            before = self.cr.sql_log_count
            response = self.url_open("/my/payer-portal")
            self.assertEqual(response.status_code, 200)
            return self.cr.sql_log_count - before

        self.authenticate("payer_paula", "payer_paula")
        # Over a page in each currency (120 = 60 per currency); TO PAY is not read by the page (its own
        # route, see test_lean_to_pay).
        create(120)
        at_120 = count_queries()
        create(880)
        at_1000 = count_queries()
        self.assertEqual(at_120, at_1000, f"{at_120} queries at 120 open invoices, {at_1000} at 1000")


@tagged("post_install", "-at_install")
class TestPayerPortalTour(PayerPortalCommon, HttpCase):
    def test_payer_portal_tour(self):
        # The browser lives in the real present: date the ledger from the company's real today.
        today = self.Ledger._today(self.company)
        self._invoice(830.0, days_late=12, today=today)
        self._invoice(450.0, days_late=-3, today=today)
        self._invoice(300.0, days_late=95, currency=self.eur, today=today)
        self.start_tour("/my", "account_payer_portal_statement_of_account", login="payer_paula")
