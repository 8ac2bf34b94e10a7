"""Issue 13: one definition of "payable" (the ledger's), TO PAY loaded when it is opened (its own
route), lean rows, and query counts that do not grow with the account."""

import logging
from contextlib import ExitStack
from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time
from lxml import html

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged

from .common import TODAY
from .test_payer_payment import PayerPaymentCommon

_logger = logging.getLogger(__name__)

NOON = "2026-06-15 12:00:00"
PAGE_BUDGET = 250 * 1024  # the target for the whole page (TO PAY not rendered)


@tagged("post_install", "-at_install", "payer_no_stripe")
class TestPayableDefinition(PayerPaymentCommon):
    """The ledger marks each row ``payable`` (or says why not); PAY ALL and the server's check of a
    selection follow the same definition."""

    def _rows(self, limit=None):
        with freeze_time(NOON):
            to_pay = self.Ledger._to_pay(self.customer, self.company, self.usd, self.company, limit=limit)
        return {row["move"]: row for row in to_pay["rows"]}, to_pay

    def _pay_all(self):
        with freeze_time(NOON):
            return self.Payment._create_from_selection(
                self.customer, self.company, self.usd, pay_all=True, companies=self.company, contact=self.contact
            )

    def _refusals(self, invoices=(), credit_docs=()):
        Move = self.env["account.move"]
        with freeze_time(NOON):
            return self.Ledger._selection_refusals(
                self.customer,
                self.company,
                self.usd,
                self.company,
                Move.concat(*invoices),
                Move.concat(*credit_docs),
            )

    def test_sales_receipt_is_listed_in_to_pay_and_paid_by_pay_all(self):
        invoice = self._invoice(100.0, days_late=5)
        receipt = self._invoice(40.0, days_late=2, move_type="out_receipt")
        rows, to_pay = self._rows()
        self.assertIn(receipt, rows, "an open sales receipt is listed in TO PAY")
        self.assertEqual((rows[receipt]["payable"], rows[receipt]["pay_kind"]), (True, "invoice"))
        self.assertEqual(to_pay["pay_all"]["invoices"], invoice | receipt)
        payment = self._pay_all()
        self.assertEqual(payment._invoices(), invoice | receipt, "PAY ALL pays what TO PAY lists")
        self.assertEqual(payment.amount, to_pay["pay_all"]["amount"])
        self.assertEqual(payment.amount, 140.0)

    def test_disputed_invoice_is_listed_not_payable_and_left_out(self):
        invoice = self._invoice(100.0, days_late=5)
        disputed = self._invoice(60.0, days_late=5)
        self._open_dispute(disputed)
        rows, to_pay = self._rows()
        self.assertEqual((rows[disputed]["payable"], rows[disputed]["status"]), (False, "disputed"))
        self.assertIn("under dispute", rows[disputed]["reason"])
        self.assertTrue(rows[invoice]["payable"])
        self.assertEqual(to_pay["pay_all"]["invoices"], invoice)
        self.assertEqual(list(self._refusals([disputed]).values()), [rows[disputed]["reason"]])
        with freeze_time(NOON), self.assertRaisesRegex(UserError, "under dispute"):
            self._select([disputed])

    def test_invoice_and_credit_of_a_payment_awaiting_confirmation_are_not_payable(self):
        invoice = self._invoice(100.0, days_late=5)
        credit_note = self._invoice(30.0, move_type="out_refund")
        other = self._invoice(50.0, days_late=1)
        payment = self._select([invoice], [credit_note])
        self._demo_pay(self._transaction(payment), state="pending")
        rows, to_pay = self._rows()
        self.assertEqual((rows[invoice]["payable"], rows[invoice]["status"]), (False, "awaiting_payment"))
        self.assertIn("awaiting payment confirmation", rows[invoice]["reason"])
        self.assertNotIn(credit_note, rows, "a credit reserved by a live payment is not offered")
        refusals = self._refusals([other], [credit_note])
        self.assertEqual(list(refusals), [credit_note])
        self.assertIn("being used by another payment", refusals[credit_note])
        self.assertEqual(to_pay["pay_all"]["invoices"], other)
        self.assertFalse(to_pay["pay_all"]["credit_docs"])
        self.assertEqual(to_pay["pay_all"]["amount"], 50.0)

    def test_credits_are_payable_as_credits(self):
        invoice = self._invoice(100.0, days_late=5)
        credit_note = self._invoice(30.0, move_type="out_refund")
        unallocated = self._unallocated_payment(20.0).move_id
        rows, to_pay = self._rows()
        for credit in (credit_note, unallocated):
            self.assertEqual((rows[credit]["payable"], rows[credit]["pay_kind"]), (True, "credit"), credit.name)
        self.assertEqual(to_pay["pay_all"]["credit_docs"], credit_note | unallocated)
        self.assertEqual(to_pay["pay_all"]["amount"], 50.0)
        refusals = self._refusals([credit_note], [invoice])
        self.assertIn("is not one of your invoices", refusals[credit_note], "a credit is not paid as an invoice")
        self.assertIn("has no credit left", refusals[invoice], "an invoice is not set off as a credit")

    def test_document_dated_after_today_is_not_payable(self):
        invoice = self._invoice(100.0, days_late=5)
        later = self._invoice(70.0, invoice_date=TODAY + timedelta(days=3), invoice_date_due=TODAY + timedelta(days=30))
        rows, to_pay = self._rows()
        self.assertNotIn(later, rows, "not open as of today")
        self.assertEqual(to_pay["pay_all"]["invoices"], invoice)
        self.assertIn("is dated", self._refusals([later])[later])
        with freeze_time(NOON), self.assertRaisesRegex(UserError, "is dated"):
            self.Payment._create_from_selection(
                self.customer, self.company, self.usd, invoice_ids=[later.id], companies=self.company
            )

    def test_pay_all_amount_is_what_pay_all_charges_beyond_the_listed_rows(self):
        for days in range(4):
            self._invoice(100.0 + days, days_late=days + 1)
        self._invoice(35.5, days_late=1, move_type="out_receipt")
        self._open_dispute(self._invoice(999.0, days_late=3))
        self._invoice(80.25, move_type="out_refund")
        rows, to_pay = self._rows(limit=3)
        self.assertEqual(len(rows), 3, "TO PAY lists the first documents only")
        self.assertTrue(to_pay["limited"])
        self.assertEqual(to_pay["pay_all"]["amount"], 100.0 + 101.0 + 102.0 + 103.0 + 35.5 - 80.25)
        payment = self._pay_all()
        self.assertEqual(
            (payment.amount_invoices, payment.amount_credits, payment.amount),
            tuple(to_pay["pay_all"][key] for key in ("amount_invoices", "amount_credits", "amount")),
        )
        self.assertEqual(len(payment._invoices()), 5, "every payable invoice, listed or not")

    def test_pay_all_amount_never_below_zero(self):
        self._invoice(20.0, days_late=1)
        self._invoice(50.0, move_type="out_refund")
        _rows, to_pay = self._rows()
        self.assertEqual((to_pay["pay_all"]["amount_credits"], to_pay["pay_all"]["amount"]), (20.0, 0.0))
        self.assertEqual(self._pay_all().amount, 0.0)

    def test_the_ledger_calls_no_payer_payment_method(self):
        """No cycle: the ledger reads payments' lines and transactions, it never asks payer.payment."""
        invoice = self._invoice(100.0, days_late=5)
        credit_note = self._invoice(30.0, move_type="out_refund")
        self._demo_pay(self._transaction(self._select([invoice], [credit_note])), state="pending")
        Payment = type(self.env["payer.payment"])
        ours = next(cls for cls in Payment.__mro__ if cls.__module__.endswith("models.payer_payment"))
        called = []
        with ExitStack() as stack:
            for name, method in vars(ours).items():
                if callable(method) and name.startswith("_") and not name.startswith("__"):

                    def spy(*args, _name=name, _method=method, **kwargs):
                        called.append(_name)
                        return _method(*args, **kwargs)

                    stack.enter_context(patch.object(Payment, name, spy))
            self._rows()
            self.Ledger._awaiting_payment_moves(invoice | credit_note)
            self.Ledger._selection_refusals(self.customer, self.company, self.usd, self.company, invoice, credit_note)
        self.assertEqual(called, [])


@tagged("post_install", "-at_install")
class TestToPayRoute(PayerPaymentCommon, HttpCase):
    """GET /my/payer-portal/to-pay?section=<company id>-<currency>: the TO PAY tab of one section,
    for the visitor of the page only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._portal_documents()
        cls.usd_key = f"{cls.company.id}-{cls.usd.name}"

    def _get(self, url, status=200):
        response = self.url_open(url, allow_redirects=False)
        self.assertEqual(response.status_code, status, url)
        return response

    def _to_pay(self, key=None, fragment=False, status=200):
        url = f"/my/payer-portal/to-pay?section={key or self.usd_key}" + ("&fragment=1" if fragment else "")
        response = self._get(url, status)
        return html.fromstring(response.content) if status == 200 else response

    def _activities(self, page):
        return {row.get("data-pay-activity") for row in page.xpath("//tr[hasclass('o_payer_pay_row')]")}

    def test_page_loads_to_pay_only_when_opened(self):
        self.authenticate("payer_paula", "payer_paula")
        page = html.fromstring(self._get("/my/payer-portal").content)
        self.assertFalse(page.xpath("//tr[hasclass('o_payer_pay_row')]"), "no TO PAY row in the page")
        [tab] = page.xpath(f"//section[@id='payer-section-{self.usd_key}']//a[hasclass('o_payer_tab_to_pay')]")
        self.assertEqual(tab.get("href"), f"/my/payer-portal/to-pay?section={self.usd_key}", "a link without JS")
        self.assertTrue(page.xpath(f"//div[@id='payer-to-pay-{self.usd_key}']//*[hasclass('o_payer_to_pay_loading')]"))
        # After a refused selection the page opens on that section's TO PAY, rendered inline.
        page = html.fromstring(self._get(f"/my/payer-portal?section={self.usd_key}&pay=1").content)
        usd = page.xpath(f"//section[@id='payer-section-{self.usd_key}']")[0]
        self.assertEqual(self._activities(usd), {self.invoice_a.name, self.invoice_b.name, self.credit_note.name})
        self.assertFalse(page.xpath("//section[@data-currency='EUR']//tr[hasclass('o_payer_pay_row')]"))

    def test_fragment_and_page_render_the_same_content(self):
        self.authenticate("payer_paula", "payer_paula")
        fragment = self._to_pay(fragment=True)
        self.assertEqual(fragment.tag, "div", "the tab's content alone")
        self.assertIn("o_payer_to_pay_content", fragment.get("class"))
        self.assertFalse(fragment.xpath("//header | //footer"))
        page = self._to_pay()
        self.assertTrue(page.xpath("//ol[hasclass('breadcrumb')]//a[@href='/my/payer-portal']"))
        expected = {self.invoice_a.name, self.invoice_b.name, self.credit_note.name}
        self.assertEqual(self._activities(fragment), expected)
        self.assertEqual(self._activities(page), expected)
        [amount] = page.xpath("//*[hasclass('o_payer_pay_all_amount')]/@data-value")
        self.assertEqual(amount, "450.00")

    def test_another_customers_section_shows_nothing_of_theirs(self):
        self.authenticate("payer_nora", "payer_nora")
        self._to_pay(status=404)  # Nora has nothing in USD: no such section
        own = self._invoice(55.0, days_late=3, partner=self.other_customer, today=self.today)
        page = self._to_pay()
        self.assertEqual(self._activities(page), {own.name}, "her own documents only")
        for key in ("0-USD", f"{self.company.id}-XXX", "junk", f"{self.company.id}-{self.usd.name}'--"):
            self._to_pay(key, status=404)

    def test_anonymous_visitor_is_sent_to_log_in(self):
        response = self._to_pay(status=303)
        self.assertIn("/web/login", response.headers["Location"])

    def test_preview_is_read_only(self):
        manager = self._account_manager("to_pay_manager")
        self.authenticate(manager.login, manager.login)
        self.url_open(f"/my/payer-portal/preview/{self.customer.id}")
        page = self._to_pay()
        self.assertEqual(self._activities(page), {self.invoice_a.name, self.invoice_b.name, self.credit_note.name})
        self.assertTrue(page.xpath("//input[hasclass('o_payer_pay_check')]"))
        self.assertFalse(page.xpath("//input[hasclass('o_payer_pay_check')][not(@disabled)]"), "nothing to select")
        self.assertFalse(page.xpath("//button[@type='submit']"), "no pay button")
        self.assertFalse(page.xpath("//*[hasclass('o_payer_pay_select_all')]"))

    def test_guest_by_link_sees_its_own_in_the_links_company_only(self):
        company_b = self.setup_other_company(name="Payer Company B")["company"]
        self._invoice(444.0, days_late=3, company=company_b, currency=company_b.currency_id, today=self.today)
        access = self.env["payer.portal.access"]._for_partner(self.customer, self.company)
        self._get(access._link_path())
        page = self._to_pay()
        self.assertEqual(self._activities(page), {self.invoice_a.name, self.invoice_b.name, self.credit_note.name})
        self._to_pay(f"{company_b.id}-{company_b.currency_id.name}", status=404)

    def test_sales_receipt_is_selectable_in_the_to_pay_tab(self):
        receipt = self._invoice(40.0, days_late=2, move_type="out_receipt", today=self.today)
        self.authenticate("payer_paula", "payer_paula")
        page = self._to_pay()
        [check] = page.xpath(f"//tr[@data-pay-activity='{receipt.name}']//input[hasclass('o_payer_pay_check')]")
        self.assertEqual((check.get("name"), check.get("disabled")), ("invoice_ids", None))
        [amount] = page.xpath("//*[hasclass('o_payer_pay_all_amount')]/@data-value")
        self.assertEqual(amount, "490.00", "PAY ALL says it pays the receipt too")


@tagged("post_install", "-at_install")
class TestLeanPages(PayerPaymentCommon, HttpCase):
    """The weight of the page and the number of its SQL queries, whatever the size of the account."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = cls.Ledger._today(cls.company)
        cls.gbp = cls.setup_other_currency("GBP", rates=[("2000-01-01", 0.8)])
        if cls.gbp in (cls.usd, cls.eur):
            cls.gbp = cls.setup_other_currency("CHF", rates=[("2000-01-01", 0.9)])

    def _create(self, count, currencies):
        moves = self.env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": self.customer.id,
                    "currency_id": currencies[i % len(currencies)].id,
                    "invoice_date": self.today - timedelta(days=i % 200 + 10),
                    "invoice_date_due": self.today - timedelta(days=i % 200 - 30),
                    "invoice_line_ids": [
                        Command.create({"name": f"Line {i}", "quantity": 1, "price_unit": 10 + i % 97, "tax_ids": []})
                    ],
                }
                for i in range(count)
            ]
        )
        moves.action_post()
        return moves

    def _queries(self, url):
        self.url_open(url)  # warm the caches
        before = self.cr.sql_log_count
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200, url)
        return self.cr.sql_log_count - before

    def test_page_weight_with_full_balance_pages_in_three_currencies(self):
        """50 rows in each of 3 currencies (the Balance pages of a customer with 10,000 open invoices):
        the whole page stays within the issue's 250 KiB, TO PAY not rendered."""
        currencies = self.usd | self.eur | self.gbp
        self._create(180, currencies)
        self._invoice(25.0, move_type="out_refund", today=self.today)
        self.authenticate("payer_paula", "payer_paula")
        response = self.url_open("/my/payer-portal")
        page = html.fromstring(response.content)
        self.assertEqual(len(page.xpath("//tr[hasclass('o_payer_row')]")), 150)
        self.assertFalse(page.xpath("//tr[hasclass('o_payer_pay_row')]"))
        self.assertEqual(len(page.xpath("//ul[hasclass('o_payer_row_menu_items')]")), 1, "one row menu per page")
        self.assertEqual(len(page.xpath("//*[hasclass('o_payer_invoice_menu_toggle')]")), 150)
        size = len(response.content)
        rows = sum(len(html.tostring(row)) for row in page.xpath("//tr[hasclass('o_payer_row_invoice')]")) / 150
        to_pay = self.url_open(f"/my/payer-portal/to-pay?section={self.company.id}-{self.usd.name}&fragment=1")
        _logger.info(
            "payer portal page: %.1f KiB for 150 Balance rows (%.0f bytes a row); TO PAY of 60 rows: %.1f KiB",
            size / 1024,
            rows,
            len(to_pay.content) / 1024,
        )
        self.assertLessEqual(size, PAGE_BUDGET)
        self.assertLessEqual(rows, 1100, "a Balance row is about as light as a row of Odoo's /my/invoices")

    def test_query_counts_do_not_grow_with_open_documents(self):
        """The page and the TO PAY route run as many SQL queries at 5 and at 60 open invoices."""
        self._invoice(25.0, move_type="out_refund", today=self.today)
        self._open_dispute(self._invoice(70.0, days_late=4, today=self.today))
        self.authenticate("payer_paula", "payer_paula")
        urls = (
            "/my/payer-portal",
            f"/my/payer-portal/to-pay?section={self.company.id}-{self.usd.name}",
            f"/my/payer-portal/to-pay?section={self.company.id}-{self.usd.name}&fragment=1",
        )
        self._create(5, self.usd)
        small = {url: self._queries(url) for url in urls}
        self._create(55, self.usd)
        large = {url: self._queries(url) for url in urls}
        self.assertEqual(small, large, "queries at 5 open invoices, then at 60")

    def test_odoos_invoice_list_asks_whether_rows_can_be_paid_in_constant_queries(self):
        """Odoo's /my/invoices asks each row whether it can be paid (``_has_to_be_paid``, which the
        payer portal extends: not disputed, no payment awaiting confirmation): the rows of the page
        are answered together, so the list does not cost more queries with more invoices."""
        self._invoice(25.0, move_type="out_refund", today=self.today)
        self.authenticate("payer_paula", "payer_paula")
        self._create(5, self.usd)
        small = self._queries("/my/invoices")
        self._create(25, self.usd)
        large = self._queries("/my/invoices")
        # Equal but for Odoo's own caches (one access rule may be read again): 25 more rows asked
        # one by one would cost 50 queries more.
        self.assertLessEqual(abs(large - small), 1, f"{small} queries at 6 documents, {large} at 31")
