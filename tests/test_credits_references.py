from lxml import html

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .test_payer_payment import PayerPaymentCommon


def _text(node):
    return " ".join(node.text_content().replace("\xa0", " ").replace("\ufeff", "").split())


@tagged("post_install", "-at_install")
class TestCreditsAndReferences(PayerPaymentCommon, HttpCase):
    """Issue 14, section 3: one convention for credits (available credits are negative, "Credits set
    off" only for what was applied, the same sign everywhere) and one reference per payment (the
    payer payment's name) on every page, email and statement line a customer reads."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = cls.Ledger._today(cls.company)
        cls.invoice = cls._invoice(300.0, days_late=20, today=cls.today)
        cls.credit_note = cls._invoice(50.0, move_type="out_refund", today=cls.today)

    def _page(self, url):
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200, url)
        return html.fromstring(response.content)

    def _figure(self, page, css_class, label):
        """The amount on the row of a figures table whose first cell reads ``label``."""
        rows = [
            row
            for row in page.xpath(f"//*[contains(@class, '{css_class}')]//tr")
            if row.xpath("./td") and _text(row.xpath("./td")[0]) == label
        ]
        self.assertEqual(len(rows), 1, f"one row {label!r} in {css_class}")
        return _text(rows[0].xpath("./td")[-1])

    def _paid(self, retried=False):
        payment = self._select([self.invoice], [self.credit_note])
        if retried:
            with mute_logger("odoo.addons.payment.models.payment_transaction"):
                self._demo_pay(self._transaction(payment), state="error")
        self._demo_pay(self._transaction(payment))
        self.assertEqual(payment.state, "done")
        return payment

    # ------------------------------------------------------------------ credits

    def test_portal_page_shows_available_credits_negative_not_set_off(self):
        self.authenticate("payer_paula", "payer_paula")
        page = self._page("/my/payer-portal")
        self.assertEqual(self._figure(page, "o_payer_balance_due", "Available credits"), "$ -50.00")
        self.assertFalse(
            [td for td in page.xpath("//*[contains(@class, 'o_payer_balance_due')]//td") if "set off" in _text(td)],
            "nothing was set off yet",
        )
        # TO PAY: the credits the selection would use are "to set off", negative.
        page = self._page(f"/my/payer-portal/to-pay?section={self.company.id}-USD")
        totals = page.xpath("//section[@data-currency='USD']//*[contains(@class, 'o_payer_pay_totals')]")[0]
        self.assertIn("Credits to set off:", _text(totals))
        self.assertNotIn("Credits set off", _text(totals))

    def test_payment_summary_shows_credits_negative_to_set_off_then_set_off(self):
        payment = self._select([self.invoice], [self.credit_note])
        self.authenticate("payer_paula", "payer_paula")
        page = self._page(f"/my/payer-portal/pay/{payment.id}")
        self.assertEqual(self._figure(page, "o_payer_payment_summary", "Credits to set off"), "$ -50.00")
        credit_row = page.xpath("//tr[contains(@class, 'o_payer_payment_line_credit')]")[0]
        # Document, Open, Chosen, Credits set off, Paid: the credit note is open for -50 and sets off -50.
        self.assertEqual([_text(td) for td in credit_row.xpath("./td")[1:4]], ["$ -50.00", "", "$ -50.00"])
        invoice_row = page.xpath("//tr[contains(@class, 'o_payer_payment_line_invoice')]")[0]
        self.assertEqual(
            [_text(td) for td in invoice_row.xpath("./td")[1:]], ["$ 300.00", "$ 300.00", "$ -50.00", "$ 250.00"]
        )

        self._demo_pay(self._transaction(payment))
        page = self._page(f"/my/payer-portal/pay/{payment.id}/done")
        self.assertEqual(self._figure(page, "o_payer_payment_summary", "Credits set off"), "$ -50.00")

    def test_receipt_email_shows_credits_set_off_negative(self):
        payment = self._paid()
        mail = self.env["mail.mail"].search([("model", "=", "payer.payment"), ("res_id", "=", payment.id)])
        body = html.fromstring(mail.body_html)
        rows = [
            row for row in body.xpath("//tr") if row.xpath("./td") and _text(row.xpath("./td")[0]) == "Credits set off"
        ]
        self.assertEqual(len(rows), 1)
        self.assertEqual(_text(rows[0].xpath("./td")[-1]), "$ -50.00")
        credit_row = [row for row in body.xpath("//tr") if self.credit_note.name in _text(row)][-1]
        self.assertEqual([_text(td) for td in credit_row.xpath("./td")[1:4]], ["$ -50.00", "", "$ -50.00"])

    # ------------------------------------------------------------------ references

    def test_receipt_email_reads_the_payment_name_in_subject_header_and_body(self):
        payment = self._paid(retried=True)
        mail = self.env["mail.mail"].search([("model", "=", "payer.payment"), ("res_id", "=", payment.id)])
        self.assertTrue(payment.name.startswith("PAY/"))
        self.assertEqual(mail.subject, f"{self.company.name}: receipt of your payment {payment.name}")
        self.assertNotIn(payment.name.replace("/", "-"), mail.body_html, "no other spelling in the header")
        self.assertNotIn(f"{payment.name}-1", mail.body_html, "not the transaction's reference")
        self.assertIn(payment.name, _text(html.fromstring(mail.body_html)))

    def test_retried_payment_confirmation_reads_the_payment_name(self):
        payment = self._paid(retried=True)
        self.assertEqual(len(payment.transaction_ids), 2, "a failed attempt, then the one that paid")
        self.authenticate("payer_paula", "payer_paula")
        page = self._page(f"/my/payer-portal/pay/{payment.id}/done")
        self.assertEqual(_text(page.xpath("//*[contains(@class, 'o_payer_payment_reference')]")[0]), payment.name)

    def test_statement_line_of_a_portal_payment_reads_the_payment_name(self):
        payment = self._paid(retried=True)
        account_payment = payment.payment_id
        self.assertEqual(account_payment.memo, payment.name)
        data = self.env["payer.statement"]._get_statement_data(
            self.customer, self.company, account_payment.date.replace(day=1), account_payment.date
        )
        lines = [line for section in data["sections"] for line in section["lines"]]
        line = [line for line in lines if line["move_id"] == account_payment.move_id.id and line["kind"] == "payment"]
        self.assertEqual(len(line), 1)
        self.assertEqual(line[0]["description"], f"Payment: {payment.name}")
