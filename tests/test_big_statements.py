import io
import logging
from datetime import date
from unittest.mock import patch

from lxml import html
from PyPDF2 import PdfFileReader

from odoo.exceptions import UserError
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.account_payer_portal.report import payer_statement_report

from .test_payer_statement import PayerStatementCommon

REPORT = "account_payer_portal.action_report_payer_statement"
PERIOD = (date(2024, 2, 1), date(2024, 3, 31))


class BigStatementCommon(PayerStatementCommon):
    """A statement of 21 movements over two currencies: 13 in the company currency (invoices,
    a credit note, payments), 8 in EUR, and an opening balance in each."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._invoice(100.0, "2024-01-10")
        cls._invoice(40.0, "2024-01-12", currency=cls.eur)
        cls.invoices = cls.env["account.move"]
        for day in range(1, 11):
            cls.invoices |= cls._invoice(10.0 * day, f"2024-02-{day * 2:02d}")
        cls._invoice(25.0, "2024-02-21", move_type="out_refund")
        cls._pay(cls.invoices[0], 10.0, "2024-02-25")
        cls._pay(cls.invoices[1], 5.0, "2024-03-01")
        for day in range(1, 9):
            cls._invoice(7.0 * day, f"2024-03-{day * 3:02d}", currency=cls.eur)

    def _lines(self, data):
        return [
            (section["currency"].name, line["reference"], line["balance"])
            for section in data["sections"]
            for line in section["lines"]
        ]


@tagged("post_install", "-at_install")
class TestBigStatementPages(BigStatementCommon):
    def _page(self, page, page_size=5):
        return self.Statement._get_statement_data(self.customer, self.company, *PERIOD, page=page, page_size=page_size)

    def test_pages_add_up_to_the_whole_period(self):
        whole = self.Statement._get_statement_data(self.customer, self.company, *PERIOD)
        first = self._page(1)
        self.assertEqual((first["movement_count"], first["page_count"]), (21, 5))
        pages = [self._page(number) for number in range(1, 6)]
        self.assertEqual([len(self._lines(page)) for page in pages], [5, 5, 5, 5, 1])
        self.assertEqual([line for page in pages for line in self._lines(page)], self._lines(whole))
        figures = ("opening", "closing", "debit", "credit", "aging", "line_count")
        for page in pages:
            for section, whole_section in zip(page["sections"], whole["sections"], strict=True):
                self.assertEqual(
                    {key: section[key] for key in figures},
                    {key: whole_section[key] for key in figures},
                    f"the figures of the whole period on page {page['page']}",
                )

    def test_next_page_brings_forward_the_last_running_balance(self):
        pages = [self._page(number) for number in range(1, 6)]
        running = {}  # currency: last running balance seen on the pages before
        for page in pages:
            for section in page["sections"]:
                name = section["currency"].name
                if not section["lines"]:
                    self.assertIsNone(section["brought_forward"])
                    continue
                first, last = section["lines"][0], section["lines"][-1]
                expected = running.get(name)
                self.assertEqual(section["brought_forward"], expected, f"page {page['page']} {name}")
                if expected is None:
                    self.assertAlmostEqual(first["balance"] - first["debit"] + first["credit"], section["opening"])
                else:
                    self.assertAlmostEqual(first["balance"] - first["debit"] + first["credit"], expected)
                running[name] = last["balance"]
                if section["carried_forward"] is not None:
                    self.assertEqual(section["carried_forward"], last["balance"])
        # page 2 starts where page 1 ends (the company currency's 13 movements span pages 1-3)
        usd = self.company.currency_id
        page_1 = next(s for s in pages[0]["sections"] if s["currency"] == usd)
        page_2 = next(s for s in pages[1]["sections"] if s["currency"] == usd)
        self.assertEqual(page_2["brought_forward"], page_1["lines"][-1]["balance"])
        self.assertEqual(page_1["carried_forward"], page_1["lines"][-1]["balance"])
        self.assertEqual(running, {usd.name: 100.0 + 550.0 - 25.0 - 15.0, "EUR": 40.0 + 252.0})

    def test_page_beyond_the_last_is_the_last(self):
        self.assertEqual(self._page(99)["page"], 5)
        self.assertEqual(self._page(-3)["page"], 1)

    def test_queries_of_a_page_do_not_grow_with_the_movements(self):
        def count_queries():
            self._page(2)  # warm the caches
            before = self.env.cr.sql_log_count
            data = self._page(2)
            return self.env.cr.sql_log_count - before, data["movement_count"]

        queries, movements = count_queries()
        for day in range(1, 21):
            invoice = self._invoice(3.0 + day, f"2024-03-{day:02d}")
            self._pay(invoice, 1.0, f"2024-03-{day + 1:02d}")
        more_queries, more_movements = count_queries()
        self.assertEqual(more_movements, movements + 40)
        self.assertEqual(more_queries, queries)

    def test_movement_count_is_the_number_of_lines(self):
        self.assertEqual(self.Statement._get_movement_count(self.customer, self.company, *PERIOD), 21)


@tagged("post_install", "-at_install")
class TestBigStatementPortal(BigStatementCommon, HttpCase):
    URL = "/my/payer-portal/statement"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        new_test_user(
            cls.env,
            login="big_paula",
            password="big_paula",
            groups="base.group_portal",
            partner_id=cls.contact.id,
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )

    def _get(self, path="", **params):
        self.authenticate("big_paula", "big_paula")
        query = {"date_from": str(PERIOD[0]), "date_to": str(PERIOD[1]), **params}
        return self.url_open(self.URL + path, params=query)

    def _page(self, path=""):
        with patch("odoo.addons.account_payer_portal.controllers.statement.PAGE_SIZE", 5):
            response = self._get(path)
        self.assertEqual(response.status_code, 200)
        return html.fromstring(response.content)

    def _sections(self, page):
        return {s.get("data-currency"): s for s in page.xpath("//section[hasclass('o_payer_statement_section')]")}

    def _figure(self, section, figure):
        values = section.xpath(f".//*[@data-statement-figure='{figure}']/@data-value")
        return values[0] if values else None

    def test_pages_carry_the_balance_and_show_the_whole_figures(self):
        page_1, page_2 = self._page(), self._page("/page/2")
        usd = self.company.currency_id.name
        usd_1, usd_2 = self._sections(page_1)[usd], self._sections(page_2)[usd]
        self.assertEqual(len(usd_1.xpath(".//tr[@data-running-balance]")), 5)
        self.assertEqual(
            self._figure(usd_2, "brought_forward"),
            usd_1.xpath(".//tr[@data-running-balance]")[-1].get("data-running-balance"),
        )
        self.assertEqual(self._figure(usd_1, "carried_forward"), self._figure(usd_2, "brought_forward"))
        self.assertIsNone(self._figure(usd_1, "brought_forward"))
        for page in (page_1, page_2):
            sections = self._sections(page)
            self.assertEqual(set(sections), {usd, "EUR"}, "every currency on every page")
            self.assertEqual(self._figure(sections[usd], "opening"), "100.00")
            self.assertEqual(self._figure(sections[usd], "closing"), "610.00")
            self.assertEqual(self._figure(sections["EUR"], "closing"), "292.00")
            self.assertEqual(
                sections["EUR"].xpath("string(.//*[@data-statement-aging='balance_due']/@data-value)"), "292.00"
            )
        # EUR's movements are on pages 3 to 5: its figures, and a note on pages 1 and 2
        self.assertTrue(self._sections(page_1)["EUR"].xpath(".//tr[hasclass('o_payer_statement_elsewhere')]"))

    def test_pager_keeps_the_period(self):
        page = self._page("/page/2")
        links = page.xpath("//ul[hasclass('pagination')]//a/@href")
        self.assertIn(
            f"/my/payer-portal/statement/page/3?date_from={PERIOD[0]}&date_to={PERIOD[1]}",
            links,
        )
        self.assertIn("page 2 of 5", page.xpath("string(//*[hasclass('o_payer_statement_page_of')])"))
        # the downloads are of the whole period, not of the page
        pdf = page.xpath("string(//a[hasclass('o_payer_statement_pdf')]/@href)")
        self.assertNotIn("page", pdf)

    def test_one_page_has_no_pager(self):
        page = html.fromstring(self._get().content)  # 200 movements per page
        self.assertFalse(page.xpath("//ul[hasclass('pagination')]"))
        self.assertEqual(len(page.xpath("//tr[@data-running-balance]")), 21)
        self.assertFalse(page.xpath("//*[@data-statement-figure='brought_forward']"))

    def test_pdf_failure_shows_a_sentence_not_the_tools_output(self):
        garbage = "Wkhtmltopdf failed (error code: -11). Message: QPainter::begin(): Returned false SEGV"
        Report = type(self.env["ir.actions.report"])
        with (
            patch.object(payer_statement_report, "_html_in_tests", return_value=False),
            patch.object(Report, "_run_wkhtmltopdf", side_effect=UserError(garbage)) as run,
            self.assertLogs("odoo.addons.account_payer_portal.controllers.statement", logging.ERROR) as logs,
        ):
            response = self._get(format="pdf")
        self.assertEqual(run.call_count, 2, "the failed chunk is tried once more")
        self.assertEqual(response.status_code, 503)
        self.assertIn("text/html", response.headers["Content-Type"])
        self.assertNotIn(b"error code", response.content)
        self.assertNotIn(b"QPainter", response.content)
        page = html.fromstring(response.content)
        self.assertIn(
            "The PDF could not be made now: try again in a few minutes, or download the spreadsheet.",
            page.xpath("string(//*[hasclass('o_payer_statement_error')])"),
        )
        xlsx = page.xpath("string(//a[hasclass('o_payer_statement_error_xlsx')]/@href)")
        self.assertIn("format=xlsx", xlsx)
        self.assertIn("QPainter", "\n".join(logs.output), "the tool's output is in the server log")
        self.assertEqual(self.url_open(xlsx).status_code, 200, "the spreadsheet link works")

    def _pdf_text(self, chunk_size):
        self.env["ir.config_parameter"].sudo().set_param("account_payer_portal.statement_pdf_chunk", chunk_size)
        pdf, report_type = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(
                REPORT,
                self.customer.ids,
                data={"company_id": self.company.id, "date_from": str(PERIOD[0]), "date_to": str(PERIOD[1])},
            )
        )
        self.assertEqual(report_type, "pdf")
        return [page.extract_text() for page in PdfFileReader(io.BytesIO(pdf)).pages]

    def test_chunked_pdf_has_every_movement_of_the_whole(self):
        # wkhtmltopdf fetches the report's assets from this test server (HttpCase)
        self.env["ir.config_parameter"].sudo().set_param("report.url", self.base_url())
        whole = self.Statement._get_statement_data(self.customer, self.company, *PERIOD)
        references = [line["reference"] for section in whole["sections"] for line in section["lines"]]
        attachments = self.env["ir.attachment"].search_count([("res_model", "=", "res.partner")])
        Report = type(self.env["ir.actions.report"])
        with patch.object(Report, "_run_wkhtmltopdf", autospec=True, side_effect=Report._run_wkhtmltopdf) as run:
            pages = self._pdf_text(8)
        self.assertEqual(run.call_count, 3, "21 movements in chunks of 8")
        self.assertEqual(
            self.env["ir.attachment"].search_count([("res_model", "=", "res.partner")]), attachments, "nothing saved"
        )
        text = "\n".join(pages)
        positions = [text.find(reference) for reference in references]
        self.assertNotIn(-1, positions, "every movement is in the PDF")
        self.assertEqual(positions, sorted(positions), "in the statement's order")
        self.assertIn("Balance brought forward", text)
        self.assertIn("Balance carried forward", text)
        self.assertEqual(text.count("Opening balance"), 2, "one per currency")
        self.assertEqual(text.count("Closing balance"), 2)
        self.assertIn("610.00", text.split("Closing balance")[1])
        self.assertIn("292.00", text.split("Closing balance")[2])
        for number in range(1, len(pages) + 1):
            self.assertIn(f"Page {number} / {len(pages)}", pages[number - 1], "numbered over the whole")
        # the same statement in one call has the same movements
        whole_text = "\n".join(self._pdf_text(1000))
        self.assertEqual([whole_text.find(r) >= 0 for r in references], [True] * len(references))
        self.assertNotIn("Balance brought forward", whole_text)

    def test_pdf_running_out_of_time_stops_between_chunks(self):
        self.env["ir.config_parameter"].sudo().set_param("account_payer_portal.statement_pdf_chunk", 8)
        Report = type(self.env["ir.actions.report"])
        with (
            patch.object(payer_statement_report, "PDF_TIME_LIMIT", -1),
            patch.object(Report, "_run_wkhtmltopdf") as run,
            self.assertRaisesRegex(UserError, "stopped after 0 of 3 parts"),
        ):
            self.env["ir.actions.report"].with_context(force_report_rendering=True)._render_qweb_pdf(
                REPORT,
                self.customer.ids,
                data={"company_id": self.company.id, "date_from": str(PERIOD[0]), "date_to": str(PERIOD[1])},
            )
        run.assert_not_called()
