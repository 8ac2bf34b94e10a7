from datetime import datetime, time, timedelta
from pathlib import Path

import polib
from freezegun import freeze_time
from lxml import html

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.http import Request
from odoo.tests import HttpCase, TransactionCase, tagged
from odoo.tools.translate import PoFileReader

from .common import TODAY, PayerPortalCommon
from .test_phone_a11y import PayerBrowserCommon


def _text(markup):
    """The text as a reader sees it (one plain space between words, non-breaking ones too)."""
    return " ".join(html.fromstring(str(markup)).text_content().split())


def _noon(day):
    """Noon UTC of ``day`` (the company's timezone in the tests is UTC)."""
    return datetime.combine(day, time(12, 0))


class PayerPromiseCommon(PayerPortalCommon):
    """The customer, its account manager (the company's default responsible) and open invoices."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = cls._account_manager("promise_manager", name="Ada Manager", email="ada@example.com")
        cls.company.payer_dispute_user_id = cls.manager
        cls.invoice = cls._invoice(1000.0, invoice_user_id=False)
        cls.second = cls._invoice(400.0, days_late=-5, invoice_user_id=False)
        cls.Promise = cls.env["payer.promise"]
        cls.company_b = cls.setup_other_company(name="Promise Company B")["company"]

    def _promise(self, moves=None, day=None, note=None, contact=None):
        """A promise made from the portal on TODAY (as the route does: as superuser)."""
        moves = moves if moves is not None else self.invoice | self.second
        day = day or TODAY + timedelta(days=10)
        with freeze_time(_noon(TODAY)):
            return self.Promise.sudo()._payer_portal_create(
                self.customer, contact or self.contact, self.company, moves, str(day), note
            )

    def _broken_mail(self, promise):
        """The email telling the customer that the promised payment was not received."""
        return (
            self.env["mail.mail"]
            .sudo()
            .search([("model", "=", "payer.promise"), ("res_id", "=", promise.id)])
            .filtered(lambda mail: promise.partner_id.commercial_partner_id in mail.recipient_ids.commercial_partner_id)
        )

    def _close_on(self, day):
        """Run the daily cron as the scheduler does (its own cursor, committing its batches)."""
        self.env.flush_all()
        cron = self.env.ref("account_payer_portal.ir_cron_payer_promise_close").sudo()
        with freeze_time(_noon(day)), self.enter_registry_test_mode():
            cron.method_direct_trigger()
        self.env.invalidate_all()


@tagged("post_install", "-at_install")
class TestPayerPromise(PayerPromiseCommon):
    """The rules of a promise to pay, its life (kept, broken, replaced) and what emails ask for."""

    def test_promise_records_amounts_logs_and_asks_the_responsible(self):
        promise = self._promise(note="Paid by our head office")
        self.assertEqual(promise.state, "open")
        self.assertEqual(promise.partner_id, self.customer)
        self.assertEqual(promise.contact_id, self.contact)
        self.assertEqual(promise.currency_id, self.usd)
        self.assertEqual(promise.amount_promised, 1400.0)
        self.assertEqual(self.invoice.payer_promise_id, promise)
        self.assertEqual(self.invoice.payer_promise_date, TODAY + timedelta(days=10))
        [activity] = promise.activity_ids
        self.assertEqual(activity.user_id, self.manager)
        self.assertEqual(activity.date_deadline, promise.date)
        self.assertIn(promise.name, self.invoice.message_ids[0].body)
        self.assertIn("Paid by our head office", self.customer.message_ids[0].body)
        self.assertEqual(self.customer.payer_promise_count, 1)
        self.assertEqual(
            self.env["account.move"].search([("payer_promise_id", "!=", False)]), self.invoice | self.second
        )

    def test_backend_banner_filter_smart_button_and_setting(self):
        promise = self._promise(moves=self.invoice)
        Move = self.env["account.move"].with_user(self.manager)
        views = Move.get_views([(False, "form"), (False, "search")])["views"]
        self.assertIn("o_payer_promise_banner", views["form"]["arch"])
        self.assertIn('name="payer_promised"', views["search"]["arch"])
        self.assertEqual(Move.search([("payer_promise_id", "!=", False)]), self.invoice)
        action = self.customer.with_user(self.manager).action_view_payer_promises()
        self.assertEqual(self.env["payer.promise"].with_user(self.manager).search(action["domain"]), promise)
        self.assertEqual(self.invoice.with_user(self.manager).action_view_payer_promise()["res_id"], promise.id)
        settings = self.env["res.config.settings"].with_company(self.company).create({"payer_promise_max_days": 10})
        settings.execute()
        self.assertEqual(self.company.payer_promise_max_days, 10)

    def test_kept_when_paid_by_the_date(self):
        promise = self._promise()
        self._pay(self.invoice | self.second, 1400.0, days_ago=0)
        self._close_on(TODAY + timedelta(days=1))
        self.assertEqual(promise.state, "kept")
        self.assertFalse(promise.activity_ids, "the follow-up is done")
        self.assertFalse(self.invoice.payer_promise_id)

    def test_credited_invoice_keeps_the_promise(self):
        promise = self._promise(moves=self.invoice)
        refund = self._invoice(1000.0, move_type="out_refund")
        self._reconcile(self.invoice, refund)
        self._close_on(TODAY + timedelta(days=2))
        self.assertEqual(promise.state, "kept")

    def test_broken_the_day_after_the_date(self):
        promise = self._promise()
        self._close_on(promise.date)
        self.assertEqual(promise.state, "open", "on the date itself the customer may still pay")
        self._close_on(promise.date + timedelta(days=1))
        self.assertEqual(promise.state, "broken")
        self.assertFalse(self.invoice.payer_promise_id, "the invoices are asked for again")
        [activity] = promise.activity_ids
        self.assertEqual(activity.user_id, self.manager)
        self.assertIn("broken", activity.summary)
        mail = self._broken_mail(promise)
        self.assertEqual(mail.recipient_ids, self.contact)
        self.assertIn("was not received", _text(mail.body_html))
        self.assertIn("$ 1,400.00", _text(mail.body_html))
        rows = self.Ledger._get_rows(self.customer, self.company, self.usd, today=promise.date + timedelta(days=1))
        self.assertEqual(
            {row["move"]: row["promise"][0] for row in rows}, {self.invoice: "broken", self.second: "broken"}
        )

    def test_broken_email_is_in_the_contacts_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["account_payer_portal"], ["fr_FR"], overwrite=True)
        self.env.invalidate_all()  # the terms are written in SQL
        self.contact.lang = "fr_FR"
        promise = self._promise(moves=self.invoice)
        self._close_on(promise.date + timedelta(days=1))
        mail = self._broken_mail(promise)
        self.assertIn("n'a pas été reçu", _text(mail.body_html))

    def test_partial_payment_keeps_it_open_until_the_date_then_broken(self):
        promise = self._promise()
        self._pay(self.invoice, 600.0, days_ago=0)
        self._close_on(TODAY + timedelta(days=3))
        self.assertEqual(promise.state, "open")
        self.assertEqual(promise.amount_residual, 800.0)
        self._close_on(promise.date + timedelta(days=1))
        self.assertEqual(promise.state, "broken")
        mail = self._broken_mail(promise)
        self.assertIn("Still due: $ 800.00", _text(mail.body_html))

    def test_payment_dated_after_the_date_does_not_keep_it(self):
        promise = self._promise(moves=self.invoice)
        self._pay(self.invoice, 1000.0, days_ago=-20)  # dated 10 days after the promised date
        self._close_on(promise.date + timedelta(days=1))
        self.assertEqual(promise.state, "broken")

    def test_new_promise_replaces_the_open_one(self):
        first = self._promise()
        second = self._promise(moves=self.invoice, day=TODAY + timedelta(days=20))
        self.assertEqual(first.state, "open", "it still holds the other invoice")
        self.assertEqual(first.move_ids, self.second)
        self.assertEqual(first.amount_promised, 400.0)
        self.assertEqual(self.invoice.payer_promise_id, second)
        self.assertIn(second.name, first.message_ids[0].body)
        third = self._promise(moves=self.second, day=TODAY + timedelta(days=5))
        self.assertEqual(first.state, "replaced")
        self.assertFalse(first.activity_ids)
        self.assertEqual(self.second.payer_promise_id, third)
        self._close_on(first.date + timedelta(days=1))
        self.assertEqual(first.state, "replaced", "the cron leaves a replaced promise alone")

    def test_date_must_be_from_today_to_the_company_maximum(self):
        with self.assertRaisesRegex(ValidationError, "in the past"):
            self._promise(day=TODAY - timedelta(days=1))
        with self.assertRaisesRegex(ValidationError, "at most 30 days"):
            self._promise(day=TODAY + timedelta(days=31))
        self.assertTrue(self._promise(day=TODAY + timedelta(days=30)))
        self.company.payer_promise_max_days = 5
        with self.assertRaisesRegex(ValidationError, "at most 5 days"):
            self._promise(day=TODAY + timedelta(days=6))
        self.assertTrue(self._promise(day=TODAY))

    def test_today_is_the_companys(self):
        self.company.partner_id.tz = "Pacific/Auckland"  # already the 16th there at noon UTC on the 15th
        with self.assertRaisesRegex(ValidationError, "in the past"):
            self._promise(day=TODAY)

    def test_rules_hold_on_the_model_whoever_creates(self):
        theirs = self._invoice(70.0, partner=self.other_customer)
        paid = self._invoice(50.0)
        self._pay(paid, 50.0)
        disputed = self._invoice(60.0)
        self.env["payer.dispute"].create(
            {
                "move_id": disputed.id,
                "opened_by_id": self.contact.id,
                "category_id": self.env.ref("account_payer_portal.payer_dispute_category_wrong_amount").id,
                "description": "Wrong",
            }
        )
        other_company = self._invoice(80.0, company=self.company_b)
        for move, message in (
            (theirs, "Only your own open invoices"),
            (other_company, "Only your own open invoices"),
            (disputed, "under dispute"),
            (paid, "already paid"),
        ):
            with self.subTest(move=move.name), self.assertRaisesRegex(ValidationError, message):
                with freeze_time(_noon(TODAY)), self.env.cr.savepoint():
                    self.Promise.create(
                        {
                            "partner_id": self.customer.id,
                            "company_id": self.company.id,
                            "currency_id": self.usd.id,
                            "date": TODAY + timedelta(days=3),
                            "line_ids": [Command.create({"move_id": move.id})],
                        }
                    )
        with (
            self.assertRaisesRegex(ValidationError, "limited to 1000 characters"),
            freeze_time(_noon(TODAY)),
            self.env.cr.savepoint(),
        ):
            self.Promise.create(
                {
                    "partner_id": self.customer.id,
                    "company_id": self.company.id,
                    "currency_id": self.usd.id,
                    "date": TODAY + timedelta(days=3),
                    "note": "x" * 1001,
                    "line_ids": [Command.create({"move_id": self.invoice.id})],
                }
            )
        self.assertFalse(self.Promise.search([]))

    def test_a_refused_promise_replaces_nothing(self):
        first = self._promise(moves=self.invoice)
        with self.assertRaises(ValidationError):
            self._promise(moves=self.invoice, day=TODAY + timedelta(days=99))
        self.assertEqual(first.state, "open")
        self.assertEqual(self.invoice.payer_promise_id, first)

    def test_access_portal_users_none_internal_users_of_their_companies(self):
        promise = self._promise()
        with self.assertRaises(AccessError):
            promise.with_user(self.portal_user).read(["date"])
        self.assertEqual(promise.with_user(self.manager).read(["state"])[0]["state"], "open")
        outsider = self._account_manager("promise_outsider")
        outsider.write(
            {
                "company_ids": [Command.set(self.company_b.ids)],
                "company_id": self.company_b.id,
            }
        )
        self.assertFalse(self.Promise.with_user(outsider).search([]))

    def test_unasked_moves_are_disputed_and_promised(self):
        disputed = self._invoice(60.0)
        self.env["payer.dispute"].create(
            {
                "move_id": disputed.id,
                "opened_by_id": self.contact.id,
                "category_id": self.env.ref("account_payer_portal.payer_dispute_category_wrong_amount").id,
                "description": "Wrong",
            }
        )
        self._promise(moves=self.invoice)
        moves = self.invoice | self.second | disputed
        self.assertEqual(self.Ledger._unasked_moves(moves), self.invoice | disputed)

    def test_account_status_email_leaves_promised_invoices_out_of_what_it_asks(self):
        promise = self._promise(moves=self.invoice)
        with freeze_time(_noon(TODAY)):
            body = html.fromstring(str(self.customer._payer_reminder_body(self.company)))
        [requested] = body.xpath("//tr[@data-payer-figure='requested']")
        self.assertEqual(requested.get("data-value"), "400.00", "only the second invoice is asked for")
        [outstanding] = body.xpath("//tr[@data-payer-figure='outstanding']")
        self.assertEqual(outstanding.get("data-value"), "1400.00", "the promised invoice is still shown")
        [row] = body.xpath("//tr[hasclass('o_payer_email_unasked_row')]")
        self.assertEqual(row.get("data-activity"), self.invoice.name)
        self.assertIn(f"Promised for {promise.date.strftime('%m/%d/%Y')}", _text(html.tostring(row)))

    def test_mass_account_status_emails_leave_promised_invoices_out(self):
        self.customer.email = "ap@brightway.example.com"
        self.other_customer.email = "ap@northwind.example.com"
        self._invoice(90.0, partner=self.other_customer)
        self._promise(moves=self.invoice)
        with freeze_time(_noon(TODAY)):
            (self.customer | self.other_customer).with_user(self.manager).action_send_payer_reminder()
        mails = self.env["mail.mail"].sudo().search([("model", "=", "res.partner"), ("res_id", "=", self.customer.id)])
        body = html.fromstring(mails[0].body_html)
        self.assertEqual(body.xpath("//tr[@data-payer-figure='requested']/@data-value"), ["400.00"])
        other = (
            self.env["mail.mail"]
            .sudo()
            .search([("model", "=", "res.partner"), ("res_id", "=", self.other_customer.id)])
        )
        self.assertFalse(html.fromstring(other[0].body_html).xpath("//tr[@data-payer-figure='requested']"))

    def test_statement_email_leaves_promised_invoices_out(self):
        self.customer.email = "ap@brightway.example.com"
        promise = self._promise(moves=self.invoice)
        with freeze_time(_noon(TODAY)):
            wizard = (
                self.env["payer.statement.send"]
                .with_user(self.manager)
                .with_context(active_model="res.partner", active_ids=self.customer.ids)
                .create({"date_from": TODAY - timedelta(days=90), "date_to": TODAY})
            )
            # what Send (one customer) and the queued batch (many) both call for each customer
            message = wizard._send_statement(self.customer, wizard._report_data())
        text = _text(message.body)
        self.assertIn(f"{self.invoice.name} ($ 1,000.00): Promised for {promise.date.strftime('%m/%d/%Y')}", text)
        self.assertIn("To pay now: $ 400.00", text)

    def test_balance_rows_show_promised_for(self):
        promise = self._promise(moves=self.invoice)
        rows = self.Ledger._get_rows(self.customer, self.company, self.usd, today=TODAY)
        marks = {row["move"]: row["promise"] for row in rows}
        self.assertEqual(marks[self.invoice], ("promised", promise.date))
        self.assertIsNone(marks[self.second])

    def test_cron_closes_in_batches_and_is_rerunnable(self):
        promises = self._promise(moves=self.invoice) | self._promise(moves=self.second, day=TODAY + timedelta(days=2))
        self._close_on(TODAY + timedelta(days=3))
        self.assertEqual(promises.mapped("state"), ["open", "broken"])
        self._close_on(TODAY + timedelta(days=3))
        mails = self._broken_mail(promises[0]) | self._broken_mail(promises[1])
        self.assertEqual(len(mails), 1, "a second run emails nobody again")


@tagged("post_install", "-at_install")
class TestPayerPoFiles(TransactionCase):
    """Odoo reads every entry of the translations (its reader stops at an entry without its module,
    and every translation after it, the promise's email included, was lost)."""

    def test_odoo_reads_every_entry_of_the_po_files(self):
        for iso in ("fr", "es", "de"):
            path = Path(__file__).resolve().parent.parent / "i18n" / f"{iso}.po"
            entries = [entry for entry in polib.pofile(str(path)) if entry.msgid]
            with path.open("rb") as po_file:
                rows = list(PoFileReader(po_file))
            self.assertEqual(
                {row["src"] for row in rows}, {entry.msgid for entry in entries}, f"{iso}.po as Odoo reads it"
            )


@tagged("post_install", "-at_install")
class TestPayerPromisePortal(PayerPromiseCommon, HttpCase):
    """The portal routes: who may promise, and bad input refused on the form, nothing created."""

    def setUp(self):
        super().setUp()
        self.authenticate("payer_paula", "payer_paula")
        self.frozen = freeze_time(_noon(TODAY))
        # the tests' server thread reads the same frozen clock
        self.frozen.start()
        self.addCleanup(self.frozen.stop)

    def _post_promise(self, invoices=None, day=None, note="", csrf=True, step="confirm"):
        data = {
            "invoice_ids": [
                str(move.id) for move in (invoices if invoices is not None else self.invoice | self.second)
            ],
            "date": day if isinstance(day, str) else str(day or TODAY + timedelta(days=7)),
            "note": note,
            "step": step,
        }
        if csrf:
            data["csrf_token"] = Request.csrf_token(self)
        return self.url_open("/my/payer-portal/promise", data=data, allow_redirects=False)

    def _assert_refused(self, response, message):
        self.assertEqual(response.status_code, 400)
        page = html.fromstring(response.content)
        self.assertIn(message, " ".join(page.xpath("//div[hasclass('o_payer_form_error')]//text()")))
        self.assertFalse(self.Promise.search([]))

    def test_customer_promises_and_the_rows_say_promised_for(self):
        response = self._post_promise(note="Head office pays")
        self.assertEqual(response.status_code, 303)
        promise = self.Promise.search([])
        self.assertEqual(promise.move_ids, self.invoice | self.second)
        self.assertEqual(promise.contact_id, self.contact)
        self.assertEqual(promise.note, "Head office pays")
        page = html.fromstring(self.url_open(response.headers["Location"]).content)
        self.assertTrue(page.xpath("//div[hasclass('o_payer_promise_recorded')]"))
        day = promise.date.strftime("%m/%d/%Y")
        for move in self.invoice | self.second:
            [badge] = page.xpath(f"//tr[@data-activity='{move.name}']//span[hasclass('o_payer_promised')]")
            self.assertEqual(badge.text_content().strip(), f"Promised for {day}")

    def test_to_pay_selection_opens_the_form(self):
        data = {"invoice_ids": [str(self.invoice.id)], "csrf_token": Request.csrf_token(self), "mode": "selected"}
        response = self.url_open("/my/payer-portal/promise", data=data, allow_redirects=False)
        self.assertEqual(response.status_code, 200)
        page = html.fromstring(response.content)
        self.assertEqual(page.xpath("//tr[hasclass('o_payer_promise_invoice')]/@data-activity"), [self.invoice.name])
        [date_input] = page.xpath("//input[@name='date']")
        self.assertEqual(date_input.get("min"), str(TODAY))
        self.assertEqual(date_input.get("max"), str(TODAY + timedelta(days=30)))
        self.assertFalse(self.Promise.search([]))

    def test_row_menu_offers_a_promise(self):
        page = html.fromstring(self.url_open("/my/payer-portal").content)
        [menu] = page.xpath("//ul[hasclass('o_payer_row_menu_items')]")
        self.assertIn("/my/payer-portal/invoice/0/promise", menu.xpath(".//a/@href"))
        response = self.url_open(f"/my/payer-portal/invoice/{self.invoice.id}/promise")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.invoice.name, response.text)

    def test_date_in_the_past_is_refused(self):
        self._assert_refused(self._post_promise(day=TODAY - timedelta(days=1)), "cannot be in the past")

    def test_date_beyond_the_maximum_is_refused(self):
        self._assert_refused(self._post_promise(day=TODAY + timedelta(days=31)), "at most 30 days")

    def test_not_a_date_is_refused(self):
        self._assert_refused(self._post_promise(day="next friday"), "Enter the date you will pay")

    def test_another_customers_invoice_is_refused(self):
        theirs = self._invoice(70.0, partner=self.other_customer)
        self._assert_refused(self._post_promise(invoices=self.invoice | theirs), "Only your own open invoices")

    def test_disputed_invoice_is_refused(self):
        self.env["payer.dispute"].create(
            {
                "move_id": self.second.id,
                "opened_by_id": self.contact.id,
                "category_id": self.env.ref("account_payer_portal.payer_dispute_category_wrong_amount").id,
                "description": "Wrong",
            }
        )
        self._assert_refused(self._post_promise(), "under dispute")

    def test_paid_invoice_is_refused(self):
        self._pay(self.second, 400.0)
        self._assert_refused(self._post_promise(), "is already paid")

    def test_note_too_long_is_refused(self):
        self._assert_refused(self._post_promise(note="x" * 1001), "limited to 1000 characters")

    def test_without_csrf_token_is_refused(self):
        response = self._post_promise(csrf=False)
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.Promise.search([]))

    def test_account_managers_preview_cannot_promise(self):
        self.authenticate("promise_manager", "promise_manager")
        self.url_open(f"/my/payer-portal/preview/{self.customer.id}")
        page = html.fromstring(self.url_open("/my/payer-portal").content)
        self.assertFalse(page.xpath("//a[hasclass('o_payer_promise_link')]"))
        self.assertEqual(self._post_promise().status_code, 403)
        self.assertEqual(self.url_open(f"/my/payer-portal/invoice/{self.invoice.id}/promise").status_code, 403)
        self.assertFalse(self.Promise.search([]))

    def test_guest_with_a_signed_link_promises(self):
        self.authenticate(None, None)
        link = self.env["payer.portal.access"]._for_partner(self.customer)._link_url()
        self.assertEqual(self.url_open(link).status_code, 200)
        response = self._post_promise(invoices=self.invoice)
        self.assertEqual(response.status_code, 303)
        promise = self.Promise.search([])
        self.assertEqual(promise.contact_id, self.customer, "a guest by link acts as the customer")
        self.assertEqual(promise.activity_ids.user_id, self.manager)


@tagged("post_install", "-at_install")
class TestPayerPromiseTour(PayerBrowserCommon, HttpCase):
    """On a phone, axe-core in every page: the customer promises two invoices from TO PAY, sees
    "Promised for", and the account manager finds the promise with its To-Do."""

    browser_size = "390x844"
    touch_enabled = True

    def test_customer_promises_two_invoices_from_to_pay(self):
        self.start_tour("/my/payer-portal", "account_payer_portal_promise_customer", login="payer_paula")
        promise = self.env["payer.promise"].search([])
        self.assertEqual(promise.move_ids, self.invoice_a | self.invoice_b)
        self.assertEqual(promise.date, self.today + timedelta(days=7), "the form's proposed date")
        self.assertEqual(promise.note, "Our head office pays on Fridays.")
        [activity] = promise.activity_ids
        self.assertEqual(activity.user_id, self.manager)
        self.assertEqual(activity.activity_type_id, self.env.ref("mail.mail_activity_data_todo"))
        url = f"/odoo/action-account_payer_portal.action_payer_promise/{promise.id}"
        self.start_tour(url, "account_payer_portal_promise_manager", login="a11y_manager")
