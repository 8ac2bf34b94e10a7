"""Issue 16, part B: an open dispute of amount D on an invoice of balance R blocks D only: TO PAY,
PAY ALL and the server's check offer R - D (the undisputed part); a dispute of the whole balance
blocks the invoice; Odoo's own invoice page keeps a disputed invoice blocked."""

import json

from lxml import html

from odoo import Command
from odoo.exceptions import UserError
from odoo.http import Request
from odoo.tests import HttpCase, tagged

from .test_languages import LanguagesCommon, _text
from .test_payer_payment import PayerPaymentCommon
from .test_phone_a11y import PayerBrowserCommon


class PayUndisputedCommon(PayerPaymentCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = cls.Ledger._today(cls.company)
        cls.category = cls.env.ref("account_payer_portal.payer_dispute_category_wrong_amount")
        cls.invoice = cls._invoice(1000.0, days_late=10, today=cls.today)
        cls.usd_key = f"{cls.company.id}-{cls.usd.name}"

    def _dispute(self, amount, invoice=None):
        return self.env["payer.dispute"].create(
            {
                "move_id": (invoice or self.invoice).id,
                "opened_by_id": self.contact.id,
                "category_id": self.category.id,
                "description": "One line is not ours",
                "amount": amount,
            }
        )

    def _rows(self):
        to_pay = self.Ledger._to_pay(self.customer, self.company, self.usd, self.company)
        return {row["move"]: row for row in to_pay["rows"]}, to_pay

    def _close(self, dispute, state):
        dispute.resolution_note = "Checked with the delivery note."
        dispute.action_resolve() if state == "resolved" else dispute.action_reject()


@tagged("post_install", "-at_install", "payer_no_stripe")
class TestPayUndisputed(PayUndisputedCommon):
    """The ledger's rule (``_payable_amounts``) and what follows from it."""

    def test_partial_dispute_makes_the_undisputed_part_payable(self):
        self._dispute(250.0)
        rows, to_pay = self._rows()
        row = rows[self.invoice]
        self.assertEqual(row["status"], "disputed")
        self.assertTrue(row["payable"])
        self.assertIsNone(row["reason"])
        self.assertEqual((row["payable_amount"], row["disputed_amount"], row["undisputed"]), (750.0, 250.0, True))
        self.assertEqual(to_pay["pay_all"]["amount"], 750.0)
        self.assertEqual(
            self.Ledger._payable_amount_of(self.customer, self.invoice, self.company), 750.0, "what the link offers"
        )

    def test_whole_balance_dispute_still_blocks(self):
        other = self._invoice(100.0, days_late=3, today=self.today)
        self._dispute(1000.0)
        rows, to_pay = self._rows()
        row = rows[self.invoice]
        self.assertFalse(row["payable"])
        self.assertEqual(row["payable_amount"], 0.0)
        self.assertIn("under dispute", row["reason"])
        self.assertEqual(to_pay["pay_all"]["invoices"], other)
        self.assertEqual(to_pay["pay_all"]["amount"], 100.0)
        refusals = self.Ledger._selection_refusals(
            self.customer, self.company, self.usd, self.company, self.invoice, self.env["account.move"]
        )
        self.assertIn("under dispute", refusals[self.invoice])
        with self.assertRaisesRegex(UserError, "under dispute"):
            self._select([self.invoice])

    def test_pay_all_with_a_partial_dispute_takes_the_undisputed_part(self):
        other = self._invoice(100.0, days_late=3, today=self.today)
        credit_note = self._invoice(30.0, move_type="out_refund", today=self.today)
        self._dispute(250.0)
        payable = self.Ledger._payable_documents(self.customer, self.company, self.usd, self.company)
        self.assertEqual(payable["invoices"], self.invoice | other)
        self.assertEqual(payable["undisputed_invoices"], self.invoice)
        self.assertEqual(payable["credit_docs"], credit_note)
        self.assertEqual((payable["amount_invoices"], payable["amount_credits"]), (850.0, 30.0))
        self.assertEqual(payable["amount"], 820.0)

    def test_server_check_refuses_more_than_the_undisputed_part(self):
        self._dispute(250.0)
        Move = self.env["account.move"]

        def refusals(amount):
            return self.Ledger._selection_refusals(
                self.customer,
                self.company,
                self.usd,
                self.company,
                self.invoice,
                Move,
                amounts={self.invoice.id: amount},
            )

        self.assertEqual(refusals(750.0), {})
        self.assertIn("only its undisputed part, $\xa0750.00", refusals(750.01)[self.invoice])
        # A selection without amounts pays what is payable: the undisputed part; more is refused,
        # nothing created.
        self.assertEqual(self._select([self.invoice]).amount, 750.0)
        before = self.Payment.search_count([])
        with self.assertRaisesRegex(UserError, "undisputed part"):
            self._select([self.invoice], amounts={self.invoice.id: "750.01"})
        self.assertEqual(self.Payment.search_count([]), before)

    def test_server_check_refuses_more_than_the_balance(self):
        other = self._invoice(100.0, days_late=3, today=self.today)
        refusals = self.Ledger._selection_refusals(
            self.customer,
            self.company,
            self.usd,
            self.company,
            other,
            self.env["account.move"],
            amounts={other.id: 100.01},
        )
        self.assertEqual(refusals[other], f"{other.name} can be paid up to $\xa0100.00")

    def _planned_payment(self, amount):
        """A TO PAY payment planning ``amount`` of the invoice (as a chosen amount would)."""
        return self.Payment.sudo().create(
            {
                "name": "PAY/TEST",
                "partner_id": self.customer.id,
                "company_id": self.company.id,
                "currency_id": self.usd.id,
                "amount_invoices": amount,
                "amount": amount,
                "line_ids": [
                    Command.create(
                        {
                            "move_id": self.invoice.id,
                            "kind": "invoice",
                            "amount_residual": 1000.0,
                            "amount_paid": amount,
                        }
                    )
                ],
            }
        )

    def test_a_payment_may_take_the_undisputed_part_only(self):
        # The rule every route crosses (account.move._payer_reserve_for_payment).
        self._dispute(250.0)
        self.invoice._payer_reserve_for_payment(payer_payment=self._planned_payment(750.0))
        with self.assertRaisesRegex(UserError, "under dispute"):
            self.invoice._payer_reserve_for_payment(payer_payment=self._planned_payment(750.01))
        with self.assertRaisesRegex(UserError, "under dispute"):
            self.invoice._payer_reserve_for_payment()  # Odoo's invoice page: no TO PAY payment

    def test_paying_the_undisputed_part_leaves_the_dispute_then_rejecting_makes_the_rest_payable(self):
        dispute = self._dispute(250.0)
        self._pay(self.invoice, 750.0)
        self.assertEqual(self.invoice.amount_residual, 250.0)
        self.assertTrue(dispute.is_open, "paying the undisputed part does not close the dispute")
        self.assertEqual(dispute.amount_undisputed, 0.0)
        row = self._rows()[0][self.invoice]
        self.assertEqual((row["balance"], row["payable"], row["payable_amount"]), (250.0, False, 0.0))
        self.assertIn("under dispute", row["reason"])
        self._close(dispute, "rejected")
        row = self._rows()[0][self.invoice]
        self.assertEqual((row["status"], row["payable"], row["payable_amount"]), ("overdue", True, 250.0))

    def test_resolving_with_a_credit_note_of_the_disputed_amount_leaves_nothing(self):
        dispute = self._dispute(250.0)
        self._pay(self.invoice, 750.0)
        credit_note = self._invoice(250.0, move_type="out_refund", today=self.today)
        self._reconcile(self.invoice, credit_note)
        self._close(dispute, "resolved")
        self.assertEqual(self.invoice.payment_state, "paid")
        rows, to_pay = self._rows()
        self.assertNotIn(self.invoice, rows)
        self.assertEqual(to_pay["pay_all"]["amount"], 0.0)

    def test_an_awaiting_payment_blocks_the_undisputed_part(self):
        self._pending_transaction()
        self._dispute(250.0)
        row = self._rows()[0][self.invoice]
        self.assertFalse(row["payable"])
        self.assertIn("awaiting payment confirmation", row["reason"])

    def _pending_transaction(self):
        """A pending transaction of the invoice (started on Odoo's invoice page before the dispute)."""
        tx = (
            self.env["payment.transaction"]
            .sudo()
            .create(
                {
                    "provider_id": self.provider.id,
                    "payment_method_id": self.provider.payment_method_ids[:1].id,
                    "reference": "TX-UNDISPUTED",
                    "amount": 1000.0,
                    "currency_id": self.usd.id,
                    "partner_id": self.contact.id,
                    "operation": "online_direct",
                    "invoice_ids": [Command.set(self.invoice.ids)],
                }
            )
        )
        tx._set_pending()
        return tx

    def test_dispute_amount_with_too_many_decimals_is_refused(self):
        with self.assertRaisesRegex(UserError, "more decimals than USD"):
            self.env["payer.dispute"]._payer_portal_create(
                self.invoice,
                self.contact,
                {"category_id": self.category.id, "description": "Too precise", "amount": 10.005},
            )
        self.assertFalse(self.invoice.payer_dispute_ids)


@tagged("post_install", "-at_install", "payer_no_stripe")
class TestPayUndisputedPortal(PayUndisputedCommon, HttpCase):
    """The dispute form's amount, the "Pay the undisputed N now" link, TO PAY and Odoo's own page."""

    def setUp(self):
        super().setUp()
        self.authenticate("payer_paula", "payer_paula")

    def _post_dispute(self, amount, invoice=None):
        invoice = invoice or self.invoice
        return self.url_open(
            f"/my/payer-portal/invoice/{invoice.id}/dispute",
            data={
                "csrf_token": Request.csrf_token(self),
                "category_id": str(self.category.id),
                "category_other": "",
                "description": "One line is not ours",
                "amount": amount,
            },
            allow_redirects=False,
        )

    def test_form_proposes_the_amount_due(self):
        page = html.fromstring(self.url_open(f"/my/payer-portal/invoice/{self.invoice.id}/dispute").content)
        [field] = page.xpath("//input[@name='amount']")
        self.assertEqual((field.get("value"), field.get("max"), field.get("step")), ("1000.00", "1000.00", "0.01"))

    def test_bad_amounts_are_refused_and_nothing_is_created(self):
        for amount, message in (
            ("0", "must be positive"),
            ("-5", "must be positive"),
            ("1000.01", "cannot be more than what is due on the invoice ($\xa01,000.00)"),
            ("a lot", "as a number"),
            ("NaN", "as a number"),
            ("1e309", "as a number"),
            ("10.005", "more decimals than USD has (2)"),
        ):
            with self.subTest(amount=amount):
                response = self._post_dispute(amount)
                self.assertEqual(response.status_code, 400)
                self.assertIn(message, html.fromstring(response.content).text_content())
                self.assertFalse(self.env["payer.dispute"].search([("move_id", "=", self.invoice.id)]))

    def test_confirmation_offers_to_pay_the_undisputed_part(self):
        response = self._post_dispute("250")
        self.assertEqual(response.status_code, 303)
        dispute = self.invoice.payer_dispute_ids
        self.assertEqual(dispute.amount, 250.0)
        page = html.fromstring(self.url_open(dispute.access_url).content)
        [link] = page.xpath("//a[hasclass('o_payer_pay_undisputed_link')]")
        self.assertEqual(
            link.get("href"), f"/my/payer-portal/to-pay?section={self.usd_key}&select={self.invoice.id}&amount=750.00"
        )
        self.assertEqual(
            " ".join(link.text_content().split()),
            "Pay the undisputed $ 750.00 now",
            "split() also splits at no-break spaces",
        )
        self.assertIn("$\xa0750.00", page.xpath("string(//*[hasclass('o_payer_dispute_undisputed')])"))

        # The link opens TO PAY with the invoice payable for its undisputed part.
        to_pay = html.fromstring(self.url_open(link.get("href")).content)
        [row] = to_pay.xpath(f"//tr[@data-pay-activity='{self.invoice.name}']")
        self.assertEqual(row.xpath(".//input[@name='invoice_ids']/@data-balance"), ["750.00"])
        self.assertFalse(row.xpath(".//input[@name='invoice_ids']/@disabled"))
        self.assertEqual(
            " ".join(row.xpath("string(.//*[hasclass('o_payer_pay_undisputed')])").split()),
            "Undisputed part: $ 750.00 of $ 1,000.00",
        )
        self.assertIn("Partly disputed", row.xpath("string(.//*[hasclass('o_payer_partly_disputed')])"))
        [pay_all] = to_pay.xpath("//*[hasclass('o_payer_pay_all_amount')]/@data-value")
        self.assertEqual(pay_all, "750.00")
        self.assertEqual(
            " ".join(to_pay.xpath("string(//*[hasclass('o_payer_pay_all_undisputed')])").split()),
            f"Partly disputed invoices are paid for their undisputed part only: {self.invoice.name}.",
        )

    def test_no_payment_link_in_an_account_managers_preview(self):
        dispute = self._dispute(250.0)
        self._account_manager("undisputed_manager")
        self.authenticate("undisputed_manager", "undisputed_manager")
        self.url_open(f"/my/payer-portal/preview/{self.customer.id}")
        response = self.url_open(dispute.access_url)
        self.assertEqual(response.status_code, 200)
        page = html.fromstring(response.content)
        self.assertTrue(page.xpath("//*[hasclass('o_payer_dispute_undisputed')]"), "the preview shows the figures")
        self.assertFalse(page.xpath("//a[hasclass('o_payer_pay_undisputed_link')]"), "but offers no payment")

    def test_whole_balance_dispute_offers_no_payment(self):
        self._post_dispute("1000")
        dispute = self.invoice.payer_dispute_ids
        page = html.fromstring(self.url_open(dispute.access_url).content)
        self.assertFalse(page.xpath("//a[hasclass('o_payer_pay_undisputed_link')]"))
        to_pay = html.fromstring(self.url_open(f"/my/payer-portal/to-pay?section={self.usd_key}").content)
        [row] = to_pay.xpath(f"//tr[@data-pay-activity='{self.invoice.name}']")
        self.assertTrue(row.xpath(".//input[@name='invoice_ids']/@disabled"))
        self.assertFalse(row.xpath(".//*[hasclass('o_payer_pay_undisputed')]"))

    def test_odoos_invoice_page_keeps_a_partly_disputed_invoice_blocked(self):
        self.env["ir.config_parameter"].sudo().set_param("account_payment.enable_portal_payment", True)
        self._dispute(250.0)
        self.assertFalse(self.invoice._has_to_be_paid(), "no Pay button on Odoo's invoice page")
        response = self.url_open(
            f"/invoice/transaction/{self.invoice.id}",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "id": 1,
                    "params": {"access_token": self.invoice._portal_ensure_token(), "amount": 750.0},
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        self.assertIn("under dispute cannot be paid online", response.json()["error"]["data"]["message"])
        self.assertFalse(self.invoice.transaction_ids)


class PayUndisputedBrowserCommon(PayerBrowserCommon):
    """The payer's other documents, and an invoice of 1,000 whose part the tour disputes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.category = cls.env.ref("account_payer_portal.payer_dispute_category_wrong_amount")
        cls.invoice = cls._invoice(1000.0, days_late=10, today=cls.today, invoice_user_id=False)

    def _dispute_part_and_follow_the_link(self):
        self.start_tour(
            f"/my/payer-portal/invoice/{self.invoice.id}/dispute",
            "account_payer_portal_pay_undisputed",
            login="payer_paula",
        )
        dispute = self.invoice.payer_dispute_ids
        self.assertEqual((dispute.amount, dispute.is_open), (250.0, True), "the dispute stays open")
        self.assertEqual(self.invoice.amount_residual, 250.0, "the undisputed part is paid, the disputed part open")
        Ledger = self.env["payer.portal.ledger"]
        rows = {row["move"]: row for row in Ledger._get_rows(self.customer, self.company, self.usd, today=self.today)}
        self.assertEqual((rows[self.invoice]["status"], rows[self.invoice]["payable"]), ("disputed", False))


@tagged("post_install", "-at_install")
class TestPayUndisputedPhone(PayUndisputedBrowserCommon, HttpCase):
    browser_size = "390x844"
    touch_enabled = True

    def test_dispute_part_then_pay_the_rest_on_a_phone(self):
        self._dispute_part_and_follow_the_link()


@tagged("post_install", "-at_install")
class TestPayUndisputedDesktop(PayUndisputedBrowserCommon, HttpCase):
    browser_size = "1280x900"

    def test_dispute_part_then_pay_the_rest_on_a_desktop(self):
        self._dispute_part_and_follow_the_link()


@tagged("post_install", "-at_install")
class TestPayUndisputedFrench(LanguagesCommon):
    """The undisputed part reads right in French: words, and money as French writes it. (Odoo
    reads a .po's entries through the .pot: this passes once `make pot` has listed the new ones.)"""

    def test_undisputed_part_and_its_refusal_in_french(self):
        self.env["payer.dispute"].create(
            {
                "move_id": self.invoice_fixed.id,
                "category_id": self.env.ref("account_payer_portal.payer_dispute_category_wrong_amount").id,
                "description": "Une ligne n'a pas été livrée",
                "amount": 250.0,
            }
        )
        Ledger = self.Ledger.with_context(lang="fr_FR")
        rows = Ledger._to_pay(self.customer, self.company, self.eur, self.company)["rows"]
        [row] = [row for row in rows if row["move"] == self.invoice_fixed]
        self.assertEqual(_text(f"<p>{row['undisputed_label']}</p>"), "Partie non contestée : 750,00 € sur 1 000,00 €")
        refusals = Ledger._selection_refusals(
            self.customer,
            self.company,
            self.eur,
            self.company,
            self.invoice_fixed,
            self.env["account.move"],
            amounts={self.invoice_fixed.id: 1000.0},
        )
        self.assertEqual(
            _text(f"<p>{refusals[self.invoice_fixed]}</p>"),
            f"{self.invoice_fixed.name} est partiellement contestée : seule sa partie non contestée, 750,00 €, "
            "peut être payée maintenant",
        )
