"""Review of TO PAY: money safety and security (each failing test proves a bug, see its docstring)."""

import re
from datetime import timedelta

from lxml import html

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import TODAY
from .test_payer_payment import PayerPaymentCommon, PayerPaymentStripeCommon


@tagged("post_install", "-at_install")
class TestPayerPaymentReview(PayerPaymentCommon):
    """Model level: what happens between the transaction's creation and the provider's answer."""

    def _pay_or_fail(self, tx):
        try:
            self._demo_pay(tx)
        except UserError as error:
            self.fail(f"the provider's payment could not be recorded: {error}")

    def _second_receivable(self):
        return self.env["account.account"].create(
            {
                "name": "Receivable (second)",
                "code": "121099",
                "account_type": "asset_receivable",
                "reconcile": True,
                "company_ids": [Command.set(self.company.ids)],
            }
        )

    def _invoice_on_account(self, account, amount, **kw):
        partner = self.customer.with_company(self.company)
        original = partner.property_account_receivable_id
        partner.property_account_receivable_id = account
        try:
            return self._invoice(amount, **kw)
        finally:
            partner.property_account_receivable_id = original

    def test_done_transaction_not_yet_post_processed_blocks_a_new_payment(self):
        """BUG: a transaction that is done (money taken) but not post-processed yet (the payment is
        created by the status poll or the cron, minutes later; for days if it fails) does not block
        a new payment of the same invoices: the customer is charged twice."""
        invoice = self._invoice(100.0, days_late=5)
        first = self._select([invoice])
        tx = self._transaction(first)
        tx._process("demo", {"reference": tx.reference, "simulated_state": "done"})
        self.assertEqual((tx.state, tx.is_post_processed), ("done", False))
        self.assertEqual(self._open(invoice), 100.0, "not reconciled yet: the payment is not created")
        with self.assertRaises(UserError, msg="the invoice is already paid by a done transaction"):
            again = self._select([invoice])
            self._transaction(again)

    def test_credit_of_a_done_transaction_cannot_be_used_again(self):
        """BUG: same window for credits: the credit set off by a done (not yet post-processed)
        payment is not reserved, another selection sets it off at once; the first payment then
        skips its set-off and its invoice stays open although the customer paid the rest by card."""
        invoice = self._invoice(300.0, days_late=10)
        other = self._invoice(40.0, days_late=5)
        credit_note = self._invoice(50.0, move_type="out_refund")
        first = self._select([invoice], [credit_note])
        tx = self._transaction(first)
        tx._process("demo", {"reference": tx.reference, "simulated_state": "done"})
        with self.assertRaises(UserError, msg="the credit is taken by a done payment"):
            self._select([other], [credit_note]).action_confirm_setoff()

    def test_cancelled_credit_note_before_confirmation_still_records_the_payment(self):
        """BUG: the credit note of the plan is cancelled by the accountant while the customer pays;
        when the provider confirms, _apply_setoff reconciles a cancelled entry, Odoo raises, and the
        post-processing fails at every retry: the money is taken, no payment is ever recorded."""
        invoice = self._invoice(300.0, days_late=10)
        credit_note = self._invoice(50.0, move_type="out_refund")
        payment = self._select([invoice], [credit_note])
        tx = self._transaction(payment)
        credit_note.button_draft()
        credit_note.button_cancel()
        self._pay_or_fail(tx)
        self.assertEqual(tx.payment_id.amount, 250.0)
        self.assertEqual(self._open(invoice), 50.0, "the withdrawn credit leaves the invoice open by its amount")

    def test_cancelled_invoice_before_confirmation_still_records_the_payment(self):
        """BUG: same as above for the invoice that the plan sets off (stock Odoo skips cancelled
        invoices when it reconciles; _apply_setoff does not)."""
        invoice = self._invoice(300.0, days_late=10)
        other = self._invoice(200.0, days_late=5)
        credit_note = self._invoice(50.0, move_type="out_refund")
        payment = self._select([invoice, other], [credit_note])
        tx = self._transaction(payment)
        invoice.button_draft()
        invoice.button_cancel()
        self._pay_or_fail(tx)
        self.assertEqual(tx.payment_id.amount, 450.0)
        self.assertEqual(self._open(other), 0.0)
        self.assertEqual(self._ledger_balance(self.usd), -300.0, "the rest is the customer's credit")

    def test_documents_on_two_receivable_accounts_are_refused(self):
        """Odoo reconciles a payment on one receivable account only, and a credit cannot be set off
        against an invoice of another account: a selection spanning accounts (the customer's
        account was changed) is refused with a message, before anything is charged."""
        second = self._second_receivable()
        old = self._invoice(300.0, days_late=40)
        new = self._invoice_on_account(second, 200.0, days_late=5)
        credit_note = self._invoice_on_account(second, 50.0, move_type="out_refund")
        for invoices, credit_docs in (([old, new], []), ([old], [credit_note])):
            with self.assertRaisesRegex(UserError, "different receivable accounts"):
                self._select(invoices, credit_docs)
        payment = self._select([new], [credit_note])
        self._pay_or_fail(self._transaction(payment))
        self.assertEqual((self._open(new), self._open(credit_note), self._open(old)), (0.0, 0.0, 300.0))

    def test_setoff_never_applies_more_than_planned(self):
        """BUG: the README says a set-off applies "less, never more" than planned; but a credit
        unreconciled by the accountant meanwhile (its residual grows) is applied in full: the card
        payment then finds nothing to pay and stays an unallocated credit, the other invoice the
        credit paid is open again."""
        invoice = self._invoice(300.0, days_late=10)
        elsewhere = self._invoice(200.0, days_late=60)
        credit_note = self._invoice(300.0, move_type="out_refund")
        self._reconcile(elsewhere, credit_note)
        self.assertEqual(self._open(credit_note), -100.0)
        payment = self._select([invoice], [credit_note])
        self.assertEqual((payment.setoff_ids.amount, payment.amount), (100.0, 200.0))
        tx = self._transaction(payment)
        # The accountant takes the credit note off the other invoice meanwhile.
        credit_note.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        ).remove_move_reconcile()
        self._demo_pay(tx)
        self.assertEqual(payment.setoff_ids.amount_applied, 0.0, "it would apply 300: skipped, never more")
        self.assertEqual(self._open(credit_note), -300.0)
        self.assertEqual(self._open(invoice), 100.0, "the card paid its planned 200")
        self.assertEqual(tx.payment_id.amount, 200.0)
        line = payment.line_ids.filtered(lambda line: line.move_id == invoice)
        self.assertEqual((line.amount_setoff, line.amount_paid), (0.0, 200.0), "what really happened")
        notes = payment.message_ids.filtered(lambda message: "not applied as the customer selected" in message.body)
        self.assertIn(invoice.name, notes.body, "the account manager is told")

    def test_receipt_tells_the_set_off_that_was_applied(self):
        """BUG: the credit note is reversed by the accountant while the customer pays: the set-off is
        skipped (right) and the invoice stays open by that amount, but the receipt still tells the
        customer that the credit note was used and the invoice paid in full."""
        invoice = self._invoice(300.0, days_late=10)
        credit_note = self._invoice(50.0, move_type="out_refund")
        payment = self._select([invoice], [credit_note])
        tx = self._transaction(payment)
        credit_note._reverse_moves(cancel=True)
        self._demo_pay(tx)
        self.assertEqual(payment.setoff_ids.amount_applied, 0.0)
        self.assertEqual(self._open(invoice), 50.0)
        mail = self.env["mail.mail"].search([("model", "=", "payer.payment"), ("res_id", "=", payment.id)])
        self.assertNotIn(f"{credit_note.name} (credit used)", mail.body_html, "the credit note was not used")

    # ------------------------------------------------------------------ no bug (coverage)

    def test_accountant_payment_meanwhile_never_over_reconciles(self):
        """An accountant registers part of an invoice after the transaction was created: nothing is
        over-reconciled, the surplus of the card payment is an unallocated credit of exactly that."""
        invoice = self._invoice(300.0, days_late=10, terms=self.installment_terms, invoice_date=TODAY)
        other = self._invoice(200.0, days_late=5)
        credit_note = self._invoice(100.0, move_type="out_refund")
        payment = self._select([invoice, other], [credit_note])
        self.assertEqual(payment.amount, 400.0)
        tx = self._transaction(payment)
        self._pay(invoice, 120.0)
        self._demo_pay(tx)
        for move in (invoice, other):
            for line in move.line_ids.filtered(lambda line: line.display_type == "payment_term"):
                self.assertGreaterEqual(line.amount_residual_currency, 0.0)
        self.assertEqual((self._open(invoice), self._open(other), self._open(credit_note)), (0.0, 0.0, 0.0))
        self.assertEqual(self._open(tx.payment_id.move_id), -120.0)
        self.assertEqual(self._ledger_balance(self.usd), -120.0)

    def test_foreign_currency_with_exchange_differences_is_fully_reconciled(self):
        """A EUR invoice and EUR credit booked at other rates than today's: the EUR amounts are
        paid exactly, Odoo books the exchange differences, nothing stays open in USD either."""
        self.env["res.currency.rate"].create(
            [
                {"name": TODAY - timedelta(days=45), "rate": 0.4, "currency_id": self.eur.id},
                {"name": TODAY - timedelta(days=20), "rate": 0.8, "currency_id": self.eur.id},
                {"name": TODAY - timedelta(days=1), "rate": 0.6, "currency_id": self.eur.id},
            ]
        )
        invoice = self._invoice(100.0, days_late=10, currency=self.eur)  # invoice date: 40 days ago
        credit_note = self._invoice(
            30.0, currency=self.eur, move_type="out_refund", invoice_date=TODAY - timedelta(days=5)
        )
        payment = self._select([invoice], [credit_note], currency=self.eur)
        self.assertEqual(payment.amount, 70.0)
        tx = self._demo_pay(self._transaction(payment))
        self.assertEqual(tx.payment_id.amount, 70.0)
        self.assertEqual(tx.payment_id.currency_id, self.eur)
        receivable = (invoice | credit_note | tx.payment_id.move_id).line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        self.assertTrue(all(receivable.mapped("reconciled")))
        self.assertEqual(sum(receivable.mapped("amount_residual")), 0.0)
        partials = receivable.matched_debit_ids | receivable.matched_credit_ids
        self.assertTrue(partials.exchange_move_id, "the exchange differences are booked")

    def test_receipt_escapes_the_customer_name(self):
        self.customer.name = '<img src=x onerror="alert(1)">'
        invoice = self._invoice(100.0, days_late=5)
        payment = self._select([invoice])
        self._demo_pay(self._transaction(payment))
        mail = self.env["mail.mail"].search([("model", "=", "payer.payment"), ("res_id", "=", payment.id)])
        self.assertNotIn("<img src=x", mail.body_html)
        self.assertIn("&lt;img", mail.body_html)


@tagged("post_install", "-at_install")
class TestPayerPaymentReviewStripe(PayerPaymentStripeCommon):
    """Stripe mocked at the HTTP boundary (``requests``), as in TestPayerPaymentStripe."""

    def test_a_paid_intent_that_stripe_refuses_to_cancel_blocks_the_new_attempt(self):
        """BUG: the first tab's PaymentIntent was just confirmed (Stripe refuses to cancel it) but
        the new attempt cancels its transaction in Odoo anyway and goes on: Stripe's "succeeded"
        event is then refused by Odoo (cancelled transaction) and the second tab charges again."""
        self.cancel_status = 400
        invoice = self._invoice(100.0, days_late=5)
        payment = self._select([invoice])
        first = self._transaction(payment, self.stripe)
        first._get_processing_values()
        self.assertEqual(first.provider_reference, "pi_first")
        again = self._select([invoice])
        with mute_logger(
            "odoo.addons.account_payer_portal.models.payment_transaction", "odoo.addons.payment.models.payment_provider"
        ):
            with self.assertRaises(UserError, msg="the first attempt may have been paid: no second one"):
                self._transaction(again, self.stripe)
        self.assertIn(("POST", "payment_intents/pi_first/cancel"), self.stripe_calls)
        self.assertEqual(first.state, "draft", "its confirmation by Stripe can still be recorded")

    def test_a_stock_invoice_payment_intent_is_cancelled_at_stripe_too(self):
        """BUG: a draft Stripe transaction started from Odoo's own invoice page (not TO PAY) is
        cancelled in Odoo by the new attempt, but its PaymentIntent is not cancelled at Stripe
        (Odoo does not store it until Stripe answers): the customer can still pay it in the other
        tab, Stripe charges, Odoo refuses the cancelled transaction: charged twice."""
        invoice = self._invoice(100.0, days_late=5)
        stock_tx = (
            self.env["payment.transaction"]
            .sudo()
            .create(
                {
                    "provider_id": self.stripe.id,
                    "payment_method_id": self.stripe.payment_method_ids[:1].id,
                    "reference": "INV-stock-page",
                    "amount": 100.0,
                    "currency_id": self.usd.id,
                    "partner_id": self.contact.id,
                    "operation": "online_direct",
                    "invoice_ids": [Command.set(invoice.ids)],
                }
            )
        )
        self.assertEqual(stock_tx._get_processing_values()["client_secret"], "pi_first_secret")
        payment = self._select([invoice])
        self._transaction(payment, self.stripe)
        self.assertEqual(stock_tx.state, "cancel")
        self.assertIn(("POST", "payment_intents/pi_first/cancel"), self.stripe_calls, "cancelled at Stripe too")


@tagged("post_install", "-at_install")
class TestPayerPaymentReviewPortal(PayerPaymentCommon, HttpCase):
    """HTTP level: the JSON transaction route's kwargs, guests and saved cards, preview."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = cls.Ledger._today(cls.company)
        cls.invoice_a = cls._invoice(300.0, days_late=20, today=cls.today)

    def _csrf(self):
        return re.search(r'csrf_token: "([^"]+)"', self.url_open("/my/payer-portal").text).group(1)

    def _rpc(self, payment, **params):
        values = {
            "provider_id": self.provider.id,
            "payment_method_id": self.provider.payment_method_ids[:1].id,
            "token_id": None,
            "amount": payment.amount,
            "flow": "direct",
            "tokenization_requested": False,
            "landing_route": "/anywhere",
            "is_validation": False,
            "csrf_token": self._csrf(),
            **params,
        }
        return self.url_open(
            f"/my/payer-portal/pay/{payment.id}/transaction",
            json={"id": 0, "jsonrpc": "2.0", "method": "call", "params": values},
        ).json()

    def test_transaction_route_refuses_create_values_in_kwargs(self):
        self.authenticate("payer_paula", "payer_paula")
        payment = self._select([self.invoice_a])
        other_partner = self.other_user.partner_id
        injections = {
            "partner_id": other_partner.id,
            "reference_prefix": "HACK",
            "currency_id": self.eur.id,
            "custom_create_values": {"amount": 1.0},
            "invoice_ids": [self._invoice(10.0, partner=self.other_customer).id],
            "payer_payment_id": 0,
        }
        with mute_logger("odoo.http"):
            for key, value in injections.items():
                with self.subTest(key):
                    self.assertIn("error", self._rpc(payment, **{key: value}))
        self.assertFalse(payment.transaction_ids)
        result = self._rpc(payment, landing_route="https://evil.example.com", is_validation=True)
        self.assertNotIn("error", result)
        tx = payment.transaction_ids
        self.assertEqual((tx.amount, tx.operation, tx.partner_id), (300.0, "online_direct", self.contact))
        self.assertEqual(tx.landing_route, f"/my/payer-portal/pay/{payment.id}/done")

    def test_guest_cannot_save_or_use_a_card(self):
        access = self.env["payer.portal.access"]._for_partner(self.customer)
        self.url_open(access._link_path())
        payment = self._select([self.invoice_a])
        token = self.env["payment.token"].create(
            {
                "provider_id": self.provider.id,
                "payment_method_id": self.provider.payment_method_ids[:1].id,
                "partner_id": self.contact.id,
                "provider_ref": "demo-token",
                "payment_details": "4242",
            }
        )
        with mute_logger("odoo.http"):
            refused = self._rpc(payment, flow="token", token_id=token.id, payment_method_id=None)
        self.assertIn("error", refused)
        self.assertFalse(payment.transaction_ids)
        self.assertNotIn("error", self._rpc(payment, tokenization_requested=True))
        self.assertFalse(payment.transaction_ids.tokenize)

    def test_preview_cannot_reach_any_payment_route(self):
        payment = self._select([self.invoice_a])
        manager = self._account_manager("payer_review_manager")
        self.authenticate(manager.login, manager.login)
        self.url_open(f"/my/payer-portal/preview/{self.customer.id}")
        to_pay = self.url_open(f"/my/payer-portal/to-pay?section={self.company.id}-USD").content
        csrf = html.fromstring(to_pay).xpath("//input[@name='csrf_token']/@value")
        data = {"csrf_token": csrf[0] if csrf else "", "email": "manager@example.com"}
        for suffix in ("", "/done"):
            self.assertEqual(self.url_open(f"/my/payer-portal/pay/{payment.id}{suffix}").status_code, 403, suffix)
        for suffix in ("/continue", "/setoff"):
            response = self.url_open(f"/my/payer-portal/pay/{payment.id}{suffix}", data=data, allow_redirects=False)
            self.assertEqual(response.status_code, 403, suffix)
        with mute_logger("odoo.http"):
            self.assertIn("error", self._rpc(payment, csrf_token=data["csrf_token"]))
        self.assertEqual(payment.email, "receipts@brightway.example.com")
        self.assertFalse(payment.transaction_ids)
