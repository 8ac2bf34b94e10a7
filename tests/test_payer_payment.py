import json
import re
import unittest
from unittest.mock import patch

import requests
from lxml import html

from odoo import Command
from odoo.exceptions import UserError
from odoo.sql_db import db_connect
from odoo.tests import HttpCase, JsonRpcException, tagged
from odoo.tools import mute_logger

from .common import PayerPortalCommon


class PayerPaymentCommon(PayerPortalCommon):
    """A demo payment provider of the test company, and helpers that pay like the portal does."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Provider = cls.env["payment.provider"].sudo()
        provider = Provider.search([("code", "=", "demo"), ("company_id", "=", cls.company.id)], limit=1)
        if not provider:
            provider = cls.env.ref("payment.payment_provider_demo").sudo().copy({"company_id": cls.company.id})
        method = cls.env.ref("payment_demo.payment_method_demo").sudo()
        method.active = True
        provider.write(
            {
                "state": "test",
                "is_published": True,
                "allow_tokenization": True,
                "journal_id": cls.company_data["default_journal_bank"].id,
                "payment_method_ids": [Command.set(method.ids)],
            }
        )
        cls.provider = provider
        cls.Payment = cls.env["payer.payment"]

    @classmethod
    def _portal_documents(cls):
        """Two USD invoices (20 days late, due in 5 days), a USD credit note and a EUR invoice,
        dated from the company's real today (the browser of the tours lives in it)."""
        cls.today = cls.Ledger._today(cls.company)
        cls.invoice_a = cls._invoice(300.0, days_late=20, today=cls.today)
        cls.invoice_b = cls._invoice(200.0, days_late=-5, today=cls.today)
        cls.credit_note = cls._invoice(50.0, move_type="out_refund", today=cls.today)
        cls.eur_invoice = cls._invoice(90.0, days_late=3, currency=cls.eur, today=cls.today)

    def _select(self, invoices=(), credit_docs=(), currency=None, partner=None, **kw):
        payment = self.Payment._create_from_selection(
            partner or self.customer,
            self.company,
            currency or self.usd,
            invoice_ids=[m.id for m in invoices],
            credit_ids=[m.id for m in credit_docs],
            companies=self.company,
            contact=self.contact,
            **kw,
        )
        payment.email = "receipts@brightway.example.com"
        return payment

    def _transaction(self, payment, provider=None):
        """A transaction created the way the portal's transaction route creates it (demo provider
        unless told)."""
        provider = provider or self.provider
        method = provider.payment_method_ids[:1]
        reuse = payment._prepare_transaction(provider.id, method.id, None, "direct")
        if reuse:
            return reuse
        return (
            self.env["payment.transaction"]
            .sudo()
            .create(
                {
                    "provider_id": provider.id,
                    "payment_method_id": method.id,
                    "reference": self.env["payment.transaction"]._compute_reference(provider.code, prefix=payment.name),
                    "amount": payment.amount,
                    "currency_id": payment.currency_id.id,
                    "partner_id": self.contact.id,
                    "operation": "online_direct",
                    "invoice_ids": [Command.set(payment._invoices().ids)],
                    "payer_payment_id": payment.id,
                }
            )
        )

    def _demo_pay(self, tx, state="done"):
        tx._process("demo", {"reference": tx.reference, "simulated_state": state})
        tx._post_process()
        return tx

    def _open_dispute(self, invoice):
        return self.env["payer.dispute"].create(
            {
                "move_id": invoice.id,
                "opened_by_id": self.contact.id,
                "category_id": self.env["payer.dispute.category"].search([], limit=1).id,
                "description": "Wrong price",
            }
        )

    def _open(self, move):
        return move.currency_id.round(
            sum(
                move.line_ids.filtered(lambda line: line.account_id.account_type == "asset_receivable").mapped(
                    "amount_residual_currency"
                )
            )
        )


@tagged("post_install", "-at_install", "payer_no_stripe")
class TestPayerPayment(PayerPaymentCommon):
    def test_allocation_plan(self):
        plan = self.Payment._allocate(
            [{"id": 1, "residual": 100.0}, {"id": 2, "residual": 50.0}, {"id": 3, "residual": 80.0}],
            [{"id": 10, "residual": -120.0}, {"id": 11, "residual": -45.5}],
            self.usd,
        )
        self.assertEqual(plan, [(10, 1, 100.0), (10, 2, 20.0), (11, 2, 30.0), (11, 3, 15.5)])
        self.assertEqual(self.Payment._allocate([{"id": 1, "residual": 10.0}], [], self.usd), [])

    def test_partial_credit_is_set_off_then_paid_by_card(self):
        old = self._invoice(300.0, days_late=40)
        recent = self._invoice(200.0, days_late=10)
        credit_note = self._invoice(120.0, move_type="out_refund")
        payment = self._select([old, recent], [credit_note])
        self.assertEqual((payment.amount_invoices, payment.amount_credits, payment.amount), (500.0, 120.0, 380.0))
        self.assertEqual(payment.setoff_ids.invoice_move_id, old, "the oldest invoice is set off first")
        self.assertEqual(payment.setoff_ids.amount, 120.0)
        old_line = payment.line_ids.filtered(lambda line: line.move_id == old)
        self.assertEqual((old_line.amount_setoff, old_line.amount_paid), (120.0, 180.0))

        tx = self._demo_pay(self._transaction(payment))
        self.assertEqual(tx.amount, 380.0)
        self.assertEqual(payment.state, "done")
        self.assertEqual(payment.setoff_ids.amount_applied, 120.0)
        self.assertEqual((self._open(old), self._open(recent), self._open(credit_note)), (0.0, 0.0, 0.0))
        self.assertEqual(old.payment_state in ("paid", "in_payment"), True)
        # The payment is reconciled with exactly those invoices, for what was left of them.
        payment_line = tx.payment_id.move_id.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        self.assertEqual(payment_line.amount_residual_currency, 0.0)
        matched = payment_line.matched_debit_ids
        self.assertEqual(matched.debit_move_id.move_id, old | recent)
        self.assertEqual(sorted(matched.mapped("debit_amount_currency")), [180.0, 200.0])
        # (as of the payment's date: the real today, after the tests' TODAY)
        self.assertIsNone(self._section(self.usd, today=tx.payment_id.date), "nothing is open any more")
        for invoice in (old, recent):
            logged = invoice.message_ids.filtered(lambda m, invoice=invoice: tx.payment_id.name in (m.body or ""))
            self.assertTrue(logged, f"the payment is logged on {invoice.name}")
        self.assertEqual(self._ledger_balance(self.usd), 0.0)
        mail = self.env["mail.mail"].search([("model", "=", "payer.payment"), ("res_id", "=", payment.id)])
        self.assertEqual(mail.email_to, "receipts@brightway.example.com")
        self.assertIn("380.00", mail.body_html)
        self.assertIn(credit_note.name, mail.body_html)

    def test_credit_larger_than_the_selection_needs_no_card(self):
        invoice = self._invoice(100.0, days_late=5)
        credit_note = self._invoice(250.0, move_type="out_refund")
        payment = self._select([invoice], [credit_note])
        self.assertEqual((payment.amount_credits, payment.amount), (100.0, 0.0))
        with self.assertRaises(UserError):
            payment._prepare_transaction(self.provider.id, None, None, "direct")
        payment.action_confirm_setoff()
        self.assertEqual(payment.state, "done")
        self.assertFalse(payment.transaction_ids)
        self.assertEqual(self._open(invoice), 0.0)
        self.assertEqual(self._open(credit_note), -150.0, "the rest of the credit stays available")
        self.assertEqual(self._section(self.usd)["credits"], -150.0)

    def test_installments_and_unallocated_payment(self):
        invoice = self._invoice(1000.0, terms=self.installment_terms, invoice_date=self.Ledger._today(self.company))
        unallocated = self._unallocated_payment(300.0)
        payment = self._select([invoice], [unallocated.move_id])
        self.assertEqual(len(payment.setoff_ids), 1)
        first_installment = invoice.line_ids.filtered(lambda line: line.display_type == "payment_term").sorted(
            "date_maturity"
        )[0]
        self.assertEqual(payment.setoff_ids.invoice_line_id, first_installment)
        self.assertEqual(payment.amount, 700.0)
        self._demo_pay(self._transaction(payment))
        self.assertEqual(self._open(invoice), 0.0)
        self.assertTrue(
            all(invoice.line_ids.filtered(lambda line: line.display_type == "payment_term").mapped("reconciled"))
        )
        self.assertEqual(self._open(unallocated.move_id), 0.0)

    def test_two_currencies_are_kept_apart(self):
        usd_invoice = self._invoice(100.0, days_late=5)
        eur_invoice = self._invoice(80.0, days_late=5, currency=self.eur)
        eur_credit = self._invoice(30.0, currency=self.eur, move_type="out_refund")
        for invoices, credit_docs in (([usd_invoice], [eur_credit]), ([usd_invoice, eur_invoice], [])):
            with self.assertRaisesRegex(UserError, "is not in USD|Nothing was paid"):
                self._select(invoices, credit_docs)
        payment = self._select([eur_invoice], [eur_credit], currency=self.eur)
        self.assertEqual(payment.amount, 50.0)
        tx = self._demo_pay(self._transaction(payment))
        self.assertEqual(self._open(eur_invoice), 0.0)
        self.assertEqual(self._open(usd_invoice), 100.0)
        # (as of the payment's date: the real today, after the tests' TODAY)
        self.assertEqual(self._section(self.usd, today=tx.payment_id.date)["balance_due"], 100.0)
        self.assertIsNone(self._section(self.eur, today=tx.payment_id.date))

    def test_refused_selections_create_nothing(self):
        invoice = self._invoice(100.0, days_late=5)
        paid = self._invoice(40.0, days_late=5)
        self._pay(paid, 40.0)
        foreign = self._invoice(70.0, partner=self.other_customer)
        disputed = self._invoice(60.0, days_late=5)
        self._open_dispute(disputed)
        before = self.Payment.search_count([])
        cases = {
            "another customer's": [invoice, foreign],
            "already paid": [paid],
            "nothing selected": [],
            "disputed": [disputed],
        }
        for case, invoices in cases.items():
            with self.subTest(case), self.assertRaises(UserError):
                self._select(invoices)
        with self.assertRaises(UserError):
            self._select([invoice], [invoice])
        self.assertEqual(self.Payment.search_count([]), before)

    def test_pending_invoices_cannot_be_selected_again(self):
        invoice = self._invoice(100.0, days_late=5)
        credit_note = self._invoice(10.0, move_type="out_refund")
        payment = self._select([invoice], [credit_note])
        self._demo_pay(self._transaction(payment), state="pending")
        rows = self.Ledger._get_rows(self.customer, self.company, self.usd, self.company)
        self.assertEqual({r["move"]: r["status"] for r in rows}[invoice], "awaiting_payment")
        self.assertEqual({r["move"]: r["status"] for r in rows}[credit_note], "awaiting_payment")
        with self.assertRaisesRegex(UserError, "awaiting payment confirmation"):
            self._select([invoice])
        other = self._invoice(50.0, days_late=1)
        with self.assertRaisesRegex(UserError, "being used by another payment"):
            self._select([other], [credit_note])
        with self.assertRaises(UserError):
            self._transaction(payment)

    def test_same_request_again_reuses_the_transaction_and_another_replaces_it(self):
        invoice = self._invoice(100.0, days_late=5)
        payment = self._select([invoice])
        first = self._transaction(payment)
        self.assertEqual(self._transaction(payment), first, "a replay goes on with the same transaction")
        # The customer starts again from TO PAY: the first attempt can no longer succeed.
        again = self._select([invoice])
        second = self._transaction(again)
        self.assertEqual(first.state, "cancel")
        self.assertEqual(payment.state, "cancel")
        with mute_logger("odoo.addons.payment.models.payment_transaction"):
            self._demo_pay(first)  # the old tab pays anyway: the provider's answer is refused
        self.assertEqual(first.state, "cancel")
        self.assertFalse(first.payment_id)
        self._demo_pay(second)
        self.assertEqual(self._open(invoice), 0.0)
        self.assertEqual(
            self.env["account.payment"].search_count([("payment_transaction_id", "in", (first | second).ids)]), 1
        )

    def test_replaced_attempt_confirmed_by_a_provider_that_cannot_cancel_is_recorded(self):
        invoice = self._invoice(100.0, days_late=5)
        first = self._transaction(self._select([invoice]))
        second = self._transaction(self._select([invoice]))
        self.assertEqual(first.state, "cancel")
        # Pretend the provider could not cancel it at its end (Stripe and demo can): it is paid anyway.
        first.payer_replaced = True
        self._demo_pay(first)
        self.assertEqual(first.state, "done", "the money taken is recorded, not dropped")
        self.assertEqual(first.payment_id.amount, 100.0)
        self._demo_pay(second)
        self.assertEqual(self._open(invoice), 0.0)
        self.assertEqual(self._ledger_balance(self.usd), -100.0, "the second payment is a credit to refund or use")
        self.assertIn("replaced payment attempt", "".join(first.payer_payment_id.message_ids.mapped("body")))

    def test_selection_changed_before_paying(self):
        invoice = self._invoice(100.0, days_late=5)
        payment = self._select([invoice])
        self._pay(invoice, 30.0)
        with self.assertRaisesRegex(UserError, "Your account changed"):
            self._transaction(payment)
        self.assertEqual(payment.state, "draft")
        self.assertFalse(payment.transaction_ids)

    def test_two_requests_at_once_one_goes_on(self):
        invoice = self._invoice(100.0, days_late=5)
        payment = self._select([invoice])
        # Another database connection (another request) holds the invoice.
        with db_connect(self.env.cr.dbname).cursor() as other:
            other.execute("SELECT pg_advisory_xact_lock(%s, %s)", (725_019, invoice.id))
            with self.assertRaisesRegex(UserError, "another window"):
                self._transaction(payment)
            self.assertFalse(payment.transaction_ids)
        self.assertTrue(self._transaction(payment), "once the other request ended, the payment goes on")


class PayerPaymentStripeCommon(PayerPaymentCommon):
    """Stripe, mocked at the HTTP boundary only (``requests``): every call Odoo makes to Stripe
    is answered here and recorded. ``cancel_status`` 400 answers a cancel as Stripe does for a
    PaymentIntent that was just paid."""

    cancel_status = 200

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if "stripe_webhook_secret" not in cls.env["payment.provider"]._fields:
            raise unittest.SkipTest("payment_stripe is not installed in this database")
        Provider = cls.env["payment.provider"].sudo()
        stripe = Provider.search([("code", "=", "stripe"), ("company_id", "=", cls.company.id)], limit=1)
        if not stripe:
            stripe = cls.env.ref("payment.payment_provider_stripe").sudo().copy({"company_id": cls.company.id})
        card = cls.env.ref("payment.payment_method_card").sudo()
        stripe.write(
            {
                "state": "test",
                "is_published": True,
                "stripe_secret_key": "sk_test_payer_portal",
                "stripe_publishable_key": "pk_test_payer_portal",
                "stripe_webhook_secret": "whsec_payer_portal",
                "journal_id": cls.company_data["default_journal_bank"].id,
                "payment_method_ids": [Command.set(card.ids)],
            }
        )
        card.active = True
        cls.stripe = stripe

    def setUp(self):
        super().setUp()
        self.stripe_calls = []
        self.intents = iter(("pi_first", "pi_second", "pi_third"))
        # What Stripe knows: the PaymentIntents created, by id (a test sets one "succeeded" when
        # the customer paid it at Stripe).
        self.stripe_intents = {}
        patcher = patch("odoo.addons.payment.models.payment_provider.requests.request", side_effect=self._stripe_api)
        patcher.start()
        self.addCleanup(patcher.stop)

    def _stripe_api(self, method, url, **kwargs):
        path = url.removeprefix("https://api.stripe.com/v1/")
        self.stripe_calls.append((method, path))
        response = requests.Response()
        response.status_code = 200
        response.url = url
        if path.endswith("/cancel") and self.cancel_status != 200:
            response.status_code = self.cancel_status
            body = {
                "error": {
                    "code": "payment_intent_unexpected_state",
                    "message": "You cannot cancel this PaymentIntent because it has a status of succeeded.",
                }
            }
        elif path.endswith("/cancel"):
            body = {"id": path.split("/")[-2], "status": "canceled"}
            if body["id"] in self.stripe_intents:
                self.stripe_intents[body["id"]]["status"] = "canceled"
        elif path == "payment_intents":
            data = kwargs.get("data") or {}
            intent = next(self.intents)
            body = self.stripe_intents[intent] = {
                "id": intent,
                "object": "payment_intent",
                "client_secret": f"{intent}_secret",
                "status": "requires_payment_method",
                "amount": int(data.get("amount", 0)),
                "currency": data.get("currency"),
                "description": data.get("description"),
            }
        elif method == "GET" and path.startswith("payment_intents/"):
            body = self.stripe_intents.get(path.split("/")[1])
            if body is None:
                response.status_code = 404
                body = {"error": {"code": "resource_missing", "message": "No such payment_intent"}}
        else:
            body = {"id": "cus_payer_portal"}
        response._content = json.dumps(body).encode()
        return response


@tagged("post_install", "-at_install")
class TestPayerPaymentStripe(PayerPaymentStripeCommon):
    def test_stripe_payment_replaced_attempt_is_cancelled_at_stripe(self):
        old = self._invoice(300.0, days_late=40)
        recent = self._invoice(200.0, days_late=10)
        credit_note = self._invoice(120.0, move_type="out_refund")
        payment = self._select([old, recent], [credit_note])
        first = self._transaction(payment, self.stripe)
        self.assertEqual(first._get_processing_values()["client_secret"], "pi_first_secret")
        self.assertEqual(first.provider_reference, "pi_first")
        # The customer starts again from TO PAY in another tab.
        again = self._select([old, recent], [credit_note])
        second = self._transaction(again, self.stripe)
        self.assertIn(("POST", "payment_intents/pi_first/cancel"), self.stripe_calls)
        self.assertEqual(first.state, "cancel")
        second._get_processing_values()
        self.stripe_intents["pi_second"]["status"] = "succeeded"  # the customer paid it at Stripe
        second._process(
            "stripe",
            {
                "reference": second.reference,
                "payment_intent": {"id": "pi_second", "status": "succeeded", "amount": 38000, "currency": "usd"},
                "payment_method": {"type": "card", "card": {"brand": "visa"}},
            },
        )
        self.assertEqual(second.state, "done")
        second._post_process()
        self.assertEqual(again.state, "done")
        self.assertEqual(second.payment_id.amount, 380.0)
        self.assertEqual((self._open(old), self._open(recent), self._open(credit_note)), (0.0, 0.0, 0.0))
        self.assertEqual(
            [call for call in self.stripe_calls if call[1].startswith("payment_intents")],
            [
                ("POST", "payment_intents"),
                ("POST", "payment_intents/pi_first/cancel"),
                ("POST", "payment_intents"),
                ("GET", "payment_intents/pi_second"),  # what Stripe says of the payment, not the data
            ],
        )

    def test_provider_form_warns_without_webhook_secret(self):
        form = self.env["payment.provider"].get_view(view_type="form")
        self.assertIn("o_payer_stripe_webhook_warning", form["arch"])
        self.assertIn('invisible="not payer_webhook_secret_missing"', form["arch"])
        self.assertFalse(self.stripe.payer_webhook_secret_missing, "the signing secret is set")
        self.stripe.stripe_webhook_secret = False
        self.assertTrue(self.stripe.payer_webhook_secret_missing)
        self.assertFalse(self.provider.payer_webhook_secret_missing, "not Stripe")


@tagged("post_install", "-at_install")
class TestPayerPaymentPortal(PayerPaymentCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._portal_documents()
        cls.other_invoice = cls._invoice(55.0, days_late=3, partner=cls.other_customer, today=cls.today)

    def _to_pay_url(self, currency=None):
        return f"/my/payer-portal/to-pay?section={self.company.id}-{(currency or self.usd).name}"

    def _csrf(self, url=None):
        """The CSRF token of the visitor's session, as the page gives it to its forms and scripts."""
        content = self.url_open(url or "/my/payer-portal").text
        return re.search(r'csrf_token: "([^"]+)"', content).group(1)

    def _post_selection(self, invoices=(), credit_docs=(), currency=None, mode="selected", csrf=True):
        data = {
            "company_id": self.company.id,
            "currency_id": currency if isinstance(currency, str) else (currency or self.usd).id,
            "mode": mode,
            "invoice_ids": [m if isinstance(m, str) else m.id for m in invoices],
            "credit_ids": [m.id for m in credit_docs],
        }
        if csrf:
            data["csrf_token"] = self._csrf()
        return self.url_open("/my/payer-portal/pay", data=data, allow_redirects=False)

    def _new_payment(self):
        return self.Payment.search([("partner_id", "=", self.customer.id)], order="id desc", limit=1)

    def _flash(self):
        return html.fromstring(self.url_open("/my/payer-portal").content).xpath(
            "string(//*[contains(@class, 'o_payer_pay_error')])"
        )

    def test_to_pay_tab_lists_payable_documents(self):
        self.authenticate("payer_paula", "payer_paula")
        page = html.fromstring(self.url_open(self._to_pay_url()).content)
        usd = page.xpath(f"//section[@data-currency='{self.usd.name}']")[0]
        checks = {
            row.get("data-pay-activity"): row.xpath(".//input[contains(@class, 'o_payer_pay_check')]")[0]
            for row in usd.xpath(".//tr[contains(@class, 'o_payer_pay_row')]")
        }
        self.assertEqual(set(checks), {self.invoice_a.name, self.invoice_b.name, self.credit_note.name})
        self.assertEqual(checks[self.credit_note.name].get("name"), "credit_ids")
        self.assertIsNotNone(checks[self.credit_note.name].get("checked"), "credits are set off by default")
        self.assertIsNone(checks[self.invoice_a.name].get("checked"))
        page = html.fromstring(self.url_open("/my/payer-portal").content)
        self.assertTrue(page.xpath("//nav[contains(@class, 'o_payer_currency_switcher')]"))

    def test_to_pay_lists_documents_beyond_the_balance_page(self):
        self.authenticate("payer_paula", "payer_paula")
        for days in range(55):
            self._invoice(10.0 + days, days_late=days, today=self.today)
        page = html.fromstring(self.url_open("/my/payer-portal").content)
        usd = page.xpath(f"//section[@data-currency='{self.usd.name}']")[0]
        self.assertEqual(len(usd.xpath(".//tr[@data-activity]")), 50, "the Balance tab shows a page")
        page = html.fromstring(self.url_open(self._to_pay_url()).content)
        usd = page.xpath(f"//section[@data-currency='{self.usd.name}']")[0]
        self.assertEqual(len(usd.xpath(".//tr[@data-pay-activity]")), 58, "TO PAY lists them all")
        self.assertFalse(usd.xpath(".//*[contains(@class, 'o_payer_pay_limited')]"))

    def test_selection_by_the_server_only(self):
        self.authenticate("payer_paula", "payer_paula")
        response = self._post_selection([self.invoice_a, self.invoice_b], [self.credit_note])
        self.assertEqual(response.status_code, 303)
        payment = self._new_payment()
        self.assertTrue(response.headers["Location"].endswith(f"/my/payer-portal/pay/{payment.id}"))
        self.assertEqual(payment.amount, 450.0)
        self.assertEqual(payment.email, self.contact.email, "prefilled for a logged-in customer")

    def test_pay_all_takes_every_payable_invoice_and_credit_of_the_section(self):
        self.authenticate("payer_paula", "payer_paula")
        disputed = self._invoice(70.0, days_late=8, today=self.today)
        self._open_dispute(disputed)  # left out: an open dispute blocks its payment
        self._post_selection(mode="all")
        payment = self._new_payment()
        self.assertEqual(payment._invoices(), self.invoice_a | self.invoice_b)
        self.assertEqual(payment._credits(), self.credit_note)
        self.assertEqual((payment.amount_invoices, payment.amount_credits, payment.amount), (500.0, 50.0, 450.0))

    def test_bad_selections_are_refused_as_a_whole(self):
        self.authenticate("payer_paula", "payer_paula")
        paid = self._invoice(20.0, days_late=2, today=self.today)
        self._pay(paid, 20.0)
        cases = {
            "foreign ids": ([self.invoice_a, self.other_invoice], [], None, "not one of your invoices"),
            "mixed currencies": ([self.invoice_a, self.eur_invoice], [], None, "is not in USD"),
            "already paid": ([paid], [], None, "nothing left to pay"),
            "nothing": ([], [], None, "Select at least one invoice"),
            "wrong section": ([self.invoice_a], [], self.eur, "is not in EUR"),
            "not a currency": ([self.invoice_a], [], "usd'--", "cannot be paid here"),
            "not an id": (["1 OR 1=1"], [], None, "selection is not valid"),
        }
        for case, (invoices, credit_docs, currency, message) in cases.items():
            with self.subTest(case):
                response = self._post_selection(invoices, credit_docs, currency=currency)
                self.assertEqual(response.status_code, 303)
                self.assertIn("/my/payer-portal?", response.headers["Location"])
                page = html.fromstring(self.url_open(response.headers["Location"]).content)
                self.assertIn(message, page.xpath("string(//*[contains(@class, 'o_payer_pay_error')])"))
                if isinstance(currency, str):
                    continue  # no section to go back to
                section = (currency or self.usd).name
                self.assertEqual(
                    page.xpath(f"//section[@data-currency='{section}']//*[contains(@class, 'active')]/@class"),
                    ["nav-link o_payer_tab_to_pay active", "tab-pane fade o_payer_to_pay_pane show active"],
                    "back on the TO PAY tab of the section",
                )
        self.assertFalse(self._new_payment())

    def test_csrf_on_every_post(self):
        self.authenticate("payer_paula", "payer_paula")
        self.assertEqual(self._post_selection([self.invoice_a], csrf=False).status_code, 400)
        self.assertFalse(self._new_payment())
        self._post_selection([self.invoice_a])
        payment = self._new_payment()
        for suffix, data in (("/continue", {"email": "x@example.com"}), ("/setoff", {})):
            response = self.url_open(
                f"/my/payer-portal/pay/{payment.id}{suffix}", data=data, method="POST", allow_redirects=False
            )
            self.assertEqual(response.status_code, 400, suffix)
        self.assertEqual(payment.email, self.contact.email)
        with self.assertRaisesRegex(JsonRpcException, "session expired"):
            self._transaction_request(payment, 300.0, csrf_token="forged")
        self.assertFalse(payment.transaction_ids)

    def _transaction_request(self, payment, amount, **extra):
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
            **extra,
        }
        response = self.url_open(
            f"/my/payer-portal/pay/{payment.id}/transaction",
            json={"id": 0, "jsonrpc": "2.0", "method": "call", "params": params},
        ).json()
        if "error" in response:  # the message the payment form shows the customer
            raise JsonRpcException(response["error"]["code"], response["error"]["data"]["message"])
        return response["result"]

    def test_transaction_amount_is_the_servers_and_replays_make_one_transaction(self):
        self.authenticate("payer_paula", "payer_paula")
        self._post_selection([self.invoice_a, self.invoice_b], [self.credit_note])
        payment = self._new_payment()
        with self.assertRaisesRegex(JsonRpcException, "does not match"):
            self._transaction_request(payment, 1.0)
        self.assertFalse(payment.transaction_ids)
        first = self._transaction_request(payment, 450.0)
        replay = self._transaction_request(payment, 450.0)
        self.assertEqual(first["reference"], replay["reference"])
        self.assertEqual(len(payment.transaction_ids), 1)
        tx = payment.transaction_ids
        self.assertEqual(
            (tx.amount, tx.currency_id, tx.invoice_ids), (450.0, self.usd, self.invoice_a | self.invoice_b)
        )
        self.assertEqual(tx.landing_route, f"/my/payer-portal/pay/{payment.id}/done")
        self._demo_pay(tx)
        with self.assertRaisesRegex(JsonRpcException, "already made"):
            self._transaction_request(payment, 450.0)
        done = html.fromstring(self.url_open(f"/my/payer-portal/pay/{payment.id}/done").content)
        self.assertEqual(done.xpath("//div[contains(@class, 'o_payer_payment_done')]/@data-status"), ["done"])
        self.assertEqual(self.invoice_a.amount_residual + self.invoice_b.amount_residual, 0.0)

    def test_only_an_offered_payment_method_is_accepted(self):
        self.authenticate("payer_paula", "payer_paula")
        self._post_selection([self.invoice_a])
        payment = self._new_payment()
        other_company = self.env["res.company"].create({"name": "Elsewhere Ltd", "currency_id": self.usd.id})
        elsewhere = self.provider.copy({"company_id": other_company.id, "is_published": True})
        elsewhere.state = "test"
        disabled = self.provider.copy({"state": "disabled"})
        for provider in (elsewhere, disabled):
            with self.subTest(provider.state), self.assertRaisesRegex(JsonRpcException, "not available here"):
                self._transaction_request(payment, 300.0, provider_id=provider.id)
        with self.assertRaisesRegex(JsonRpcException, "not available here"):
            self._transaction_request(payment, 300.0, payment_method_id=self.env.ref("payment.payment_method_card").id)
        self.assertFalse(payment.transaction_ids)
        self._transaction_request(payment, 300.0)
        self.assertEqual(len(payment.transaction_ids), 1)

    def test_pending_invoice_is_refused(self):
        self.authenticate("payer_paula", "payer_paula")
        pending = self._select([self.invoice_a])
        self._demo_pay(self._transaction(pending), state="pending")
        response = self._post_selection([self.invoice_a, self.invoice_b])
        self.assertEqual(response.status_code, 303)
        self.assertIn("awaiting payment confirmation", self._flash())
        self.assertEqual(self._new_payment(), pending, "nothing new was created")

    def test_two_requests_at_once_end_with_one_transaction(self):
        self.authenticate("payer_paula", "payer_paula")
        self._post_selection([self.invoice_a])
        payment = self._new_payment()
        # Another request (another database connection) is creating the transaction right now.
        with db_connect(self.env.cr.dbname).cursor() as other:
            other.execute("SELECT pg_advisory_xact_lock(%s, %s)", (725_019, self.invoice_a.id))
            with self.assertRaisesRegex(JsonRpcException, "another window"):
                self._transaction_request(payment, 300.0)
        self.assertFalse(payment.transaction_ids)
        self._transaction_request(payment, 300.0)
        self._transaction_request(payment, 300.0)
        self.assertEqual(len(payment.transaction_ids), 1)

    def test_another_customer_payment_answers_not_found(self):
        self.authenticate("payer_paula", "payer_paula")
        self._post_selection([self.invoice_a])
        payment = self._new_payment()
        self.authenticate("payer_nora", "payer_nora")
        for suffix in ("", "/done"):
            self.assertEqual(self.url_open(f"/my/payer-portal/pay/{payment.id}{suffix}").status_code, 404)
        with self.assertRaises(JsonRpcException):
            self._transaction_request(payment, 300.0)
        self.assertFalse(payment.transaction_ids)

    def test_guest_with_link_gives_an_email_and_pays(self):
        access = self.env["payer.portal.access"]._for_partner(self.customer)
        self.url_open(access._link_path())
        self._post_selection([self.invoice_b])
        payment = self._new_payment()
        self.assertFalse(payment.email, "a guest is asked for the address")
        page = self.url_open(f"/my/payer-portal/pay/{payment.id}?step=pay")
        self.assertTrue(html.fromstring(page.content).xpath("//form[contains(@class, 'o_payer_pay_email_form')]"))
        csrf = html.fromstring(page.content).xpath("//input[@name='csrf_token']/@value")[0]
        bad = self.url_open(
            f"/my/payer-portal/pay/{payment.id}/continue", data={"email": "not an email", "csrf_token": csrf}
        )
        self.assertIn(b"Enter a valid email address", bad.content)
        self.url_open(
            f"/my/payer-portal/pay/{payment.id}/continue",
            data={"email": "ap@brightway.example.com", "csrf_token": csrf},
        )
        self.assertEqual(payment.email, "ap@brightway.example.com")
        form = html.fromstring(self.url_open(f"/my/payer-portal/pay/{payment.id}?step=pay").content)
        self.assertEqual(form.xpath("//form[@id='o_payment_form']/@data-amount"), ["200.0"])
        self.assertFalse(form.xpath("//*[@name='o_payment_tokenize_container']"), "a guest cannot save a card")
        result = self._transaction_request(payment, 200.0)
        self.assertTrue(result["reference"].startswith(payment.name))

    def test_preview_cannot_pay(self):
        manager = self._account_manager("payer_pay_manager")
        self.authenticate(manager.login, manager.login)
        self.url_open(f"/my/payer-portal/preview/{self.customer.id}")
        page = html.fromstring(self.url_open(self._to_pay_url()).content)
        self.assertTrue(page.xpath("//form[contains(@class, 'o_payer_to_pay_form')]"), "TO PAY is shown")
        self.assertFalse(page.xpath("//button[contains(@class, 'o_payer_pay_selected')]"))
        self.assertEqual(self._post_selection([self.invoice_a]).status_code, 403)
        self.assertFalse(self._new_payment())

    def test_pay_tour_as_a_guest_with_a_signed_link(self):
        access = self.env["payer.portal.access"]._for_partner(self.customer)
        self.start_tour(access._link_path(), "account_payer_portal_pay_guest")
        self.assertEqual(self.invoice_a.amount_residual, 0.0)
        self.assertEqual((self.invoice_b.amount_residual, self.credit_note.amount_residual), (200.0, 50.0))
        payment = self._new_payment()
        self.assertEqual((payment.state, payment.amount, payment.contact_id), ("done", 300.0, self.env["res.partner"]))
        mail = self.env["mail.mail"].search([("model", "=", "payer.payment"), ("res_id", "=", payment.id)])
        self.assertEqual(mail.email_to, "ap@brightway.example.com")

    def test_pay_tour(self):
        self.start_tour("/my/payer-portal", "account_payer_portal_pay", login="payer_paula")
        self.assertEqual((self.invoice_a.amount_residual, self.invoice_b.amount_residual), (0.0, 0.0))
        self.assertEqual(self.credit_note.amount_residual, 0.0, "the credit note is used")
        self.assertEqual(self.eur_invoice.amount_residual, 90.0)
        payment = self._new_payment()
        self.assertEqual((payment.state, payment.amount), ("done", 450.0))
        self.assertEqual(payment.transaction_ids.filtered(lambda tx: tx.state == "done").payment_id.amount, 450.0)
        mail = self.env["mail.mail"].search([("model", "=", "payer.payment"), ("res_id", "=", payment.id)])
        self.assertEqual(mail.email_to, "paula.ap@brightway.example.com")
        for text in ("450.00", "50.00", self.invoice_a.name, self.invoice_b.name, self.credit_note.name):
            self.assertIn(text, mail.body_html)
