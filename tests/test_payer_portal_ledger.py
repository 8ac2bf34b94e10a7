from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from .common import TODAY, PayerPortalCommon


@tagged("post_install", "-at_install")
class TestPayerPortalLedger(PayerPortalCommon):
    def test_bucket_boundaries(self):
        """Due today is not yet due; 1-30, 31-60, 61-90 and over 90 days past due age apart."""
        amounts = {0: 1.0, -5: 2.0, 1: 4.0, 30: 8.0, 31: 16.0, 60: 32.0, 61: 64.0, 90: 128.0, 91: 256.0}
        for days_late, amount in amounts.items():
            self._invoice(amount, days_late=days_late)
        with freeze_time(datetime(2026, 6, 15, 12, 0)):
            [section] = self.Ledger._get_sections(self.customer, self.company)
        self.assertEqual(section["today"], TODAY)
        self.assertEqual(section["amount_due"], 3.0)
        self.assertEqual(section["days_0_30"], 12.0)
        self.assertEqual(section["days_31_60"], 48.0)
        self.assertEqual(section["days_61_90"], 192.0)
        self.assertEqual(section["days_over_90"], 256.0)
        self.assertEqual(section["outstanding"], 511.0)
        self.assertEqual(section["balance_due"], 511.0)

    def test_today_is_the_company_timezone_date(self):
        """At 20:00 UTC on June 15 it is already June 16 in Auckland: an invoice due June 15
        is one day late for a company in Auckland, not yet late for one in UTC."""
        self._invoice(100.0, days_late=0)
        with freeze_time(datetime(2026, 6, 15, 20, 0)):
            self.assertEqual(self.Ledger._get_sections(self.customer, self.company)[0]["amount_due"], 100.0)
            self.company.partner_id.tz = "Pacific/Auckland"
            section = self.Ledger._get_sections(self.customer, self.company)[0]
        self.assertEqual(section["today"], TODAY + timedelta(days=1))
        self.assertEqual(section["days_0_30"], 100.0)
        self.assertEqual(section["amount_due"], 0.0)

    def test_installments_age_per_installment(self):
        invoice = self._invoice(1000.0, terms=self.installment_terms, invoice_date=TODAY - timedelta(days=40))
        section = self._section(self.usd)
        self.assertEqual(section["days_31_60"], 500.0, "the first installment is 40 days late")
        self.assertEqual(section["amount_due"], 500.0, "the second is due in 20 days")
        [row] = self.Ledger._get_rows(self.customer, self.company, self.usd, today=TODAY)
        self.assertEqual(row["move"], invoice)
        self.assertEqual(row["due_date"], TODAY - timedelta(days=40), "a row is due at its earliest open installment")
        self.assertEqual((row["status"], row["days_overdue"]), ("overdue", 40))
        self.assertEqual((row["amount"], row["payment"], row["balance"]), (1000.0, 0.0, 1000.0))

    def test_paid_installment_leaves_the_other_one(self):
        invoice = self._invoice(1000.0, terms=self.installment_terms, invoice_date=TODAY - timedelta(days=40))
        self._pay(invoice, 500.0)
        section = self._section(self.usd)
        self.assertEqual((section["days_31_60"], section["amount_due"]), (0.0, 500.0))
        [row] = self.Ledger._get_rows(self.customer, self.company, self.usd, today=TODAY)
        self.assertEqual((row["status"], row["due_date"]), ("due", TODAY + timedelta(days=20)))
        self.assertEqual((row["amount"], row["payment"], row["balance"]), (1000.0, 500.0, 500.0))

    def test_partial_payment_row(self):
        invoice = self._invoice(2100.0, days_late=45)
        self._pay(invoice, 600.0)
        [row] = self.Ledger._get_rows(self.customer, self.company, self.usd, today=TODAY)
        self.assertEqual((row["amount"], row["payment"], row["balance"]), (2100.0, 600.0, 1500.0))
        self.assertEqual(row["balance"], invoice.amount_residual)
        self.assertEqual(self._section(self.usd)["days_31_60"], 1500.0)

    def test_credit_note_is_set_off_in_balance_due(self):
        self._invoice(500.0, days_late=10)
        refund = self._invoice(180.0, move_type="out_refund")
        section = self._section(self.usd)
        self.assertEqual(section["outstanding"], 500.0, "outstanding counts invoices only")
        self.assertEqual(section["credits"], -180.0)
        self.assertEqual(section["balance_due"], 320.0)
        rows = self.Ledger._get_rows(self.customer, self.company, self.usd, today=TODAY)
        credit = next(r for r in rows if r["move"] == refund)
        self.assertEqual((credit["kind"], credit["status"]), ("credit_note", "credit"))
        self.assertEqual((credit["amount"], credit["payment"], credit["balance"]), (-180.0, 0.0, -180.0))

    def test_partially_used_credit_note(self):
        invoice = self._invoice(100.0, days_late=5)
        refund = self._invoice(300.0, move_type="out_refund")
        self._reconcile(invoice, refund)
        rows = self.Ledger._get_rows(self.customer, self.company, self.usd, today=TODAY)
        self.assertEqual(len(rows), 1, "the invoice is paid by the credit note")
        self.assertEqual((rows[0]["amount"], rows[0]["payment"], rows[0]["balance"]), (-300.0, -100.0, -200.0))
        self.assertEqual(self._section(self.usd)["balance_due"], -200.0)

    def test_unallocated_payment_is_a_credit(self):
        self._invoice(400.0, days_late=3)
        payment = self._unallocated_payment(250.0)
        rows = self.Ledger._get_rows(self.customer, self.company, self.usd, today=TODAY)
        row = next(r for r in rows if r["kind"] == "payment")
        self.assertEqual(row["move"], payment.move_id)
        self.assertEqual((row["status"], row["balance"]), ("credit", -250.0))
        self.assertEqual(self._section(self.usd)["balance_due"], 150.0)

    def test_two_currencies_in_separate_sections_company_currency_first(self):
        self._invoice(75.0, days_late=2, currency=self.eur)
        self._invoice(100.0, days_late=2)
        sections = self.Ledger._get_sections(self.customer, self.company, today=TODAY)
        self.assertEqual([s["currency"] for s in sections], [self.usd, self.eur])
        self.assertEqual([s["days_0_30"] for s in sections], [100.0, 75.0], "each in its own currency")

    def test_balance_due_equals_the_ledger_balance(self):
        """Partial payments, a partly used credit note, an installment invoice and a payment in
        a second currency: Balance Due is the receivable balance of each currency."""
        inv_a = self._invoice(1000.0, days_late=70)
        self._pay(inv_a, 333.33)
        inv_b = self._invoice(250.0, days_late=12)
        refund = self._invoice(400.0, move_type="out_refund")
        self._reconcile(inv_b, refund)
        self._invoice(900.0, terms=self.installment_terms, invoice_date=TODAY - timedelta(days=35))
        self._unallocated_payment(120.0)
        inv_eur = self._invoice(640.0, days_late=95, currency=self.eur)
        self._invoice(80.0, days_late=-10, currency=self.eur)
        self._pay(inv_eur, 140.0, currency=self.eur)
        self._invoice(999.0, post=False)  # a draft counts nowhere
        for currency in (self.usd, self.eur):
            section = self._section(currency)
            self.assertEqual(section["balance_due"], self._ledger_balance(currency), currency.name)
            rows = self.Ledger._get_rows(self.customer, self.company, currency, today=TODAY)
            self.assertAlmostEqual(sum(r["balance"] for r in rows), section["balance_due"], places=2)
            self.assertAlmostEqual(
                section["outstanding"] + section["credits"], section["balance_due"], places=2, msg=currency.name
            )
        self.assertEqual(self._section(self.usd)["balance_due"], 1000 - 333.33 + 250 - 400 + 900 - 120)
        self.assertEqual(self._section(self.eur)["days_over_90"], 500.0)

    def test_pending_online_payment_awaits_confirmation(self):
        demo = self.env.ref("payment.payment_provider_demo", raise_if_not_found=False)
        if not demo or demo.sudo().module_id.state != "installed":
            self.skipTest("payment_demo is not installed")
        provider = demo.sudo().copy({"company_id": self.company.id, "state": "test"})
        pending = self._invoice(100.0, days_late=10)
        authorized = self._invoice(200.0, days_late=10)
        done = self._invoice(300.0, days_late=10)
        for invoice, state in ((pending, "pending"), (authorized, "authorized"), (done, "error")):
            self.env["payment.transaction"].sudo().create(
                {
                    "provider_id": provider.id,
                    "payment_method_id": provider.payment_method_ids[:1].id,
                    "reference": f"TEST-{invoice.name}",
                    "amount": invoice.amount_residual,
                    "currency_id": invoice.currency_id.id,
                    "partner_id": self.customer.id,
                    "invoice_ids": [(6, 0, invoice.ids)],
                    "state": state,
                }
            )
        rows = {r["move"]: r for r in self.Ledger._get_rows(self.customer, self.company, self.usd, today=TODAY)}
        self.assertEqual(rows[pending]["status"], "awaiting_payment")
        self.assertEqual(rows[authorized]["status"], "awaiting_payment")
        self.assertEqual(rows[done]["status"], "overdue", "a failed payment changes nothing")
        self.assertEqual(self._section(self.usd)["days_0_30"], 600.0, "still owed until the payment is confirmed")

    def test_contact_sees_the_company_account(self):
        self._invoice(100.0, days_late=1)
        self.assertEqual(
            self.Ledger._get_sections(self.contact, self.company, today=TODAY),
            self.Ledger._get_sections(self.customer, self.company, today=TODAY),
        )

    def test_documents_that_never_appear(self):
        self._invoice(10.0, post=False)
        cancelled = self._invoice(20.0)
        cancelled.button_draft()
        cancelled.button_cancel()
        self._invoice(30.0, partner=self.other_customer)
        self.init_invoice("in_invoice", partner=self.customer, amounts=[40.0], post=True)
        other_company = self.setup_other_company()["company"]
        self._invoice(50.0, company=other_company, currency=other_company.currency_id)
        self.assertEqual(self.Ledger._get_sections(self.customer, self.company, today=TODAY), [])
        both = self.company | other_company
        [section] = self.Ledger._get_sections(self.customer, both, today=TODAY)
        self.assertEqual((section["company"], section["amount_due"]), (other_company, 50.0))

    def test_document_access_check(self):
        invoice = self._invoice(100.0)
        foreign = self._invoice(100.0, partner=self.other_customer)
        draft = self._invoice(100.0, post=False)
        self.assertEqual(self.Ledger._check_document(self.contact, invoice.id, self.company), invoice)
        self.assertFalse(self.Ledger._check_document(self.contact, foreign.id, self.company))
        self.assertFalse(self.Ledger._check_document(self.contact, draft.id, self.company))
        self.assertFalse(self.Ledger._check_document(self.contact, 10**9, self.company))

    def test_empty_account(self):
        self.assertEqual(self.Ledger._get_sections(self.customer, self.company, today=TODAY), [])

    def test_currency_with_only_credits(self):
        self._invoice(60.0, move_type="out_refund", currency=self.eur)
        section = self._section(self.eur)
        self.assertEqual((section["outstanding"], section["credits"], section["balance_due"]), (0.0, -60.0, -60.0))
        self.assertEqual(section["invoice_count"], 0)
