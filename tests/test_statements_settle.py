import io
import json
from datetime import date, datetime, timedelta

import openpyxl
from freezegun import freeze_time
from lxml import html

from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged

from .common import TODAY, PayerPortalCommon

NOON = datetime(TODAY.year, TODAY.month, TODAY.day, 12, 0)


class StatementsSettleCommon(PayerPortalCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Statement = cls.env["payer.statement"]

    @classmethod
    def _payment(cls, amount, when, currency=None):
        """An unallocated customer payment dated ``when``."""
        payment = cls.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": cls.customer.id,
                "amount": amount,
                "currency_id": (currency or cls.usd).id,
                "journal_id": cls.company_data["default_journal_bank"].id,
                "date": when,
            }
        )
        payment.action_post()
        return payment

    def _statement(self, date_from, date_to):
        return self.Statement._get_statement_data(self.customer, self.company, date_from, date_to)

    def _statement_section(self, data, currency):
        found = [s for s in data["sections"] if s["currency"] == currency]
        return found[0] if found else None

    def _assert_settles(self, section):
        """opening + movements = closing = the aging's Balance Due as of To."""
        movements = sum(line["debit"] - line["credit"] for line in section["lines"])
        self.assertAlmostEqual(section["opening"] + movements, section["closing"])
        self.assertEqual(section["closing"], section["aging"]["balance_due"])
        if section["lines"]:
            self.assertAlmostEqual(section["lines"][-1]["balance"], section["closing"])


@tagged("post_install", "-at_install")
class TestPositionAsOfToday(StatementsSettleCommon):
    """An invoice of 100 paid by a payment dated in five days, and an unallocated payment of 40
    dated in three days: as of today the customer owes 100, on every page."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoice = cls._invoice(100.0, days_late=10)
        cls.later_payment = cls._pay(cls.invoice, 100.0, days_ago=-5)
        cls.unallocated = cls._payment(40.0, TODAY + timedelta(days=3))
        # partly settled after today: 30 of 250, by a payment dated tomorrow
        cls.partly = cls._invoice(250.0, days_late=5)
        cls.partly_payment = cls._pay(cls.partly, 30.0, days_ago=-1)

    def test_portal_position_counts_only_what_is_dated_on_or_before_today(self):
        section = self._section(self.usd)
        self.assertEqual(section["balance_due"], 350.0)
        self.assertEqual(section["credits"], 0.0, "a payment dated in three days is not a credit today")
        self.assertEqual(section["days_0_30"], 350.0)
        self.assertEqual(section["invoice_count"], 2)

    def test_portal_position_equals_the_statement_ending_today(self):
        section = self._section(self.usd)
        statement = self._statement_section(self._statement(TODAY - timedelta(days=90), TODAY), self.usd)
        self.assertEqual(statement["closing"], section["balance_due"])
        for figure in ("outstanding", "amount_due", "days_0_30", "days_31_60", "credits", "balance_due"):
            self.assertEqual(statement["aging"][figure], section[figure], figure)

    def test_position_of_a_later_day_counts_the_later_entries(self):
        section = self._section(self.usd, today=TODAY + timedelta(days=5))
        self.assertEqual(section["balance_due"], 100.0 + 250.0 - 100.0 - 30.0 - 40.0)
        self.assertEqual(section["credits"], -40.0)

    def test_invoice_settled_after_today_is_listed_open_and_marked(self):
        rows = {row["move"]: row for row in self.Ledger._get_rows(self.customer, self.company, self.usd, today=TODAY)}
        self.assertEqual(set(rows), {self.invoice, self.partly}, "the payment dated in three days is not listed")
        row = rows[self.invoice]
        self.assertEqual((row["balance"], row["payment"]), (100.0, 0.0))
        self.assertEqual(row["status"], "settled_later")
        self.assertEqual(row["settled_later"], [(self.later_payment.move_id.name, TODAY + timedelta(days=5))])
        self.assertEqual(rows[self.partly]["balance"], 250.0)
        self.assertEqual(rows[self.partly]["status"], "settled_later")

    def test_invoice_settled_after_today_is_not_payable(self):
        with freeze_time(NOON), self.assertRaisesRegex(UserError, "settled by"):
            self.env["payer.payment"]._create_from_selection(
                self.customer, self.company, self.usd, invoice_ids=[self.partly.id], companies=self.company
            )

    def test_pay_all_leaves_what_is_settled_or_dated_after_today(self):
        other = self._invoice(60.0, days_late=3)
        with freeze_time(NOON):
            payable = self.Ledger._payable_documents(self.customer, self.company, self.usd, self.company)
            self.assertEqual(payable["invoices"], other)
            self.assertFalse(payable["credit_docs"], "a payment dated in three days is not set off today")
            payment = self.env["payer.payment"]._create_from_selection(
                self.customer, self.company, self.usd, pay_all=True, companies=self.company
            )
        self.assertEqual((payment.amount_invoices, payment.amount_credits, payment.amount), (60.0, 0.0, 60.0))

    def test_account_status_email_shows_the_position_of_today(self):
        with freeze_time(NOON):
            body = str(self.customer._payer_reminder_body())
        self.assertIn("350.00", body)
        self.assertNotIn("-40.00", body)


@tagged("post_install", "-at_install")
class TestSettlementsInAnotherCurrency(StatementsSettleCommon):
    """EUR invoices (1 USD = 0.5 EUR, then 0.4 EUR from May) settled by USD payments through
    Odoo's payment register: one before the period, one partly then fully inside it (with an
    exchange difference)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.currency.rate"].create(
            {"name": "2026-05-01", "rate": 0.4, "currency_id": cls.eur.id, "company_id": cls.company.id}
        )
        cls.inv_before = cls._invoice(
            1000.0, currency=cls.eur, invoice_date=date(2026, 3, 1), invoice_date_due=date(2026, 3, 31)
        )
        cls.pay_before = cls._register(cls.inv_before, 2000.0, date(2026, 3, 10))
        cls.inv_in = cls._invoice(
            1000.0, currency=cls.eur, invoice_date=date(2026, 4, 1), invoice_date_due=date(2026, 4, 30)
        )
        cls.pay_partial = cls._register(cls.inv_in, 1000.0, date(2026, 5, 10))
        cls.pay_rest = cls._register(cls.inv_in, 1500.0, date(2026, 5, 20))

    @classmethod
    def _register(cls, invoice, usd, when):
        return (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create(
                {"amount": usd, "currency_id": cls.usd.id, "payment_date": when, "payment_difference_handling": "open"}
            )
            ._create_payments()
        )

    def test_the_ledger_is_what_the_test_expects(self):
        self.assertEqual((self.inv_before.amount_residual, self.inv_in.amount_residual), (0.0, 0.0))
        exchange = self.env["account.move"].search(
            [
                ("journal_id", "=", self.company.currency_exchange_journal_id.id),
                ("line_ids.partner_id", "=", self.customer.id),
            ]
        )
        self.assertTrue(exchange, "the USD payment at another rate left an exchange difference")

    def test_settlement_is_a_movement_in_each_currency(self):
        data = self._statement(date(2026, 5, 1), date(2026, 5, 31))
        eur = self._statement_section(data, self.eur)
        usd = self._statement_section(data, self.usd)
        settled = [(line["description"], line["credit"], line["date"]) for line in eur["lines"]]
        self.assertEqual(
            settled,
            [
                (f"Settled by {self.pay_partial.move_id.name} (USD 800.00)", 400.0, date(2026, 5, 10)),
                (f"Settled by {self.pay_rest.move_id.name} (USD 1,200.00)", 600.0, date(2026, 5, 20)),
            ],
        )
        self.assertEqual({line["reference"] for line in eur["lines"]}, {self.inv_in.name})
        # Odoo settles the invoice at its own rate (USD 800 for EUR 400) and books the rest of
        # each USD payment as an exchange difference in USD, dated at the end of the month.
        applied = [(line["description"], line["debit"]) for line in usd["lines"] if line["kind"] == "settlement"]
        self.assertEqual(
            applied,
            [
                (f"Applied to {self.inv_in.name} (EUR 400.00)", 800.0),
                (f"Applied to {self.inv_in.name} (EUR 600.00)", 1200.0),
            ],
        )
        exchange = [(line["date"], line["debit"]) for line in usd["lines"] if line["kind"] == "other"]
        self.assertEqual(exchange, [(date(2026, 5, 31), 200.0), (date(2026, 5, 31), 300.0)])
        self.assertEqual((usd["debit"], usd["credit"]), (2500.0, 2500.0))
        self.assertEqual((eur["debit"], eur["credit"]), (0.0, 1000.0))

    def test_opening_counts_the_settlements_made_before_from(self):
        data = self._statement(date(2026, 5, 1), date(2026, 5, 31))
        self.assertEqual(self._statement_section(data, self.eur)["opening"], 1000.0)
        self.assertEqual(self._statement_section(data, self.usd)["opening"], 0.0)

    def test_opening_movements_closing_and_aging_agree_in_every_currency(self):
        for date_from, date_to in (
            (date(2026, 5, 1), date(2026, 5, 31)),
            (date(2026, 5, 1), date(2026, 5, 15)),
            (date(2026, 3, 5), date(2026, 4, 30)),
            (date(2026, 1, 1), TODAY),
        ):
            data = self._statement(date_from, date_to)
            for section in data["sections"]:
                with self.subTest(period=(date_from, date_to), currency=section["currency"].name):
                    self._assert_settles(section)
        mid_may = self._statement(date(2026, 5, 1), date(2026, 5, 15))
        self.assertEqual(self._statement_section(mid_may, self.eur)["closing"], 600.0)
        # USD 200 of the first payment is open until its exchange difference (May 31)
        self.assertEqual(self._statement_section(mid_may, self.usd)["closing"], -200.0)

    def test_exchange_differences_are_no_foreign_amounts(self):
        data = self._statement(date(2026, 5, 1), date(2026, 5, 31))
        eur = self._statement_section(data, self.eur)
        self.assertEqual(len(eur["lines"]), 2, "only the two settlements move the EUR balance")
        self.assertEqual(eur["closing"], 0.0)
        usd = self._statement_section(data, self.usd)
        self.assertEqual(
            {line["reference"][:4] for line in usd["lines"] if line["kind"] == "other"}, {"EXCH"}, "in dollars"
        )

    def test_spreadsheet_closing_is_the_aging_balance_due(self):
        data = self._statement(date(2026, 5, 1), date(2026, 5, 15))
        workbook = openpyxl.load_workbook(io.BytesIO(self.Statement._get_statement_xlsx(data)))
        sheet = workbook["EUR"]
        closing = [row[6].value for row in sheet.iter_rows() if row[2].value == "Closing balance"]
        balance_due = [row[6].value for row in sheet.iter_rows() if row[2].value == "Balance Due"]
        self.assertEqual(closing, [600.0])
        self.assertEqual(balance_due, [600.0])
        descriptions = [row[2].value for row in sheet.iter_rows()]
        self.assertIn(f"Settled by {self.pay_partial.move_id.name} (USD 800.00)", descriptions)


@tagged("post_install", "-at_install")
class TestStatementFormatsAgree(StatementsSettleCommon):
    def test_spreadsheet_shows_what_the_page_and_pdf_show(self):
        invoice = self._invoice(500.0, days_late=20)
        self._pay(invoice, 120.0, days_ago=3)
        data = self._statement(TODAY - timedelta(days=60), TODAY)
        section = self._statement_section(data, self.usd)
        sheet = openpyxl.load_workbook(io.BytesIO(self.Statement._get_statement_xlsx(data)))[self.usd.name]
        rows = {row[2].value: row for row in sheet.iter_rows() if row[2].value}
        closing = rows["Closing balance"]
        self.assertEqual(
            (closing[4].value, closing[5].value, closing[6].value), (section["debit"], section["credit"], 380.0)
        )
        self.assertEqual((section["debit"], section["credit"]), (500.0, 120.0))
        self.assertNotIn("Outstanding", rows, "the page and the PDF have no Outstanding aging row")
        self.assertEqual(rows["Balance Due"][6].value, 380.0)


@tagged("post_install", "-at_install")
class TestStatementWizardPrint(StatementsSettleCommon, HttpCase):
    def test_wizard_print_prints_the_customers_of_the_action(self):
        """The web client opens the wizard's report action as /report/<type>/<name>?options=<data>
        &context=<context with active_ids>: without ids in the path."""
        self._invoice(321.0, days_late=5)
        self._account_manager("statement_clerk")
        action = (
            self.env["payer.statement.send"]
            .with_context(active_model="res.partner", active_ids=self.contact.ids)
            .create({"date_from": TODAY - timedelta(days=60), "date_to": TODAY})
            .with_context(discard_logo_check=True)
            .action_print()
        )
        self.authenticate("statement_clerk", "statement_clerk")
        response = self.url_open(
            f"/report/html/{action['report_name']}",
            params={"options": json.dumps(action["data"]), "context": json.dumps(action["context"])},
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.customer.name, response.text)
        self.assertIn("321.00", response.text)

    def test_the_customers_menus_name_the_two_statement_entries_apart(self):
        bound = self.env["ir.actions.actions"].search(
            [("binding_model_id.model", "=", "res.partner"), ("name", "ilike", "Statement of account")]
        )
        self.assertEqual(len(bound), 2)
        self.assertEqual(len(set(bound.mapped("name"))), 2, "two entries, two names")

    def test_an_invoicing_user_sends_the_statement_by_email(self):
        self._invoice(321.0, days_late=5)
        self.customer.email = "accounts@brightway.example.com"
        clerk = self._account_manager("statement_sender")
        self.assertFalse(clerk.has_group("base.group_partner_manager"))
        (
            self.env["payer.statement.send"]
            .with_user(clerk)
            .with_context(active_model="res.partner", active_ids=self.customer.ids)
            .create({"date_from": TODAY - timedelta(days=60), "date_to": TODAY})
            .action_send()
        )
        # A notification of the customer's recipients, not a chatter post (see test_trust_statements):
        # found through its outgoing email.
        message = (
            self.env["mail.mail"]
            .search([("model", "=", "res.partner"), ("res_id", "=", self.customer.id)])
            .mail_message_id
        )
        self.assertEqual(message.author_id, clerk.partner_id)
        self.assertEqual(message.attachment_ids.mimetype, "application/pdf")


@tagged("post_install", "-at_install")
class TestPositionAsOfTodayPage(StatementsSettleCommon, HttpCase):
    def test_page_lists_the_invoice_settled_after_today_open_marked_and_not_selectable(self):
        invoice = self._invoice(100.0, days_late=10)
        payment = self._pay(invoice, 100.0, days_ago=-5)
        self._payment(40.0, TODAY + timedelta(days=3))
        self.authenticate("payer_paula", "payer_paula")
        with freeze_time(NOON):
            response = self.url_open("/my/payer-portal")
        self.assertEqual(response.status_code, 200)
        page = html.fromstring(response.content)
        figure = page.xpath("//*[@data-payer-figure='balance_due']/@data-value")
        self.assertEqual(figure[:1], ["100.00"])
        [row] = page.xpath("//tr[hasclass('o_payer_row')]")
        self.assertEqual((row.get("data-activity"), row.get("data-status")), (invoice.name, "settled_later"))
        self.assertEqual(row.get("data-balance"), "100.00")
        badge = " ".join(row.xpath("string(.//*[hasclass('o_payer_settled_later')])").split())
        self.assertIn(f"Settled by {payment.move_id.name} on", badge)
        with freeze_time(NOON):
            response = self.url_open(f"/my/payer-portal/to-pay?section={self.company.id}-USD")
        page = html.fromstring(response.content)
        [check] = page.xpath("//tr[hasclass('o_payer_pay_row')]//input[hasclass('o_payer_pay_check')]")
        self.assertIsNotNone(check.get("disabled"), "not selectable")
