"""Account status emails that go out by themselves: weekly or monthly per customer, once a day."""

from datetime import date, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import TODAY, PayerPortalCommon

CRON = "account_payer_portal.ir_cron_payer_status_send"
SENT = "Scheduled account status email"


@tagged("post_install", "-at_install")
class TestPayerStatusSchedule(PayerPortalCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        assert TODAY.weekday() == 0, "TODAY is a Monday"
        cls.customer.email = "ap@brightway.example.com"
        cls.invoice = cls._invoice(500.0, days_late=10)
        cls.manager = cls._account_manager("status_manager", name="Sam Status")
        cls.customer.user_id = cls.manager
        cls.weekly(cls.customer)

    @classmethod
    def weekly(cls, partner, weekday="0"):
        partner.with_company(cls.company).write({"payer_status_frequency": "weekly", "payer_status_weekday": weekday})

    def _run(self, day):
        """The cron as it runs in production (its own cursor, as the superuser), on ``day``."""
        self.env.flush_all()
        with freeze_time(day), self.enter_registry_test_mode():
            self.env.ref(CRON).sudo().method_direct_trigger()
        self.env.invalidate_all()

    def _sent(self, partner=None):
        partner = partner or self.customer
        return partner.message_ids.filtered(lambda m: SENT in str(m.body))

    def test_weekly_goes_out_on_its_weekday_only(self):
        self._run(TODAY)
        [log] = self._sent()
        self.assertIn(self.customer.email, log.mail_ids.mapped("email_to") + log.partner_ids.mapped("email"))
        self.assertEqual(self.customer.with_company(self.company).payer_status_last_auto, TODAY)
        for day in range(1, 7):
            self._run(TODAY + timedelta(days=day))
        self.assertEqual(len(self._sent()), 1, "not on the other days of the week")
        self._run(TODAY + timedelta(days=7))
        self.assertEqual(len(self._sent()), 2, "again the next Monday")

    def test_a_run_twice_the_same_day_sends_nothing_twice(self):
        self._run(TODAY)
        self._run(TODAY)
        self.assertEqual(len(self._sent()), 1)
        self.assertEqual(len(self._sent().mail_ids), 1)

    def test_monthly_on_the_31st_goes_out_on_the_last_day_of_a_shorter_month(self):
        self.customer.with_company(self.company).write(
            {"payer_status_frequency": "monthly", "payer_status_monthday": 31}
        )
        self._run(date(2026, 6, 29))
        self.assertFalse(self._sent())
        self._run(date(2026, 6, 30))
        self.assertEqual(len(self._sent()), 1, "June has 30 days")
        self._run(date(2026, 7, 30))
        self.assertEqual(len(self._sent()), 1)
        self._run(date(2026, 7, 31))
        self.assertEqual(len(self._sent()), 2)

    def test_never_by_default_and_the_company_default_applies_to_customers_without_their_own(self):
        follower = self.env["res.partner"].create(
            {"name": "Follower Ltd", "is_company": True, "email": "f@example.com"}
        )
        self._invoice(100.0, days_late=3, partner=follower)
        self.assertEqual(follower.with_company(self.company).payer_status_frequency, "never")
        self._run(TODAY)
        self.assertFalse(self._sent(follower))
        self.env["res.config.settings"].with_company(self.company).create(
            {"payer_status_frequency": "weekly", "payer_status_weekday": "0"}
        ).execute()
        self.env.invalidate_all()
        self.assertEqual(follower.with_company(self.company).payer_status_frequency, "weekly")
        self.customer.with_company(self.company).payer_status_frequency = "never"  # its own choice stays
        self._run(TODAY + timedelta(days=7))
        self.assertEqual(len(self._sent(follower)), 1)
        self.assertEqual(len(self._sent()), 1, "the first Monday only, before its own choice")

    def test_skips_a_customer_who_owes_nothing(self):
        self._pay(self.invoice, 500.0)
        self._run(TODAY)
        self.assertFalse(self._sent())

    def test_skips_a_customer_whose_open_invoices_are_all_disputed(self):
        category = self.env.ref("account_payer_portal.payer_dispute_category_wrong_amount")
        dispute = self.env["payer.dispute"].create(
            {
                "move_id": self.invoice.id,
                "opened_by_id": self.contact.id,
                "category_id": category.id,
                "description": "No",
            }
        )
        self._run(TODAY)
        self.assertFalse(self._sent(), "every open invoice is disputed")
        dispute.unlink()
        other = self._invoice(80.0, days_late=2)
        self.env["payer.dispute"].create(
            {"move_id": other.id, "opened_by_id": self.contact.id, "category_id": category.id, "description": "No"}
        )
        self._run(TODAY + timedelta(days=7))
        self.assertEqual(len(self._sent()), 1, "one undisputed invoice is enough")

    def test_unasked_moves_are_the_disputed_ones(self):
        other = self._invoice(80.0, days_late=2)
        category = self.env.ref("account_payer_portal.payer_dispute_category_wrong_amount")
        self.env["payer.dispute"].create(
            {"move_id": other.id, "opened_by_id": self.contact.id, "category_id": category.id, "description": "No"}
        )
        self.assertEqual(self.Ledger._unasked_moves(self.invoice | other), other)

    def test_a_customer_without_email_is_reported_to_its_salesperson(self):
        self.customer.email = False
        self.contact.email = False
        self._run(TODAY)
        self.assertFalse(self._sent())
        activity = self.customer.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.manager)
        self.assertIn("no email address", str(activity.note))
        self.assertTrue(self.customer.message_ids.filtered(lambda m: "was not sent" in str(m.body)))
        self._run(TODAY)
        self.assertEqual(len(self.customer.activity_ids), 1, "reported once a day")

    def test_each_company_sends_its_own_status_on_its_own_schedule(self):
        company_b = self.setup_other_company(name="Second Co")["company"]
        company_b.partner_id.tz = "UTC"
        self._invoice(70.0, days_late=1, company=company_b)
        self.customer.with_company(company_b).write({"payer_status_frequency": "weekly", "payer_status_weekday": "1"})
        self._run(TODAY)
        [monday] = self._sent()
        self.assertIn(self.company.name, str(monday.body))
        self._run(TODAY + timedelta(days=1))
        [tuesday] = self._sent() - monday
        self.assertIn(company_b.name, str(tuesday.body))

    def test_only_invoicing_users_choose_a_customers_schedule(self):
        employee = self._account_manager("status_employee", groups="base.group_user,base.group_partner_manager")
        with self.assertRaises(AccessError):
            self.customer.with_user(employee).write({"payer_status_frequency": "monthly"})
        writer = self._account_manager(
            "status_writer", groups="base.group_user,base.group_partner_manager,account.group_account_invoice"
        )
        self.customer.with_user(writer).with_company(self.company).write(
            {"payer_status_frequency": "monthly", "payer_status_monthday": 15}
        )
        self._run(TODAY)
        self.assertEqual(len(self._sent()), 1, "the 15th")
