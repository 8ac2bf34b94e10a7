from lxml import html

from odoo.http import Request
from odoo.tests import HttpCase, tagged

from .common import PayerPortalCommon


@tagged("post_install", "-at_install")
class TestOpenQuestion(PayerPortalCommon, HttpCase):
    """Issue 12: after *Ask a question*, the invoice's row (Balance tab and TO PAY) shows that a
    question is open, until the responsible marks its To-Do activity done."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = cls._account_manager("question_manager", name="Ada Manager", email="ada@example.com")
        cls.company.payer_dispute_user_id = cls.manager
        cls.today = cls.Ledger._today(cls.company)
        cls.invoice = cls._invoice(300.0, days_late=10, today=cls.today)
        cls.other_invoice = cls._invoice(200.0, days_late=5, today=cls.today)

    def _ask(self, invoice, question="Why this amount?"):
        response = self.url_open(
            f"/my/payer-portal/invoice/{invoice.id}/question",
            data={"question": question, "csrf_token": Request.csrf_token(self)},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 303)

    def _badges(self):
        """Per table (Balance, TO PAY): the activities of the rows that show an open question."""
        badges = {}
        for url, table, attribute in (
            ("/my/payer-portal", "o_payer_balance_table", "data-activity"),
            (f"/my/payer-portal/to-pay?section={self.company.id}-USD", "o_payer_to_pay_table", "data-pay-activity"),
        ):
            usd = html.fromstring(self.url_open(url).content).xpath("//section[@data-currency='USD']")[0]
            badges[table] = {
                row.get(attribute)
                for row in usd.xpath(f".//table[contains(@class, '{table}')]//tbody/tr")
                if row.xpath(".//*[contains(@class, 'o_payer_question_open')]")
            }
        return badges

    def test_open_question_until_its_todo_is_done(self):
        self.assertFalse(self.invoice.payer_question_open)
        self.invoice._payer_post_question(self.contact, "Why this amount?")
        self.assertTrue(self.invoice.payer_question_open)
        self.assertFalse(self.other_invoice.payer_question_open)
        # Another To-Do on the invoice is not the customer's question.
        self.other_invoice.activity_schedule("mail.mail_activity_data_todo", user_id=self.manager.id)
        self.assertFalse(self.other_invoice.payer_question_open)
        self.invoice.activity_ids.action_done()
        self.invoice.invalidate_recordset(["payer_question_open"])
        self.assertFalse(self.invoice.payer_question_open, "answered: the To-Do is done")

    def test_row_shows_the_open_question_on_balance_and_to_pay(self):
        self.authenticate("payer_paula", "payer_paula")
        self.assertEqual(self._badges(), {"o_payer_balance_table": set(), "o_payer_to_pay_table": set()})
        self._ask(self.invoice)
        self.assertEqual(
            self._badges(),
            {"o_payer_balance_table": {self.invoice.name}, "o_payer_to_pay_table": {self.invoice.name}},
        )
        badge = html.fromstring(self.url_open("/my/payer-portal").content).xpath(
            "//*[contains(@class, 'o_payer_question_open')]"
        )[0]
        self.assertEqual(" ".join(badge.text_content().split()), "Question open", "a text, not a colour alone")
        self.invoice.activity_ids.action_done()
        self.assertEqual(self._badges(), {"o_payer_balance_table": set(), "o_payer_to_pay_table": set()})

    def test_open_questions_are_read_in_one_query_for_the_rows(self):
        Ledger = self.env["payer.portal.ledger"]
        more = [self._invoice(10.0 + i, days_late=i, today=self.today) for i in range(6)]

        def count_queries():
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            rows = Ledger._get_rows(self.customer, self.company, self.usd, today=self.today)
            return self.cr.sql_log_count - before, {row["activity"] for row in rows if row["question_open"]}

        count_queries()  # warm the caches
        without, open_rows = count_queries()
        self.assertEqual(open_rows, set())
        for invoice in more:
            invoice._payer_post_question(self.contact, "And this one?")
        with_questions, open_rows = count_queries()
        self.assertEqual(open_rows, {invoice.name for invoice in more})
        self.assertEqual(with_questions, without, "one query whatever the number of questions")
