"""Issue 11, points 7, 14 and 15: one live payment per invoice, whatever route starts it, under
PostgreSQL's isolation, and a payer payment is paid only when Stripe itself says so."""

import json
import re
import threading
from datetime import timedelta
from unittest.mock import patch
from urllib.parse import urlsplit

import psycopg2.errors
import requests

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.exceptions import UserError
from odoo.modules.registry import DummyRLock, Registry
from odoo.tests import HOST, BaseCase, HttpCase, get_db_name, tagged
from odoo.tools import config, mute_logger

from .test_payer_payment import PayerPaymentCommon, PayerPaymentStripeCommon


@tagged("post_install", "-at_install")
class TestTrustPaymentsOdooRoutes(PayerPaymentCommon, HttpCase):
    """Point 7: Odoo's own payment routes of an invoice go through the same rule as TO PAY."""

    def _odoo_route(self, url, **params):
        values = {
            "provider_id": self.provider.id,
            "payment_method_id": self.provider.payment_method_ids[:1].id,
            "token_id": None,
            "amount": params.pop("amount", None),
            "flow": "direct",
            "tokenization_requested": False,
            "landing_route": "/my/invoices",
            "is_validation": False,
            **params,
        }
        return self.url_open(url, json={"id": 0, "jsonrpc": "2.0", "method": "call", "params": values}).json()

    def _live_transactions(self, invoice):
        return (
            self.env["payment.transaction"]
            .sudo()
            .search([("invoice_ids", "in", invoice.ids), ("state", "not in", ("cancel", "error"))])
        )

    def test_odoo_invoice_route_refuses_an_invoice_held_by_a_pending_payer_payment(self):
        invoice = self._invoice(500.0, days_late=10, partner=self.contact)
        held = self._select([invoice])
        self._demo_pay(self._transaction(held), state="pending")
        self.authenticate("payer_paula", "payer_paula")
        with mute_logger("odoo.http"):
            answer = self._odoo_route(
                f"/invoice/transaction/{invoice.id}", access_token=invoice._portal_ensure_token(), amount=450.0
            )
        self.assertIn("error", answer, "a second payment of the invoice is refused")
        self.assertIn("awaiting confirmation", answer["error"]["data"]["message"])
        self.assertEqual(self._live_transactions(invoice), held.transaction_ids, "no second transaction")
        self.assertEqual(self._open(invoice), 500.0)

    def test_odoo_overdue_route_refuses_an_invoice_held_by_a_payer_payment(self):
        invoice = self._invoice(500.0, days_late=10, partner=self.contact)
        held = self._select([invoice])
        tx = self._demo_pay(self._transaction(held), state="pending")
        self.authenticate("payer_paula", "payer_paula")
        with mute_logger("odoo.http"):
            answer = self._odoo_route("/invoice/transaction/overdue", payment_reference=invoice.name, amount=500.0)
        self.assertIn("error", answer)
        self.assertEqual(self._live_transactions(invoice), tx)

    def test_odoo_invoice_route_refuses_a_payment_done_but_not_yet_posted(self):
        invoice = self._invoice(500.0, days_late=10, partner=self.contact)
        held = self._select([invoice])
        tx = self._transaction(held)
        tx._process("demo", {"reference": tx.reference, "simulated_state": "done"})
        self.assertFalse(invoice._has_to_be_paid(), "the invoice page offers no payment")
        self.authenticate("payer_paula", "payer_paula")
        with mute_logger("odoo.http"):
            answer = self._odoo_route(
                f"/invoice/transaction/{invoice.id}", access_token=invoice._portal_ensure_token(), amount=500.0
            )
        self.assertIn("error", answer)
        self.assertEqual(self._live_transactions(invoice), tx)

    def test_odoo_invoice_route_replaces_an_unfinished_payer_attempt(self):
        """A draft of TO PAY that the provider can still cancel is replaced, as TO PAY replaces its
        own: one attempt at a time can take the money."""
        invoice = self._invoice(500.0, days_late=10, partner=self.contact)
        held = self._select([invoice])
        draft = self._transaction(held)
        self.authenticate("payer_paula", "payer_paula")
        answer = self._odoo_route(
            f"/invoice/transaction/{invoice.id}", access_token=invoice._portal_ensure_token(), amount=500.0
        )
        self.assertNotIn("error", answer)
        self.assertEqual((draft.state, held.state), ("cancel", "cancel"))
        self.assertEqual(len(self._live_transactions(invoice)), 1)

    def test_any_transaction_created_for_a_held_invoice_is_refused(self):
        """The rule is on the transaction's creation: JSON-RPC, a module, a backend action."""
        invoice = self._invoice(500.0, days_late=10)
        held = self._select([invoice])
        self._demo_pay(self._transaction(held), state="pending")
        with self.assertRaisesRegex(UserError, "awaiting confirmation"):
            self.env["payment.transaction"].sudo().create(
                {
                    "provider_id": self.provider.id,
                    "payment_method_id": self.provider.payment_method_ids[:1].id,
                    "amount": 500.0,
                    "currency_id": self.usd.id,
                    "partner_id": self.contact.id,
                    "operation": "online_direct",
                    "invoice_ids": [Command.set(invoice.ids)],
                }
            )


@tagged("post_install", "-at_install")
class TestTrustPaymentsStripeWebhook(PayerPaymentStripeCommon, HttpCase):
    """Point 15: a forged Stripe event (no webhook secret on the provider) pays nothing."""

    def setUp(self):
        super().setUp()
        self.stripe.stripe_webhook_secret = False

    def _forge(self, tx, intent_id, amount):
        event = {
            "id": "evt_forged",
            "type": "payment_intent.succeeded",
            "data": {
                "object": {
                    "id": intent_id,
                    "object": "payment_intent",
                    "description": tx.reference,
                    "status": "succeeded",
                    "amount": int(round(amount * 100)),
                    "currency": tx.currency_id.name.lower(),
                    "payment_method": {"id": "pm_forged", "type": "card", "card": {"brand": "visa"}},
                }
            },
        }
        response = self.url_open(
            "/payment/stripe/webhook",
            data=json.dumps(event),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        self.env.ref("payment.cron_post_process_payment_tx").sudo().method_direct_trigger()
        self.env.invalidate_all()

    def test_forged_stripe_event_pays_no_invoice_and_uses_no_credit(self):
        first = self._invoice(1000.0, days_late=30)
        second = self._invoice(500.0, days_late=10)
        credit_note = self._invoice(350.0, move_type="out_refund")
        payment = self._select([first, second], [credit_note])
        tx = self._transaction(payment, self.stripe)
        tx._get_processing_values()
        self.assertEqual(tx.provider_reference, "pi_first")
        with mute_logger("odoo.addons.payment_stripe.controllers.main", "odoo.addons.payment.models.payment_provider"):
            self._forge(tx, "pi_first", 1150.0)  # Stripe's PaymentIntent is still unpaid
            self._forge(tx, "pi_forged", 1150.0)  # an intent Stripe does not know
        self.assertNotEqual(tx.state, "done")
        self.assertFalse(tx.payment_id)
        self.assertEqual((self._open(first), self._open(second), self._open(credit_note)), (1000.0, 500.0, -350.0))
        self.assertEqual(payment.state, "processing")

    def test_forged_event_with_another_paid_intent_pays_nothing(self):
        """The PaymentIntent of another (really paid) payment of the same amount is not this one's."""
        invoice = self._invoice(200.0, days_late=10)
        other = self._invoice(200.0, days_late=5)
        paid = self._transaction(self._select([other]), self.stripe)
        paid._get_processing_values()
        self.stripe_intents["pi_first"]["status"] = "succeeded"
        payment = self._select([invoice])
        tx = self._transaction(payment, self.stripe)
        tx._get_processing_values()
        with mute_logger("odoo.addons.payment_stripe.controllers.main", "odoo.addons.payment.models.payment_provider"):
            self._forge(tx, "pi_first", 200.0)
        self.assertNotEqual(tx.state, "done")
        self.assertEqual(self._open(invoice), 200.0)

    def test_stripe_confirmed_intent_pays_the_invoices(self):
        invoice = self._invoice(200.0, days_late=10)
        credit_note = self._invoice(50.0, move_type="out_refund")
        payment = self._select([invoice], [credit_note])
        tx = self._transaction(payment, self.stripe)
        tx._get_processing_values()
        self.stripe_intents["pi_first"]["status"] = "succeeded"  # the customer paid at Stripe
        self._forge(tx, "pi_first", 150.0)  # any notice now only makes Odoo ask Stripe
        self.assertEqual(tx.state, "done")
        self.assertEqual((self._open(invoice), self._open(credit_note), payment.state), (0.0, 0.0, "done"))

    def _stock_stripe_transaction(self, invoice):
        """A Stripe transaction as Odoo's own invoice page creates it."""
        return (
            self.env["payment.transaction"]
            .sudo()
            .create(
                {
                    "provider_id": self.stripe.id,
                    "payment_method_id": self.stripe.payment_method_ids[:1].id,
                    "reference": invoice.name,
                    "amount": invoice.amount_residual,
                    "currency_id": invoice.currency_id.id,
                    "partner_id": self.contact.id,
                    "operation": "online_direct",
                    "invoice_ids": [Command.set(invoice.ids)],
                }
            )
        )

    def test_forged_event_pays_no_invoice_paid_from_odoos_invoice_page(self):
        invoice = self._invoice(500.0, days_late=10)
        tx = self._stock_stripe_transaction(invoice)
        tx._get_processing_values()
        with mute_logger("odoo.addons.payment_stripe.controllers.main", "odoo.addons.payment.models.payment_provider"):
            self._forge(tx, tx.provider_reference, 500.0)
        self.assertNotEqual(tx.state, "done")
        self.assertEqual(self._open(invoice), 500.0)

    def test_odoos_invoice_page_cannot_pay_while_stripe_may_be_paying_the_payer_attempt(self):
        """The customer is confirming TO PAY's PaymentIntent (Stripe refuses to cancel it): a
        payment started meanwhile from Odoo's invoice page is refused, not charged a second time."""
        self.cancel_status = 400
        invoice = self._invoice(500.0, days_late=10)
        first = self._transaction(self._select([invoice]), self.stripe)
        first._get_processing_values()
        with (
            mute_logger(
                "odoo.addons.account_payer_portal.models.payment_transaction",
                "odoo.addons.payment.models.payment_provider",
            ),
            self.assertRaisesRegex(UserError, "may be going through"),
        ):
            self._stock_stripe_transaction(invoice)
        self.assertIn(("POST", "payment_intents/pi_first/cancel"), self.stripe_calls)
        self.assertEqual(first.state, "draft", "its confirmation by Stripe can still be recorded")


@tagged("post_install", "-at_install")
class TestTrustPaymentsConcurrency(BaseCase):
    """Point 14, with real concurrency: the data is committed (the test database is thrown away
    after the run; this class removes what it created), and every request has its own database
    connection, in Odoo's REPEATABLE READ, as in production."""

    guests = 20

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        cls.created = {}
        cls.addClassCleanup(cls._remove_committed_data)
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env.ref("base.main_company")
            cls.company_id = company.id
            customer = env["res.partner"].create({"name": "Concurrent Guests Ltd", "is_company": True})
            contact = env["res.partner"].create(
                {"name": "Concurrent Guest", "parent_id": customer.id, "email": "guest@concurrent.example.com"}
            )
            method = env.ref("payment_demo.payment_method_demo")
            cls.method_was_active = method.active
            method.active = True
            provider = env.ref("payment.payment_provider_demo").copy(
                {
                    "name": "Demo (concurrency test)",
                    "company_id": company.id,
                    "state": "test",
                    "is_published": True,
                    "payment_method_ids": [Command.set(method.ids)],
                }
            )
            provider.journal_id = env["account.journal"].search(
                [("type", "=", "bank"), ("company_id", "=", company.id)], limit=1
            )
            cls.created.update(customer=customer.id, contact=contact.id, provider=provider.id)
            cls.provider_id, cls.method_id = provider.id, method.id
            cls.customer_id = customer.id
            cls.link = env["payer.portal.access"]._for_partner(customer)._link_url()
            cls.created["access"] = env["payer.portal.access"]._for_partner(customer).id
            cls.created["moves"] = []

    @classmethod
    def _remove_committed_data(cls):
        with cls.registry.cursor() as cr:
            moves = tuple(cls.created.get("moves") or (0,))
            cr.execute("SELECT id FROM payer_payment WHERE partner_id = %s", (cls.created.get("customer", 0),))
            payments = tuple(row[0] for row in cr.fetchall()) or (0,)
            cr.execute(
                """
                DELETE FROM payment_transaction
                 WHERE provider_id = %s OR payer_payment_id IN %s
                    OR id IN (SELECT transaction_id FROM account_invoice_transaction_rel WHERE invoice_id IN %s)
                """,
                (cls.created.get("provider", 0), payments, moves),
            )
            cr.execute("DELETE FROM payer_payment WHERE id IN %s", (payments,))
            cr.execute("DELETE FROM account_move WHERE id IN %s", (moves,))
            cr.execute("DELETE FROM payment_provider WHERE id = %s", (cls.created.get("provider", 0),))
            cr.execute("DELETE FROM payer_portal_access WHERE id = %s", (cls.created.get("access", 0),))
            cr.execute(
                "UPDATE res_partner SET active = FALSE WHERE id IN %s",
                ((cls.created.get("customer", 0), cls.created.get("contact", 0)),),
            )
            if not getattr(cls, "method_was_active", True):
                cr.execute("UPDATE payment_method SET active = FALSE WHERE id = %s", (cls.method_id,))

    def _committed_invoice_and_payments(self, amount, count, chosen=None):
        """A posted invoice of the customer and ``count`` selections of it (one per guest; the
        amount chosen by each in ``chosen``, else the whole invoice)."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env["res.company"].browse(self.company_id)
            customer = env["res.partner"].browse(self.customer_id)
            invoice = (
                env["account.move"]
                .with_company(company)
                .create(
                    {
                        "move_type": "out_invoice",
                        "partner_id": customer.id,
                        "invoice_date": fields.Date.today() - timedelta(days=40),
                        "invoice_date_due": fields.Date.today() - timedelta(days=10),
                        "invoice_line_ids": [
                            Command.create({"name": "Services", "quantity": 1, "price_unit": amount, "tax_ids": []})
                        ],
                    }
                )
            )
            invoice.action_post()
            self.created["moves"].append(invoice.id)
            payments = env["payer.payment"]
            for index in range(count):
                payments |= env["payer.payment"]._create_from_selection(
                    customer,
                    company,
                    company.currency_id,
                    invoice_ids=invoice.ids,
                    companies=company,
                    amounts={invoice.id: chosen[index]} if chosen else None,
                )
            payments.email = "guest@concurrent.example.com"
            return invoice.id, payments.ids

    def _live_transactions(self, invoice_id):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            txs = env["payment.transaction"].search(
                [("invoice_ids", "in", [invoice_id]), ("state", "not in", ("cancel", "error"))]
            )
            return [(tx.reference, tx.state, tx.amount) for tx in txs]

    def _create_transaction(self, env, payment_id):
        """What the transaction route does for the payment (the payment form's request)."""
        payment = env["payer.payment"].browse(payment_id)
        reuse = payment._prepare_transaction(self.provider_id, self.method_id, None, "direct")
        return reuse or env["payment.transaction"].create(
            {
                "provider_id": self.provider_id,
                "payment_method_id": self.method_id,
                "reference": env["payment.transaction"]._compute_reference("demo", prefix=payment.name),
                "amount": payment.amount,
                "currency_id": payment.currency_id.id,
                "partner_id": payment.partner_id.id,
                "operation": "online_direct",
                "invoice_ids": [Command.set(payment._invoices().ids)],
                "payer_payment_id": payment.id,
            }
        )

    @mute_logger("odoo.sql_db")
    def test_a_request_with_an_older_snapshot_never_adds_a_second_transaction(self):
        """The order that broke: B's snapshot is taken, A creates its transaction and commits,
        then B takes the document lock and checks: B must not see "nothing live" and go on."""
        invoice_id, (payment_a, payment_b) = self._committed_invoice_and_payments(220.0, 2)
        with self.registry.cursor() as cr_b:
            env_b = api.Environment(cr_b, SUPERUSER_ID, {})
            self.assertEqual(env_b["payer.payment"].browse(payment_b).state, "draft")  # B's snapshot
            with self.registry.cursor() as cr_a:
                self._create_transaction(api.Environment(cr_a, SUPERUSER_ID, {}), payment_a)
            # A committed. B goes on with its snapshot: refused, or retried by Odoo with a new one.
            with self.assertRaises((psycopg2.errors.SerializationFailure, UserError)):
                self._create_transaction(env_b, payment_b)
            cr_b.rollback()
        self.assertEqual(len(self._live_transactions(invoice_id)), 1)

    def _run_guests_at_once(self, invoice_id, payment_ids, odoo_route_guests=(), amounts=None):
        """Every guest opens the signed link, then all start paying at the same moment, each in its
        own HTTP session (its own request, thread and database cursor on the server): through TO
        PAY, or (indexes in ``odoo_route_guests``) through Odoo's own invoice payment route."""
        base = f"http://{HOST}:{config['http_port']}"
        link = urlsplit(self.link)
        with self.registry.cursor() as cr:
            invoice_token = (
                api.Environment(cr, SUPERUSER_ID, {})["account.move"].browse(invoice_id)._portal_ensure_token()
            )
        barrier = threading.Barrier(len(payment_ids), timeout=60)
        answers = [None] * len(payment_ids)

        def guest(index):
            session = requests.Session()
            params = {
                "provider_id": self.provider_id,
                "payment_method_id": self.method_id,
                "token_id": None,
                "amount": amounts[index] if amounts else 220.0,
                "flow": "direct",
                "tokenization_requested": False,
                "landing_route": "/anywhere",
                "is_validation": False,
            }
            if index in odoo_route_guests:
                url = f"{base}/invoice/transaction/{invoice_id}"
                params["access_token"] = invoice_token
            else:
                session.get(f"{base}{link.path}?{link.query}", timeout=60)
                page = session.get(f"{base}/my/payer-portal", timeout=60).text
                csrf = re.search(r'csrf_token: "([^"]+)"', page)  # the page's own token (its scripts')
                params["csrf_token"] = csrf.group(1) if csrf else ""
                url = f"{base}/my/payer-portal/pay/{payment_ids[index]}/transaction"
            barrier.wait()
            response = session.post(
                url, json={"id": index, "jsonrpc": "2.0", "method": "call", "params": params}, timeout=120
            )
            answers[index] = response.json()

        threads = [threading.Thread(target=guest, args=(index,)) for index in range(len(payment_ids))]
        # The test runner holds the registries' lock while tests run (odoo.service.server): the
        # server's threads wait for it; HttpCase lifts it the same way (registry test mode), but
        # here every request keeps its own real cursor.
        with patch.object(Registry, "_lock", DummyRLock()):
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=180)
        started = [answer for answer in answers if answer and "result" in answer]
        self.assertTrue(started, f"at least one guest could start paying: {answers[:3]}")
        return answers

    @mute_logger("odoo.sql_db", "odoo.http", "odoo.addons.payment")
    def test_twenty_guests_paying_one_invoice_at_once_start_one_live_transaction(self):
        invoice_id, payment_ids = self._committed_invoice_and_payments(220.0, self.guests)
        self._run_guests_at_once(invoice_id, payment_ids)
        live = self._live_transactions(invoice_id)
        self.assertEqual(len(live), 1, f"exactly one transaction can take the money: {live}")

    @mute_logger("odoo.sql_db", "odoo.http", "odoo.addons.payment")
    def test_guests_on_to_pay_and_on_odoos_invoice_page_at_once_start_one_live_transaction(self):
        invoice_id, payment_ids = self._committed_invoice_and_payments(220.0, self.guests)
        self._run_guests_at_once(invoice_id, payment_ids, odoo_route_guests=range(0, self.guests, 2))
        live = self._live_transactions(invoice_id)
        self.assertEqual(len(live), 1, f"exactly one transaction can take the money: {live}")

    @mute_logger("odoo.sql_db", "odoo.http", "odoo.addons.payment")
    def test_twenty_guests_paying_other_amounts_of_one_invoice_at_once_start_one_live_transaction(self):
        """Chosen amounts (issue 16): each guest pays another part of the invoice, all at once."""
        amounts = [10.0 + index for index in range(self.guests)]
        invoice_id, payment_ids = self._committed_invoice_and_payments(220.0, self.guests, chosen=amounts)
        self._run_guests_at_once(invoice_id, payment_ids, amounts=amounts)
        live = self._live_transactions(invoice_id)
        self.assertEqual(len(live), 1, f"exactly one transaction can take the money: {live}")
        self.assertIn(live[0][2], amounts, "for the amount its guest chose")
