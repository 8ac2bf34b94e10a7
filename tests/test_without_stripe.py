"""Issue 15: the addon depends on no payment provider. These tests run (tag ``payer_no_stripe``) in
both databases of ``make test``: the one with payment_stripe and the one without it."""

import ast
from pathlib import Path

from lxml import html

from odoo.tests import HttpCase, tagged

from .test_payer_payment import PayerPaymentCommon, PayerPaymentStripeCommon


def stripe_scripts(page):
    """The page's <script> elements that load Stripe's SDK (https://js.stripe.com/v3/)."""
    return html.fromstring(page.content).xpath("//script[contains(@src, 'js.stripe.com')]/@src")


def stripe_installed(env):
    return env["ir.module.module"]._get("payment_stripe").state == "installed"


@tagged("post_install", "-at_install", "payer_no_stripe")
class TestProviderNeutral(PayerPaymentCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._portal_documents()

    def _without_stripe(self):
        if stripe_installed(self.env):
            self.skipTest("payment_stripe is installed in this database (Odoo's module adds its script)")

    def test_manifest_depends_on_no_payment_provider(self):
        manifest = ast.literal_eval((Path(__file__).parents[1] / "__manifest__.py").read_text())
        self.assertEqual(sorted(manifest["depends"]), ["account_payment", "portal"])

    def test_to_pay_payment_page_loads_no_stripe_script(self):
        self._without_stripe()
        self.authenticate("payer_paula", "payer_paula")
        payment = self._select([self.invoice_a])
        page = self.url_open(f"/my/payer-portal/pay/{payment.id}?step=pay")
        self.assertEqual(page.status_code, 200)
        form = html.fromstring(page.content)
        self.assertEqual(form.xpath("//form[@id='o_payment_form']/@data-amount"), ["300.0"])
        self.assertEqual(set(form.xpath("//*[@data-provider-code]/@data-provider-code")), {"demo"})
        self.assertEqual(stripe_scripts(page), [])

    def test_odoos_invoice_page_loads_no_stripe_script(self):
        self._without_stripe()
        self.authenticate("payer_paula", "payer_paula")
        page = self.url_open(f"/my/invoices/{self.invoice_a.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn('data-provider-code="demo"', page.text)
        self.assertEqual(stripe_scripts(page), [])

    def test_provider_form_shows_no_webhook_warning_for_other_providers(self):
        self.assertFalse(self.provider.payer_webhook_secret_missing)
        arch = self.env["payment.provider"].get_view(view_type="form")["arch"]
        self.assertIn('invisible="not payer_webhook_secret_missing"', arch)

    def test_a_replaced_demo_attempt_is_cancelled_without_stripe(self):
        payment = self._select([self.invoice_a])
        first = self._transaction(payment)
        second = self._transaction(self._select([self.invoice_a]))
        self.assertEqual((first.state, first.payer_replaced), ("cancel", False))
        self._demo_pay(second)
        self.assertEqual(self.invoice_a.amount_residual, 0.0)

    def test_pay_tour_with_the_demo_provider(self):
        self.start_tour("/my/payer-portal", "account_payer_portal_pay", login="payer_paula")
        self.assertEqual((self.invoice_a.amount_residual, self.invoice_b.amount_residual), (0.0, 0.0))
        self.assertEqual(self.credit_note.amount_residual, 0.0)
        payment = self.Payment.search([("partner_id", "=", self.customer.id)], order="id desc", limit=1)
        self.assertEqual((payment.state, payment.amount), ("done", 450.0))
        self.assertEqual(payment.transaction_ids.filtered(lambda tx: tx.state == "done").provider_code, "demo")


@tagged("post_install", "-at_install")
class TestStripeWhereInstalled(PayerPaymentStripeCommon):
    """Stripe-only (skipped in a database without payment_stripe)."""

    def test_a_replaced_stripe_attempt_whose_intent_is_unknown_is_recorded_if_paid(self):
        """Only an attempt whose PaymentIntent was cancelled at Stripe counts as unpayable: one whose
        intent Odoo never learnt (e.g. created by a registry where payment_stripe's method shadowed
        ours) is marked replaced, so that if Stripe confirms it anyway the money is recorded."""
        invoice = self._invoice(150.0, days_late=5)
        first = self._transaction(self._select([invoice]), self.stripe)
        self.assertFalse(first.provider_reference, "no PaymentIntent yet")
        self._transaction(self._select([invoice]), self.stripe)
        self.assertEqual((first.state, first.payer_replaced), ("cancel", True))
        self.assertFalse([call for call in self.stripe_calls if call[1].endswith("/cancel")])
