"""Pay what you choose (issue 16, part A): an amount per invoice in TO PAY."""

import re
from datetime import timedelta

from lxml import html

from odoo.exceptions import UserError
from odoo.sql_db import db_connect
from odoo.tests import HttpCase, JsonRpcException, tagged
from odoo.tools import mute_logger

from .common import TODAY
from .test_payer_payment import PayerPaymentCommon


@tagged("post_install", "-at_install")
class TestPayAmounts(PayerPaymentCommon):
    """Model level: chosen amounts, set-off against them, partial reconciliation."""

    def _line(self, payment, move):
        return payment.line_ids.filtered(lambda line: line.move_id == move)

    def _terms(self, move):
        return move.line_ids.filtered(lambda line: line.display_type == "payment_term").sorted("date_maturity")

    def test_partial_amounts_across_three_invoices_with_a_credit_set_off(self):
        first = self._invoice(300.0, days_late=40)
        second = self._invoice(200.0, days_late=20)
        third = self._invoice(500.0, days_late=5)
        credit_note = self._invoice(150.0, move_type="out_refund")
        payment = self._select(
            [first, second, third], [credit_note], amounts={first.id: "100", second.id: "200", third.id: "250.50"}
        )
        self.assertEqual((payment.amount_invoices, payment.amount_credits, payment.amount), (550.5, 150.0, 400.5))
        # The credit goes to the oldest invoice first, never more than its chosen amount.
        self.assertEqual(
            [(setoff.invoice_move_id, setoff.amount) for setoff in payment.setoff_ids], [(first, 100.0), (second, 50.0)]
        )
        expected = {
            first: (300.0, 100.0, 100.0, 0.0),
            second: (200.0, 200.0, 50.0, 150.0),
            third: (500.0, 250.5, 0.0, 250.5),
        }
        for move, figures in expected.items():
            line = self._line(payment, move)
            self.assertEqual((line.amount_residual, line.amount_chosen, line.amount_setoff, line.amount_paid), figures)

        tx = self._demo_pay(self._transaction(payment))
        self.assertEqual((tx.amount, tx.payment_id.amount), (400.5, 400.5))
        self.assertEqual(payment.state, "done")
        self.assertEqual(
            (self._open(first), self._open(second), self._open(third), self._open(credit_note)),
            (200.0, 0.0, 249.5, 0.0),
        )
        self.assertEqual(first.payment_state, "partial")
        # The account manager reads the partial payment in Odoo's payment widget of the invoice.
        widget = third.invoice_payments_widget
        self.assertEqual([entry["amount"] for entry in widget["content"]], [250.5])
        self.assertEqual(widget["content"][0]["account_payment_id"], tx.payment_id.id)
        payment_line = tx.payment_id.move_id.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        self.assertTrue(payment_line.reconciled, "the payment is used in full, on exactly those amounts")
        paid = {
            partial.debit_move_id.move_id: partial.debit_amount_currency for partial in payment_line.matched_debit_ids
        }
        self.assertEqual(paid, {second: 150.0, third: 250.5})
        for move, (_open, _chosen, setoff, paid_now) in expected.items():
            line = self._line(payment, move)
            self.assertEqual((line.amount_setoff, line.amount_paid), (setoff, paid_now), "the outcome as planned")
        self.assertEqual(self._ledger_balance(self.usd), 449.5, "what was not chosen stays open")
        # What is left is payable again, for its rest.
        rows = {row["move"]: row for row in self.Ledger._get_rows(self.customer, self.company, self.usd, self.company)}
        self.assertEqual((rows[first]["payable_amount"], rows[third]["payable_amount"]), (200.0, 249.5))
        mail = self.env["mail.mail"].search([("model", "=", "payer.payment"), ("res_id", "=", payment.id)])
        self.assertIn("250.50", mail.body_html, "the receipt shows the chosen amounts")

    def test_installments_are_paid_earliest_first(self):
        invoice = self._invoice(1000.0, terms=self.installment_terms, invoice_date=TODAY)
        first, second = self._terms(invoice)
        payment = self._select([invoice], amounts={invoice.id: 700.0})
        self.assertEqual(
            [(i.move_line_id, i.amount_chosen, i.amount_paid) for i in payment.installment_ids],
            [(first, 500.0, 500.0), (second, 200.0, 200.0)],
        )
        self._demo_pay(self._transaction(payment))
        self.assertTrue(first.reconciled)
        self.assertEqual(second.amount_residual_currency, 300.0, "the later installment keeps the rest")
        self.assertEqual(second.date_maturity, TODAY + timedelta(days=60), "with its due date")

    def test_installment_smaller_than_the_first_one_leaves_the_later_untouched(self):
        invoice = self._invoice(1000.0, terms=self.installment_terms, invoice_date=TODAY)
        credit_note = self._invoice(50.0, move_type="out_refund")
        first, second = self._terms(invoice)
        payment = self._select([invoice], [credit_note], amounts={invoice.id: "120"})
        self.assertEqual(payment.amount, 70.0)
        self._demo_pay(self._transaction(payment))
        self.assertEqual((first.amount_residual_currency, second.amount_residual_currency), (380.0, 500.0))
        self.assertEqual(self._open(credit_note), 0.0)

    def test_credit_larger_than_the_chosen_amount_is_used_for_that_only(self):
        invoice = self._invoice(400.0, days_late=5)
        credit_note = self._invoice(250.0, move_type="out_refund")
        payment = self._select([invoice], [credit_note], amounts={invoice.id: "100"})
        self.assertEqual((payment.amount_credits, payment.amount), (100.0, 0.0))
        payment.action_confirm_setoff()
        self.assertEqual((self._open(invoice), self._open(credit_note)), (300.0, -150.0))
        self.assertEqual(payment.setoff_ids.amount_applied, 100.0)

    def test_pay_all_pays_every_payable_amount(self):
        first = self._invoice(300.0, days_late=40)
        second = self._invoice(200.0, days_late=5)
        disputed = self._invoice(90.0, days_late=5)
        self._open_dispute(disputed)
        self._pay(first, 120.0)
        to_pay = self.Ledger._to_pay(self.customer, self.company, self.usd, self.company, today=TODAY)
        self.assertEqual(to_pay["pay_all"]["amount"], 380.0)
        payment = self._select(pay_all=True)
        self.assertEqual({line.move_id: line.amount_chosen for line in payment.line_ids}, {first: 180.0, second: 200.0})
        self.assertEqual(payment.amount, 380.0)
        with self.assertRaisesRegex(UserError, "PAY ALL"):
            self._select(pay_all=True, amounts={first.id: "10"})

    def test_each_bad_amount_is_refused_and_nothing_is_created(self):
        invoice = self._invoice(100.0, days_late=5)
        other = self._invoice(50.0, days_late=5)
        before = self.Payment.search_count([])
        cases = {
            "0": "is zero",
            "0.00": "is zero",
            "-5": "cannot be negative",
            "100.01": "can be paid up to",
            "1000": "can be paid up to",
            "10.005": "more than 2 decimals",
            "NaN": "is not an amount",
            "1e309": "is not an amount",
            "inf": "is not an amount",
            "ten": "is not an amount",
            "12,5": "is not an amount",
            "1,00.5": "is not an amount",
            "<b>5</b>": "is not an amount",
            float("nan"): "is not an amount",
            -3.0: "cannot be negative",
            10.001: "more than 2 decimals",
        }
        for value, message in cases.items():
            with self.subTest(value=value), self.assertRaisesRegex(UserError, message):
                self._select([invoice], amounts={invoice.id: value})
        with self.assertRaisesRegex(UserError, "not selected"):
            self._select([invoice], amounts={invoice.id: "10", other.id: "5"})
        self.assertEqual(self.Payment.search_count([]), before)
        # Grouping in the customer's language is read; an empty amount is the invoice's balance.
        self.assertEqual(self._select([invoice], amounts={invoice.id: "99.5"}).amount, 99.5)
        self.assertEqual(self._select([invoice, other], amounts={invoice.id: " ", other.id: "1"}).amount, 101.0)

    def test_amounts_are_read_in_the_customers_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["res.lang"]._activate_lang("de_DE")
        invoice = self._invoice(2000.0, days_late=5)
        Payment = self.Payment
        self.assertEqual(Payment._parse_amount("1 234,56", self.usd, "fr_FR"), 1234.56)
        self.assertEqual(Payment._parse_amount("1\u202f234,5", self.usd, "fr_FR"), 1234.5)
        self.assertEqual(Payment._parse_amount("1.234,56", self.usd, "de_DE"), 1234.56)
        self.assertEqual(Payment._parse_amount("1,234.56", self.usd, "en_US"), 1234.56)
        for text, lang in (("12.50", "fr_FR"), ("12.50", "de_DE"), ("12,50", "en_US"), ("1.234.5", "de_DE")):
            with self.subTest(text=text, lang=lang), self.assertRaises(ValueError):
                Payment._parse_amount(text, self.usd, lang)
        with self.assertRaisesRegex(UserError, r"1\s234,55"):
            self._select([invoice], amounts={invoice.id: "12.50"}, lang="fr_FR")
        payment = self._select([invoice], amounts={invoice.id: "1 000,25"}, lang="fr_FR")
        self.assertEqual(payment.amount, 1000.25)

    def test_minimum_card_payment_of_the_company(self):
        invoice = self._invoice(100.0, days_late=5)
        credit_note = self._invoice(80.0, move_type="out_refund")
        self.assertEqual(self._select([invoice], [credit_note]).amount, 20.0, "no minimum by default")
        self.company.payer_min_card_payment = 25.0
        before = self.Payment.search_count([])
        with self.assertRaisesRegex(UserError, "the least that can be paid online"):
            self._select([invoice], [credit_note])
        with self.assertRaisesRegex(UserError, "the least that can be paid online"):
            self._select([invoice], amounts={invoice.id: "24.99"})
        self.assertEqual(self.Payment.search_count([]), before)
        self.assertEqual(self._select([invoice], amounts={invoice.id: "25"}).amount, 25.0)
        self.assertEqual(
            self._select([invoice], [credit_note], amounts={invoice.id: "80"}).amount, 0.0, "a set-off needs no card"
        )

    def test_amount_above_what_is_payable_now_is_refused_before_paying(self):
        invoice = self._invoice(100.0, days_late=5)
        payment = self._select([invoice], amounts={invoice.id: "60"})
        self._pay(invoice, 30.0)
        with self.assertRaisesRegex(UserError, "Your account changed"):
            self._transaction(payment)
        again = self._select([invoice], amounts={invoice.id: "60"})
        self._demo_pay(self._transaction(again))
        self.assertEqual(self._open(invoice), 10.0)

    def test_setoff_never_applies_more_than_the_chosen_amount(self):
        """A credit unreconciled by the accountant meanwhile grows: its pair with an invoice of
        which the customer chose part is applied for the planned amount at most."""
        invoice = self._invoice(300.0, days_late=10)
        elsewhere = self._invoice(200.0, days_late=60)
        credit_note = self._invoice(300.0, move_type="out_refund")
        self._reconcile(elsewhere, credit_note)
        payment = self._select([invoice], [credit_note], amounts={invoice.id: "150"})
        self.assertEqual((payment.setoff_ids.amount, payment.amount), (100.0, 50.0))
        tx = self._transaction(payment)
        credit_note.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        ).remove_move_reconcile()
        self._demo_pay(tx)
        self.assertLessEqual(payment.setoff_ids.amount_applied, 100.0)
        self.assertGreaterEqual(self._open(invoice), 150.0, "never more than the chosen 150 is settled")

    def test_foreign_currency_partial_amount(self):
        invoice = self._invoice(100.0, days_late=10, currency=self.eur)
        payment = self._select([invoice], currency=self.eur, amounts={invoice.id: "40"})
        tx = self._demo_pay(self._transaction(payment))
        self.assertEqual(tx.payment_id.amount, 40.0)
        self.assertEqual(self._open(invoice), 60.0)
        term = self._terms(invoice)
        self.assertAlmostEqual(term.amount_residual, 120.0, places=2, msg="60 EUR at the rate of 0.5 EUR per USD")


@tagged("post_install", "-at_install")
class TestPayAmountsPortal(PayerPaymentCommon, HttpCase):
    """Routes: amounts typed in TO PAY, checked by the server; preselection from a link."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._portal_documents()
        cls.other_invoice = cls._invoice(55.0, days_late=3, partner=cls.other_customer, today=cls.today)

    def _to_pay_url(self, query=""):
        return f"/my/payer-portal/to-pay?section={self.company.id}-{self.usd.name}{query}"

    def _csrf(self):
        return re.search(r'csrf_token: "([^"]+)"', self.url_open("/my/payer-portal").text).group(1)

    def _post(self, invoices=(), credit_docs=(), amounts=None, mode="selected"):
        data = {
            "company_id": self.company.id,
            "currency_id": self.usd.id,
            "mode": mode,
            "invoice_ids": [m.id for m in invoices],
            "credit_ids": [m.id for m in credit_docs],
            "csrf_token": self._csrf(),
        }
        for move, value in (amounts or {}).items():
            data[f"amount_{move.id}"] = value
        return self.url_open("/my/payer-portal/pay", data=data, allow_redirects=False)

    def _flash(self):
        return html.fromstring(self.url_open("/my/payer-portal").content).xpath(
            "string(//*[contains(@class, 'o_payer_pay_error')])"
        )

    def _payments(self):
        return self.Payment.search([("partner_id", "=", self.customer.id)], order="id")

    def _transaction_request(self, payment, amount):
        params = {
            "provider_id": self.provider.id,
            "payment_method_id": self.provider.payment_method_ids[:1].id,
            "token_id": None,
            "amount": amount,
            "flow": "direct",
            "tokenization_requested": False,
            "landing_route": "/anywhere",
            "is_validation": False,
            "csrf_token": self._csrf(),
        }
        response = self.url_open(
            f"/my/payer-portal/pay/{payment.id}/transaction",
            json={"id": 0, "jsonrpc": "2.0", "method": "call", "params": params},
        ).json()
        if "error" in response:
            raise JsonRpcException(response["error"]["code"], response["error"]["data"]["message"])
        return response["result"]

    def test_chosen_amounts_are_the_servers_reading_of_the_form(self):
        self.authenticate("payer_paula", "payer_paula")
        response = self._post(
            [self.invoice_a, self.invoice_b], [self.credit_note], amounts={self.invoice_a: "120.50", self.invoice_b: ""}
        )
        self.assertEqual(response.status_code, 303)
        payment = self._payments()
        self.assertEqual(
            {line.move_id: line.amount_chosen for line in payment.line_ids if line.kind == "invoice"},
            {self.invoice_a: 120.5, self.invoice_b: 200.0},
        )
        self.assertEqual(payment.amount, 270.5)
        summary = html.fromstring(self.url_open(f"/my/payer-portal/pay/{payment.id}").content)
        self.assertEqual(summary.xpath(f"//tr[@data-activity='{self.invoice_a.name}']/@data-chosen"), ["120.50"])
        self.assertEqual(summary.xpath(f"//tr[@data-activity='{self.invoice_a.name}']/@data-left"), ["179.50"])
        self.assertEqual(summary.xpath("//*[contains(@class, 'o_payer_payment_amount')]/@data-value"), ["270.50"])

    def test_tampered_amounts_are_refused_and_nothing_is_created(self):
        self.authenticate("payer_paula", "payer_paula")
        cases = {
            "above payable": ([self.invoice_a], {self.invoice_a: "300.01"}, "can be paid up to"),
            "unselected invoice": ([self.invoice_a], {self.invoice_b: "10"}, "not selected"),
            "another customer's, unselected": ([self.invoice_a], {self.other_invoice: "10"}, "not selected"),
            "another customer's, selected": (
                [self.invoice_a, self.other_invoice],
                {self.other_invoice: "10"},
                "not one of your invoices",
            ),
            "wrong separator": ([self.invoice_a], {self.invoice_a: "12,50"}, "is not an amount"),
            "negative": ([self.invoice_a], {self.invoice_a: "-1"}, "cannot be negative"),
        }
        for case, (invoices, amounts, message) in cases.items():
            with self.subTest(case):
                response = self._post(invoices, amounts=amounts)
                self.assertEqual(response.status_code, 303)
                self.assertIn(message, self._flash())
        self.assertFalse(self._payments())
        self.assertNotIn(self.other_invoice.name, self._flash() or "", "another customer's invoice is not named")

    def test_refused_form_shows_the_selection_back_with_the_message(self):
        self.authenticate("payer_paula", "payer_paula")
        response = self._post([self.invoice_a, self.invoice_b], amounts={self.invoice_a: "12,50"})
        page = html.fromstring(self.url_open(response.headers["Location"]).content)
        self.assertIn("is not an amount", page.xpath("string(//*[contains(@class, 'o_payer_pay_error')])"))
        self.assertEqual(page.xpath(f"//input[@id='payer_amount_{self.invoice_a.id}']/@value"), ["12,50"])
        self.assertEqual(page.xpath(f"//input[@id='payer_amount_{self.invoice_b.id}']/@value"), ["200.00"])
        checked = page.xpath("//tr[contains(@class, 'o_payer_pay_row_invoice')]//input[@checked]/@value")
        self.assertEqual(sorted(map(int, checked)), sorted((self.invoice_a | self.invoice_b).ids))

    def test_pay_all_ignores_typed_amounts_and_says_what_it_charges(self):
        self.authenticate("payer_paula", "payer_paula")
        page = html.fromstring(self.url_open(self._to_pay_url()).content)
        self.assertIn("whole amount payable now", page.xpath("string(//*[contains(@class, 'o_payer_pay_all_info')])"))
        self._post([self.invoice_a], [self.credit_note], amounts={self.invoice_a: "10"}, mode="all")
        payment = self._payments()
        self.assertEqual((payment.amount_invoices, payment.amount), (500.0, 450.0))

    def test_replay_with_other_amounts_is_a_new_selection(self):
        self.authenticate("payer_paula", "payer_paula")
        self._post([self.invoice_a], amounts={self.invoice_a: "100"})
        first = self._payments()
        self._transaction_request(first, 100.0)
        with self.assertRaisesRegex(JsonRpcException, "does not match"):
            self._transaction_request(first, 150.0)
        self._post([self.invoice_a], amounts={self.invoice_a: "150"})
        second = self._payments() - first
        self.assertEqual(second.amount, 150.0)
        self._transaction_request(second, 150.0)
        self.assertEqual(first.transaction_ids.state, "cancel", "the first attempt can no longer be charged")
        with mute_logger("odoo.addons.payment.models.payment_transaction"):
            self._demo_pay(first.transaction_ids)
        self._demo_pay(second.transaction_ids)
        self.assertEqual(self._open(self.invoice_a), 150.0, "charged once, for the new amount")
        self.assertEqual(
            self._ledger_balance(self.usd) - self._open(self.invoice_b) - self._open(self.credit_note), 150.0
        )

    def test_two_requests_at_once_end_with_one_transaction(self):
        self.authenticate("payer_paula", "payer_paula")
        self._post([self.invoice_a], amounts={self.invoice_a: "99.99"})
        payment = self._payments()
        with db_connect(self.env.cr.dbname).cursor() as other:
            other.execute("SELECT pg_advisory_xact_lock(%s, %s)", (725_019, self.invoice_a.id))
            with self.assertRaisesRegex(JsonRpcException, "another window"):
                self._transaction_request(payment, 99.99)
        self.assertFalse(payment.transaction_ids)
        self._transaction_request(payment, 99.99)
        self._transaction_request(payment, 99.99)
        self.assertEqual(len(payment.transaction_ids), 1)

    def test_link_preselects_invoices_and_amounts(self):
        self.authenticate("payer_paula", "payer_paula")
        query = (
            f"&select={self.invoice_a.id},{self.other_invoice.id}&amount=120.5&amount=1"
            f"&select={self.invoice_b.id}&amount=9999"
        )
        page = html.fromstring(self.url_open(self._to_pay_url(query)).content)
        inputs = {
            row.get("data-pay-activity"): (
                bool(row.xpath(".//input[contains(@class, 'o_payer_pay_check')]/@checked")),
                row.xpath(".//input[contains(@class, 'o_payer_pay_amount')]/@value"),
            )
            for row in page.xpath("//tr[contains(@class, 'o_payer_pay_row_invoice')]")
        }
        self.assertEqual(inputs[self.invoice_a.name], (True, ["120.50"]))
        self.assertEqual(inputs[self.invoice_b.name], (True, ["200.00"]), "lowered to what is payable")
        self.assertNotIn(self.other_invoice.name, inputs)
        label = page.xpath(f"//label[@for='payer_amount_{self.invoice_a.id}']")
        self.assertTrue(label, "each amount input has its label")
        amount_input = page.xpath(f"//input[@id='payer_amount_{self.invoice_a.id}']")[0]
        self.assertEqual(amount_input.get("inputmode"), "decimal")
        button = page.xpath("//button[contains(@class, 'o_payer_pay_selected')]")[0]
        self.assertIsNone(button.get("disabled"), "a browser without JavaScript can send the form")

    def test_amount_inputs_in_the_customers_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.contact.lang = "fr_FR"
        big = self._invoice(1234.5, days_late=2, today=self.today)
        self.authenticate("payer_paula", "payer_paula")
        page = html.fromstring(self.url_open(self._to_pay_url(f"&select={big.id}")).content)
        value = page.xpath(f"//input[@id='payer_amount_{big.id}']/@value")[0]
        self.assertRegex(value, r"^1\s234,50$")
        form = page.xpath("//form[contains(@class, 'o_payer_to_pay_form')]")[0]
        self.assertEqual(form.get("data-decimal-point"), ",", "the page's script reads amounts in French too")
        self._post([big], amounts={big: "1 000,5"})
        self.assertEqual(self._payments().amount_invoices, 1000.5)
        self._post([big], amounts={big: "1000.5"})
        self.assertIn("1", self._flash())
        self.assertEqual(len(self._payments()), 1, "12.50 is not an amount in French")

    def test_pay_amounts_tour(self):
        self.start_tour("/my/payer-portal", "account_payer_portal_pay_amounts", login="payer_paula")
        payment = self._payments()
        self.assertEqual((payment.state, payment.amount), ("done", 270.5))
        self.assertEqual(
            (self._open(self.invoice_a), self._open(self.invoice_b), self._open(self.credit_note)), (179.5, 0.0, 0.0)
        )


@tagged("post_install", "-at_install")
class TestPayAmountsBackend(PayerPaymentCommon):
    def test_account_manager_sees_per_invoice_chosen_set_off_and_paid(self):
        invoice = self._invoice(400.0, days_late=5)
        credit_note = self._invoice(30.0, move_type="out_refund")
        payment = self._select([invoice], [credit_note], amounts={invoice.id: "100"})
        manager = self._account_manager("payer_amounts_manager")
        form = (
            self.env["payer.payment"]
            .with_user(manager)
            .get_view(self.env.ref("account_payer_portal.payer_payment_view_form").id, "form")["arch"]
        )
        for field in ("amount_residual", "amount_chosen", "amount_setoff", "amount_paid", "installment_ids"):
            self.assertIn(f'name="{field}"', form)
        line = payment.with_user(manager).line_ids.filtered(lambda line: line.move_id == invoice)
        self.assertEqual(
            (line.amount_residual, line.amount_chosen, line.amount_setoff, line.amount_paid), (400.0, 100.0, 30.0, 70.0)
        )
        self.assertEqual(payment.with_user(manager).installment_ids.amount_paid, 70.0)

    def test_minimum_card_payment_is_a_company_setting(self):
        settings = self.env["res.config.settings"].create({"payer_min_card_payment": 15.0})
        settings.execute()
        self.assertEqual(self.env.company.payer_min_card_payment, 15.0)
        self.assertFalse(self.env["res.company"].create({"name": "New Ltd"}).payer_min_card_payment, "empty by default")


@tagged("post_install", "-at_install")
class TestPayAmountsLargePayment(PayerPaymentCommon):
    """Chosen amounts in a payment recorded by the job (batches of 2 documents past 3)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param("account_payer_portal.large_payment_documents", "3")
        params.set_param("account_payer_portal.large_payment_batch", "2")

    def test_job_reconciles_each_invoice_for_its_chosen_amount_only(self):
        invoices = self.env["account.move"]
        for index in range(5):
            invoices |= self._invoice(100.0, days_late=50 - index)
        credit_note = self._invoice(30.0, move_type="out_refund")
        amounts = {invoices[0].id: "40", invoices[2].id: "10.5", invoices[4].id: "99.99"}
        payment = self._select(invoices, [credit_note], amounts=amounts)
        self.assertEqual(payment.amount, 320.49)
        tx = self._transaction(payment)
        tx._process("demo", {"reference": tx.reference, "simulated_state": "done"})
        tx._post_process()
        self.assertTrue(tx.payer_recording, "handed to the job")
        for _step in range(20):
            if tx._payer_record_step()[1]:
                break
        self.assertEqual(payment.state, "done")
        self.assertEqual([self._open(invoice) for invoice in invoices], [60.0, 0.0, 89.5, 0.0, 0.01])
        self.assertEqual(self._open(credit_note), 0.0)
        payment_line = tx.payment_id.move_id.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        self.assertTrue(payment_line.reconciled, "the payment is used in full")
        self.assertEqual(payment._portal_status_values()["recorded"], 5)
