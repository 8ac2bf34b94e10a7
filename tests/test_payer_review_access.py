"""Review of the signed links, preview, disputes, statements and ledger: each test proves a bug
(or checks a case the other tests leave out)."""

from urllib.parse import quote

from odoo.http import Request
from odoo.tests import HttpCase, new_test_user, tagged

from .common import PayerPortalCommon

INVALID = b"This link is invalid or has expired"


@tagged("post_install", "-at_install")
class TestPayerReviewAccess(PayerPortalCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = cls.Ledger._today(cls.company)
        cls.invoice = cls._invoice(830.0, days_late=12, today=cls.today, invoice_user_id=False)
        cls.access = cls.env["payer.portal.access"]._for_partner(cls.customer)
        # A second company, with a customer of its own that company A's users may not read.
        cls.company_b = cls.setup_other_company(name="Company B")["company"]
        cls.customer_b = cls.env["res.partner"].create(
            {"name": "Company B Only Customer", "is_company": True, "company_id": cls.company_b.id}
        )
        cls.invoice_b = cls._invoice(
            444.0,
            days_late=3,
            partner=cls.customer_b,
            company=cls.company_b,
            currency=cls.company_b.currency_id,
            today=cls.today,
        )
        cls.manager_a = cls._account_manager("review_manager_a")  # company A only
        cls.employee = new_test_user(
            cls.env, login="review_employee", password="review_employee", groups="base.group_user"
        )

    # ------------------------------------------------------------------ preview, multi-company

    def test_preview_of_another_companys_customer_is_refused(self):
        """An account manager of company A only must not read company B's receivables."""
        self.assertFalse(
            self.env["res.partner"].with_user(self.manager_a).search([("id", "=", self.customer_b.id)]),
            "company A's manager cannot even read this customer in the backend",
        )
        self.authenticate("review_manager_a", "review_manager_a")
        response = self.url_open(f"/my/payer-portal/preview/{self.customer_b.id}")
        shown = "444.00" in response.text and self.customer_b.name in response.text
        self.assertFalse(shown, "company B's customer and invoice are shown to company A's user")
        self.assertNotEqual(response.status_code, 200)

    # ------------------------------------------------------------------ statement report route

    def test_statement_report_route_needs_accounting_rights(self):
        """The PDF/HTML statement is reachable through Odoo's generic /report route, which does not
        check the report's groups: any employee reads any customer's statement."""
        self.authenticate("review_employee", "review_employee")
        response = self.url_open(f"/report/html/account_payer_portal.report_payer_statement/{self.customer.id}")
        self.assertEqual(response.status_code, 403)
        self.assertFalse(
            self.customer.name in response.text and "830.00" in response.text,
            "an employee without Invoicing rights reads the customer's statement",
        )

    # ------------------------------------------------------------------ malformed links

    def test_malformed_links_get_the_invalid_page(self):
        """Every bad link answers with the same 403 page, never a server error."""
        cases = {
            "non-ASCII secret": f"/my/payer-portal?payer_token={self.access.id}.{quote('é' * 43)}",
            "non-ASCII digit as id": f"/my/payer-portal?payer_token={quote('²')}.{self.access.token}",
        }
        for case, url in cases.items():
            with self.subTest(case=case):
                self.url_open("/web/session/logout")
                response = self.url_open(url)
                self.assertEqual(response.status_code, 403, case)
                self.assertIn(INVALID, response.content, case)

    # ------------------------------------------------------------------ dispute amount

    def _post_dispute(self, amount):
        self.authenticate("payer_paula", "payer_paula")
        category = self.env.ref("account_payer_portal.payer_dispute_category_wrong_amount")
        data = {
            "category_id": str(category.id),
            "category_other": "",
            "description": "Charged twice",
            "amount": amount,
            "csrf_token": Request.csrf_token(self),
        }
        return self.url_open(f"/my/payer-portal/invoice/{self.invoice.id}/dispute", data=data, allow_redirects=False)

    def test_dispute_amount_nan_or_infinite_is_refused_on_the_form(self):
        for amount in ("nan", "inf", "1e400"):
            with self.subTest(amount=amount):
                response = self._post_dispute(amount)
                self.assertEqual(response.status_code, 400, f"{amount}: the form should say what is wrong")
                self.assertIn("o_payer_form_error", response.text)
                self.assertFalse(self.env["payer.dispute"].search([("move_id", "=", self.invoice.id)]))

    # ------------------------------------------------------------------ statement period

    def test_statement_period_at_the_end_of_the_calendar_is_refused_cleanly(self):
        self.authenticate("payer_paula", "payer_paula")
        response = self.url_open("/my/payer-portal/statement?date_from=9995-01-01&date_to=9999-12-31")
        self.assertIn(response.status_code, (200, 400), "a statement or a clear message, not a server error")
