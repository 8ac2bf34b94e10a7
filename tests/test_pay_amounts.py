"""Pay what you choose (issue 16, part A): an amount per invoice in TO PAY."""

from odoo.exceptions import UserError
from odoo.tests import tagged

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
        self.assertEqual(
            (payment.amount_invoices, payment.amount_credits, payment.amount), (550.5, 150.0, 400.5)
        )
        # The credit goes to the oldest invoice first, never more than its chosen amount.
        self.assertEqual(
            [(setoff.invoice_move_id, setoff.amount) for setoff in payment.setoff_ids], [(first, 100.0), (second, 50.0)]
        )
        expected = {first: (300.0, 100.0, 100.0, 0.0), second: (200.0, 200.0, 50.0, 150.0), third: (500.0, 250.5, 0.0, 250.5)}
        for move, figures in expected.items():
            line = self._line(payment, move)
            self.assertEqual((line.amount_residual, line.amount_chosen, line.amount_setoff, line.amount_paid), figures)

        tx = self._demo_pay(self._transaction(payment))
        self.assertEqual((tx.amount, tx.payment_id.amount), (400.5, 400.5))
        self.assertEqual(payment.state, "done")
        self.assertEqual(
            (self._open(first), self._open(second), self._open(third), self._open(credit_note)), (200.0, 0.0, 249.5, 0.0)
        )
        self.assertEqual(first.payment_state, "partial")
        payment_line = tx.payment_id.move_id.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        self.assertTrue(payment_line.reconciled, "the payment is used in full, on exactly those amounts")
        paid = {partial.debit_move_id.move_id: partial.debit_amount_currency for partial in payment_line.matched_debit_ids}
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
        self.assertEqual(second.date_maturity, TODAY + __import__("datetime").timedelta(days=60))

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
        self.assertEqual(
            {line.move_id: line.amount_chosen for line in payment.line_ids}, {first: 180.0, second: 200.0}
        )
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
