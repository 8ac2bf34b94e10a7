import json
from datetime import datetime, time, timedelta

from lxml import html

from odoo.exceptions import UserError, ValidationError
from odoo.http import Request
from odoo.tests import HttpCase, tagged
from odoo.tools import SQL

from ..tools.upload_policy import UPLOAD_MAX_SIZE
from .common import PayerPortalCommon

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


class PayerDisputeCommon(PayerPortalCommon):
    """The payer portal's customer and posted invoices, and the people who handle disputes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = cls._account_manager("dispute_manager", name="Ada Manager", email="ada@example.com")
        cls.salesperson = cls._account_manager("dispute_sales", groups="base.group_user", name="Sam Sales")
        cls.company.payer_dispute_user_id = cls.manager
        cls.category = cls.env.ref("account_payer_portal.payer_dispute_category_wrong_amount")
        cls.invoice = cls._payer_invoice(1000.0)

    @classmethod
    def _payer_invoice(cls, amount, **vals):
        """A posted invoice of the customer without salesperson (the company default handles it)."""
        return cls._invoice(amount, invoice_user_id=False, **vals)

    def _flush_tracking(self):
        self.env.flush_all()
        self.env.cr.flush()

    def _dispute(self, invoice=None, **vals):
        return self.env["payer.dispute"].create(
            {
                "move_id": (invoice or self.invoice).id,
                "opened_by_id": self.contact.id,
                "category_id": self.category.id,
                "description": "The price is wrong",
                **vals,
            }
        )


@tagged("post_install", "-at_install")
class TestPayerDispute(PayerDisputeCommon):
    # ------------------------------------------------------------------ amount

    def test_amount_defaults_to_the_invoice_residual(self):
        self.assertEqual(self._dispute().amount, 1000.0)

    def test_amount_may_be_part_of_the_residual(self):
        self.assertEqual(self._dispute(amount=250.0).amount, 250.0)

    def test_amount_above_the_residual_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "cannot be more than"):
            self._dispute(amount=1000.01)

    def test_amount_zero_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "must be positive"):
            self._dispute(amount=0.0)

    def test_amount_negative_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "must be positive"):
            self._dispute(amount=-10.0)

    # ------------------------------------------------------------------ state machine

    def test_new_dispute_is_open_and_dated(self):
        dispute = self._dispute()
        self.assertEqual(dispute.state, "new")
        self.assertTrue(dispute.is_open)
        self.assertTrue(dispute.date_opened)
        self.assertFalse(dispute.date_closed)
        self.assertTrue(dispute.name.startswith("DSP/"))

    def test_review_then_resolve_closes_and_dates(self):
        dispute = self._dispute()
        dispute.action_start_review()
        self.assertEqual(dispute.state, "under_review")
        dispute.resolution_note = "Credit note issued"
        dispute.action_resolve()
        self.assertEqual(dispute.state, "resolved")
        self.assertFalse(dispute.is_open)
        self.assertTrue(dispute.date_closed)

    def test_reject_from_new(self):
        dispute = self._dispute(resolution_note="The price is the one of the quotation")
        dispute.action_reject()
        self.assertEqual(dispute.state, "rejected")
        self.assertTrue(dispute.date_closed)

    def test_resolution_note_is_required_to_close(self):
        dispute = self._dispute()
        with self.assertRaisesRegex(UserError, "resolution note"):
            dispute.action_resolve()
        with self.assertRaises(ValidationError) as caught:
            dispute.write({"state": "rejected"})
        self.assertIn("resolution note", str(caught.exception))
        dispute.invalidate_recordset()
        self.assertEqual(dispute.state, "new")

    def test_closed_dispute_is_final(self):
        dispute = self._dispute(resolution_note="Done")
        dispute.action_resolve()
        with self.assertRaisesRegex(UserError, "cannot go from"):
            dispute.write({"state": "under_review"})

    def test_no_message_from_the_customer_on_a_closed_dispute(self):
        dispute = self._dispute(resolution_note="Done")
        dispute.action_resolve()
        with self.assertRaisesRegex(UserError, "This dispute is closed"):
            dispute._payer_portal_post(self.contact, "One more thing")

    def test_under_review_cannot_go_back_to_new(self):
        dispute = self._dispute()
        dispute.action_start_review()
        with self.assertRaisesRegex(UserError, "cannot go from"):
            dispute.write({"state": "new"})

    # ------------------------------------------------------------------ one open dispute

    def test_one_open_dispute_per_invoice(self):
        self._dispute()
        with self.assertRaisesRegex(ValidationError, "already has an open dispute"):
            self._dispute()

    def test_new_dispute_allowed_once_the_previous_one_is_closed(self):
        self._dispute(resolution_note="Done").action_resolve()
        self.assertTrue(self._dispute().is_open)

    def test_portal_create_refuses_a_second_open_dispute(self):
        self._dispute()
        with self.assertRaisesRegex(UserError, "already has an open dispute"):
            self.env["payer.dispute"]._payer_portal_create(
                self.invoice, self.contact, {"category_id": self.category.id, "description": "x", "amount": 10.0}
            )

    # ------------------------------------------------------------------ responsible

    def test_responsible_is_the_customers_salesperson(self):
        self.customer.user_id = self.salesperson
        self.invoice.invoice_user_id = self.manager
        self.assertEqual(self._dispute().user_id, self.salesperson)

    def test_responsible_is_the_invoices_salesperson_without_customer_salesperson(self):
        self.invoice.invoice_user_id = self.salesperson
        self.assertEqual(self._dispute().user_id, self.salesperson)

    def test_responsible_is_the_company_default_otherwise(self):
        self.assertEqual(self._dispute().user_id, self.manager)

    def test_responsible_gets_a_todo_and_follows(self):
        dispute = self._dispute()
        activity = dispute.activity_ids
        self.assertEqual(activity.user_id, self.manager)
        self.assertEqual(activity.activity_type_id, self.env.ref("mail.mail_activity_data_todo"))
        self.assertIn(self.manager.partner_id, dispute.message_partner_ids)
        self.assertIn(self.contact, dispute.message_partner_ids)

    # ------------------------------------------------------------------ category

    def test_category_of_another_company_is_refused(self):
        other_company = self.setup_other_company()["company"]
        category = self.env["payer.dispute.category"].create({"name": "Theirs", "company_id": other_company.id})
        with self.assertRaisesRegex(ValidationError, "not available"):
            self._dispute(category_id=category.id)

    def test_category_or_own_text_is_required(self):
        with self.assertRaises(ValidationError) as caught:
            self._dispute(category_id=False)
        self.assertIn("category", str(caught.exception))
        self.assertEqual(
            self._dispute(category_id=False, category_other="Late delivery").category_label, "Late delivery"
        )

    def test_categories_are_seeded(self):
        self.assertGreaterEqual(self.env["payer.dispute.category"].search_count([("company_id", "=", False)]), 6)

    # ------------------------------------------------------------------ notifications

    def test_send_message_is_addressed_to_the_contact_who_raised_it(self):
        # The chatter's "Send message" proposes these recipients; the customer company has no email.
        suggested = self._dispute()._message_get_suggested_recipients()
        self.assertEqual([recipient["partner_id"] for recipient in suggested], [self.contact.id])

    def _state_emails(self, dispute):
        subtype = self.env.ref("account_payer_portal.mt_payer_dispute_state")
        return dispute.message_ids.filtered(lambda m: m.subtype_id == subtype and self.contact in m.partner_ids)

    def test_customer_is_emailed_when_the_review_starts(self):
        dispute = self._dispute()
        # A record is not tracked in the transaction that creates it, and the test environment
        # disables tracking (DISABLED_MAIL_CONTEXT): end the "creation" then enable tracking.
        self._flush_tracking()
        dispute = dispute.with_context(tracking_disable=False, mail_notrack=False)
        dispute.action_start_review()
        self._flush_tracking()
        email = self._state_emails(dispute)
        self.assertEqual(len(email), 1)
        self.assertIn("Under review", email.body)

    def test_customer_is_emailed_the_resolution_escaped(self):
        dispute = self._dispute()
        dispute.action_start_review()
        self._flush_tracking()
        dispute = dispute.with_context(tracking_disable=False, mail_notrack=False)
        dispute.resolution_note = "Credit note <b>issued</b>"
        dispute.action_resolve()
        self._flush_tracking()
        email = self._state_emails(dispute)
        self.assertEqual(len(email), 1)
        self.assertIn("Resolved", email.body)
        self.assertIn("Credit note &lt;b&gt;issued&lt;/b&gt;", email.body)

    # ------------------------------------------------------------------ payment and reminders

    def test_open_dispute_blocks_online_payment(self):
        self.env["ir.config_parameter"].sudo().set_param("account_payment.enable_portal_payment", True)
        self.assertTrue(self.invoice._has_to_be_paid())
        dispute = self._dispute()
        self.assertTrue(self.invoice.payer_dispute_open)
        self.assertFalse(self.invoice._has_to_be_paid())
        dispute.write({"resolution_note": "Invoice confirmed"})
        dispute.action_reject()
        self.assertFalse(self.invoice.payer_dispute_open)
        self.assertTrue(self.invoice._has_to_be_paid())

    def test_disputed_invoices_can_be_left_out_of_reminders(self):
        other = self._payer_invoice(50.0)
        self._dispute()
        undisputed = self.env["account.move"].search(
            [("id", "in", (self.invoice + other).ids), ("payer_dispute_open", "=", False)]
        )
        self.assertEqual(undisputed, other)

    def test_balance_row_shows_disputed(self):
        other = self._payer_invoice(50.0)
        self._dispute()
        rows = self.env["payer.portal.ledger"]._get_rows(self.customer, self.company, self.invoice.currency_id)
        status = {row["move"]: row["status"] for row in rows}
        self.assertEqual(status[self.invoice], "disputed")
        self.assertNotEqual(status[other], "disputed")

    # ------------------------------------------------------------------ questions

    def test_question_is_posted_on_the_invoice_with_a_todo(self):
        message = self.invoice._payer_post_question(self.contact, "Why <b>twice</b>?")
        self.assertEqual(message.author_id, self.contact)
        self.assertEqual(message.subtype_id, self.env.ref("mail.mt_comment"))
        self.assertIn("Why &lt;b&gt;twice&lt;/b&gt;?", message.body)
        self.assertIn(self.contact, self.invoice.message_partner_ids)
        activity = self.invoice.activity_ids
        self.assertEqual(activity.user_id, self.manager)

    def test_empty_question_is_refused(self):
        with self.assertRaisesRegex(UserError, "Write your question"):
            self.invoice._payer_post_question(self.contact, "   ")

    # ------------------------------------------------------------------ files

    def test_files_are_checked(self):
        check = self.env["payer.dispute"]._payer_check_files
        check([("proof.pdf", PDF)])
        for name, content, message in (
            ("big.pdf", PDF + b"0" * UPLOAD_MAX_SIZE, "too large"),
            ("tool.exe", b"MZ\x90\x00" + b"\x00" * 100, "cannot be accepted"),
            ("page.html", b"<html><body>hi</body></html>", "cannot be accepted"),
            ("page.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "cannot be accepted"),
            ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', "cannot be accepted"),
            ("../../etc/passwd.pdf", PDF, "not valid"),
            ("C:\\Users\\x\\proof.pdf", PDF, "not valid"),
        ):
            with self.subTest(name=name), self.assertRaisesRegex(UserError, message):
                check([(name, content)])


@tagged("post_install", "-at_install")
class TestPayerDisputeReport(PayerDisputeCommon):
    """Accounting > Reporting > Disputes: count and amount of open disputes by category and age."""

    def _opened(self, days_ago):
        """Noon (UTC), ``days_ago`` days before the database's today."""
        [(today,)] = self.env.execute_query(SQL("SELECT (NOW() AT TIME ZONE 'UTC')::date"))
        return datetime.combine(today - timedelta(days=days_ago), time(12))

    def _report(self, domain=()):
        self.env.flush_all()
        groups = self.env["payer.dispute.report"]._read_group(
            list(domain), ["category_id", "age_bucket"], ["__count", "amount:sum"]
        )
        return {(category.name or "Other", age): (count, amount) for category, age, count, amount in groups}

    def test_open_disputes_by_category_and_age(self):
        duplicate = self.env.ref("account_payer_portal.payer_dispute_category_duplicate")
        self._dispute(amount=100.0, date_opened=self._opened(3))
        self._dispute(self._payer_invoice(500.0), amount=200.0, date_opened=self._opened(7))
        self._dispute(self._payer_invoice(300.0), category_id=duplicate.id, date_opened=self._opened(8))
        self._dispute(
            self._payer_invoice(400.0),
            category_id=False,
            category_other="Late delivery",
            amount=40.0,
            date_opened=self._opened(45),
        )
        # 100 EUR at the invoice's rate (1 USD = 0.5 EUR): 200 in the company's currency.
        self._dispute(self._payer_invoice(250.0, currency=self.eur), amount=100.0, date_opened=self._opened(61))
        closed = self._dispute(self._payer_invoice(90.0), resolution_note="Refunded", date_opened=self._opened(20))
        closed.action_resolve()

        self.assertEqual(
            self._report([("is_open", "=", True)]),
            {
                ("Wrong amount", "00_07"): (2, 300.0),
                ("Duplicate invoice", "08_30"): (1, 300.0),
                ("Other", "31_60"): (1, 40.0),
                ("Wrong amount", "61_up"): (1, 200.0),
            },
        )
        self.assertEqual(self._report([("is_open", "=", False)]), {("Wrong amount", "08_30"): (1, 90.0)})

    def test_age_of_a_closed_dispute_is_the_days_it_was_open(self):
        dispute = self._dispute(resolution_note="Refunded", date_opened=self._opened(100))
        dispute.action_resolve()
        dispute.date_closed = self._opened(60)
        self.env.flush_all()
        line = self.env["payer.dispute.report"].search([("dispute_id", "=", dispute.id)])
        self.assertEqual((line.age_days, line.age_bucket, line.state), (40, "31_60", "resolved"))

    def test_age_buckets_are_listed_youngest_first(self):
        for days in (61, 31, 8, 0):
            self._dispute(self._payer_invoice(10.0), date_opened=self._opened(days))
        self.env.flush_all()
        groups = self.env["payer.dispute.report"]._read_group(
            [("partner_id", "=", self.customer.id)], ["age_bucket"], order="age_bucket"
        )
        labels = dict(self.env["payer.dispute.report"]._fields["age_bucket"]._description_selection(self.env))
        self.assertEqual([labels[age] for (age,) in groups], ["0-7 days", "8-30 days", "31-60 days", "Over 60 days"])


@tagged("post_install", "-at_install")
class TestPayerDisputePortal(PayerDisputeCommon, HttpCase):
    """The portal routes: what a customer may send, and what is refused (nothing created)."""

    def setUp(self):
        super().setUp()
        self.authenticate("payer_paula", "payer_paula")

    def _post(self, url, data, files=None, csrf=True):
        if csrf:
            data = {**data, "csrf_token": Request.csrf_token(self)}
        return self.url_open(url, data=data, files=files, allow_redirects=False)

    def _dispute_form(self, **values):
        return {
            "category_id": str(self.category.id),
            "category_other": "",
            "description": "We were charged twice",
            "amount": "100",
            **values,
        }

    def _post_dispute(self, files=None, invoice=None, csrf=True, **values):
        invoice = invoice or self.invoice
        return self._post(
            f"/my/payer-portal/invoice/{invoice.id}/dispute", self._dispute_form(**values), files=files, csrf=csrf
        )

    def _assert_refused(self, response, message):
        self.assertEqual(response.status_code, 400)
        self.assertIn(message, response.text)
        self.assertIn("o_payer_form_error", response.text)
        self.assertFalse(self.env["payer.dispute"].search([("move_id", "=", self.invoice.id)]))

    # ------------------------------------------------------------------ dispute

    def test_menu_is_on_the_balance_rows_and_the_invoice_page(self):
        response = self.url_open("/my/payer-portal")
        self.assertEqual(response.status_code, 200)
        page = html.fromstring(response.content)
        # The row has the menu's button (its invoice in `value`); the menu is rendered once per page
        # and takes the invoice of the row whose button is pressed (the dispute tours press it).
        row = f"//tr[@data-activity='{self.invoice.name}']"
        [toggle] = page.xpath(f"{row}//button[hasclass('o_payer_invoice_menu_toggle')]")
        self.assertEqual(toggle.get("value"), str(self.invoice.id))
        self.assertEqual(toggle.get("aria-label"), f"Actions for {self.invoice.name}")
        [menu] = page.xpath("//ul[hasclass('o_payer_row_menu_items')]")
        self.assertEqual(
            menu.xpath(".//a/@href"),
            [
                "/my/payer-portal/invoice/0/question",
                "/my/payer-portal/disputes",
                "/my/payer-portal/invoice/0/dispute",
                "/my/payer-portal/invoice/0/promise",
            ],
        )
        response = self.url_open(self.invoice.get_portal_url())
        self.assertEqual(response.status_code, 200)
        self.assertIn(f"/my/payer-portal/invoice/{self.invoice.id}/dispute", response.text)

    def test_raise_a_dispute_with_a_file(self):
        response = self._post_dispute(files={"attachments": ("proof.pdf", PDF, "application/pdf")})
        dispute = self.env["payer.dispute"].search([("move_id", "=", self.invoice.id)])
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith(dispute.access_url))
        self.assertEqual(dispute.amount, 100.0)
        self.assertEqual(dispute.category_id, self.category)
        self.assertEqual(dispute.opened_by_id, self.contact)
        self.assertEqual(dispute.message_ids.attachment_ids.mapped("name"), ["proof.pdf"])
        page = self.url_open(dispute.access_url)
        self.assertEqual(page.status_code, 200)
        self.assertIn("We were charged twice", page.text)
        self.assertIn("proof.pdf", page.text)
        balance = self.url_open("/my/payer-portal")
        self.assertIn('data-status="disputed"', balance.text)

    def test_raise_a_dispute_with_own_category(self):
        self._post_dispute(category_id="other", category_other="Wrong <b>PO</b> number")
        dispute = self.env["payer.dispute"].search([("move_id", "=", self.invoice.id)])
        self.assertEqual(dispute.category_label, "Wrong <b>PO</b> number")
        page = self.url_open(dispute.access_url)
        self.assertIn("Wrong &lt;b&gt;PO&lt;/b&gt; number", page.text)

    def test_second_dispute_shows_the_open_one(self):
        dispute = self._dispute()
        response = self.url_open(f"/my/payer-portal/invoice/{self.invoice.id}/dispute", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertIn(dispute.access_url, response.headers["Location"])
        response = self._post_dispute()
        self.assertEqual(self.env["payer.dispute"].search_count([("move_id", "=", self.invoice.id)]), 1)

    def test_empty_description_is_refused(self):
        self._assert_refused(self._post_dispute(description="   "), "Describe what is wrong")

    def test_too_long_description_is_refused(self):
        self._assert_refused(self._post_dispute(description="x" * 5001), "limited to 5000 characters")

    def test_amount_above_the_residual_is_refused(self):
        self._assert_refused(self._post_dispute(amount="1000.01"), "cannot be more than")

    def test_amount_zero_is_refused(self):
        self._assert_refused(self._post_dispute(amount="0"), "must be positive")

    def test_amount_negative_is_refused(self):
        self._assert_refused(self._post_dispute(amount="-5"), "must be positive")

    def test_amount_not_a_number_is_refused(self):
        self._assert_refused(self._post_dispute(amount="lots"), "as a number")

    def test_category_of_another_company_is_refused(self):
        other_company = self.setup_other_company()["company"]
        category = self.env["payer.dispute.category"].create({"name": "Theirs", "company_id": other_company.id})
        self._assert_refused(self._post_dispute(category_id=str(category.id)), "not available")

    def test_missing_category_is_refused(self):
        self._assert_refused(self._post_dispute(category_id=""), "Choose a category")

    def test_file_over_the_limit_is_refused(self):
        big = PDF + b"0" * UPLOAD_MAX_SIZE
        self._assert_refused(
            self._post_dispute(files={"attachments": ("big.pdf", big, "application/pdf")}), "too large"
        )

    def test_executable_is_refused(self):
        exe = b"MZ\x90\x00" + b"\x00" * 100
        self._assert_refused(
            self._post_dispute(files={"attachments": ("tool.exe", exe, "application/octet-stream")}),
            "cannot be accepted",
        )

    def test_html_is_refused(self):
        html = b"<html><body><script>alert(1)</script></body></html>"
        self._assert_refused(
            self._post_dispute(files={"attachments": ("page.html", html, "text/html")}), "cannot be accepted"
        )

    def test_svg_is_refused(self):
        svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
        self._assert_refused(
            self._post_dispute(files={"attachments": ("logo.svg", svg, "image/svg+xml")}), "cannot be accepted"
        )

    def test_file_name_with_path_is_refused(self):
        self._assert_refused(
            self._post_dispute(files={"attachments": ("../../proof.pdf", PDF, "application/pdf")}), "not valid"
        )

    def test_dispute_without_csrf_token_is_refused(self):
        response = self._post_dispute(csrf=False)
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.env["payer.dispute"].search([("move_id", "=", self.invoice.id)]))

    def test_dispute_on_another_customers_invoice_is_not_found(self):
        theirs = self._payer_invoice(70.0, partner=self.other_customer)
        self.assertEqual(self.url_open(f"/my/payer-portal/invoice/{theirs.id}/dispute").status_code, 404)
        response = self._post_dispute(invoice=theirs)
        self.assertEqual(response.status_code, 404)
        self.assertFalse(theirs.payer_dispute_ids)

    def test_another_customers_dispute_is_not_found(self):
        dispute = self._dispute()
        self.authenticate("payer_nora", "payer_nora")
        self.assertEqual(self.url_open(dispute.access_url).status_code, 404)
        response = self._post(dispute.access_url, {"message": "hello"})
        self.assertEqual(response.status_code, 404)

    def test_payment_route_refuses_a_disputed_invoice(self):
        self._dispute()
        response = self.url_open(
            f"/invoice/transaction/{self.invoice.id}",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "id": 1,
                    "params": {"access_token": self.invoice._portal_ensure_token(), "amount": 1000.0},
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        self.assertIn("under dispute cannot be paid online", response.json()["error"]["data"]["message"])
        self.assertFalse(self.invoice.transaction_ids)

    # ------------------------------------------------------------------ dispute messages

    def test_customer_adds_a_message_and_a_file(self):
        dispute = self._dispute()
        response = self._post(
            dispute.access_url,
            {"message": "Here is the <b>delivery note</b>"},
            files={"attachments": ("note.pdf", PDF, "application/pdf")},
        )
        self.assertEqual(response.status_code, 303)
        message = dispute.message_ids[:1]
        self.assertEqual(message.author_id, self.contact)
        self.assertIn("&lt;b&gt;delivery note&lt;/b&gt;", message.body)
        self.assertEqual(message.attachment_ids.name, "note.pdf")

    def test_empty_message_is_refused(self):
        dispute = self._dispute()
        count = len(dispute.message_ids)
        response = self._post(dispute.access_url, {"message": " "})
        self.assertEqual(response.status_code, 400)
        self.assertIn("Write a message", response.text)
        self.assertEqual(len(dispute.message_ids), count)

    def test_message_without_csrf_token_is_refused(self):
        dispute = self._dispute()
        count = len(dispute.message_ids)
        response = self._post(dispute.access_url, {"message": "hello"}, csrf=False)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(len(dispute.message_ids), count)

    # ------------------------------------------------------------------ question

    def test_ask_a_question(self):
        response = self._post(f"/my/payer-portal/invoice/{self.invoice.id}/question", {"question": "Why <b>this</b>?"})
        self.assertEqual(response.status_code, 303)
        message = self.invoice.message_ids[:1]
        self.assertEqual(message.author_id, self.contact)
        self.assertIn("Why &lt;b&gt;this&lt;/b&gt;?", message.body)
        self.assertEqual(self.invoice.activity_ids.user_id, self.manager)

    def test_empty_question_is_refused(self):
        count = len(self.invoice.message_ids)
        response = self._post(f"/my/payer-portal/invoice/{self.invoice.id}/question", {"question": "  "})
        self.assertEqual(response.status_code, 400)
        self.assertIn("Write your question", response.text)
        self.assertEqual(len(self.invoice.message_ids), count)
        self.assertFalse(self.invoice.activity_ids)

    def test_question_without_csrf_token_is_refused(self):
        count = len(self.invoice.message_ids)
        response = self._post(f"/my/payer-portal/invoice/{self.invoice.id}/question", {"question": "Hi"}, csrf=False)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(len(self.invoice.message_ids), count)

    def test_guest_with_a_signed_link_asks_a_question(self):
        self.authenticate(None, None)
        link = self.env["payer.portal.access"]._for_partner(self.customer)._link_url()
        self.assertEqual(self.url_open(link).status_code, 200)
        response = self._post(f"/my/payer-portal/invoice/{self.invoice.id}/question", {"question": "From the link"})
        self.assertEqual(response.status_code, 303)
        self.assertEqual(self.invoice.message_ids[:1].author_id, self.customer)

    def test_no_question_in_an_account_managers_preview(self):
        self.authenticate("dispute_manager", "dispute_manager")
        self.url_open(f"/my/payer-portal/preview/{self.customer.id}")
        count = len(self.invoice.message_ids)
        response = self._post(f"/my/payer-portal/invoice/{self.invoice.id}/question", {"question": "Hi"})
        self.assertEqual(response.status_code, 403)
        self.assertEqual(len(self.invoice.message_ids), count)

    def test_question_on_another_customers_invoice_is_not_found(self):
        theirs = self._payer_invoice(70.0, partner=self.other_customer)
        count = len(theirs.message_ids)
        response = self._post(f"/my/payer-portal/invoice/{theirs.id}/question", {"question": "Hi"})
        self.assertEqual(response.status_code, 404)
        self.assertEqual(len(theirs.message_ids), count)


@tagged("post_install", "-at_install")
class TestPayerDisputeTour(PayerDisputeCommon, HttpCase):
    def test_question_dispute_reply_and_resolution(self):
        self.env["ir.config_parameter"].sudo().set_param("account_payment.enable_portal_payment", True)
        first = self.invoice  # due today: the first row of the Balance tab, before the second one
        second = self._payer_invoice(400.0, days_late=-1)
        self.start_tour("/my/payer-portal", "account_payer_portal_dispute_customer", login="payer_paula")

        question = first.message_ids.filtered(lambda m: m.author_id == self.contact)
        self.assertIn("Is the &lt;b&gt;discount&lt;/b&gt; included?", question.body)
        self.assertEqual(first.activity_ids.user_id, self.manager)
        dispute = second.payer_dispute_ids
        self.assertEqual(dispute.category_id, self.category)
        self.assertEqual(dispute.amount, 50.0)
        self.assertEqual(dispute.message_ids.attachment_ids.mapped("name"), ["delivery_note.pdf"])
        self.assertTrue(second.payer_dispute_open)
        self.assertFalse(second._has_to_be_paid())

        self.start_tour("/odoo", "account_payer_portal_dispute_manager", login="dispute_manager")
        reply = dispute.message_ids.filtered(
            lambda m: m.author_id == self.manager.partner_id and "price list" in m.body
        )
        self.assertEqual(reply.subtype_id, self.env.ref("mail.mt_comment"), "a message to the customer, not a note")
        self.assertIn(self.contact, reply.notified_partner_ids, "the reply reaches the customer")
        self.assertEqual(dispute.state, "resolved")
        self.assertEqual(dispute.resolution_note, "A credit note of 50.00 is issued.")
        self.assertFalse(second.payer_dispute_open)

        self.start_tour("/my/payer-portal/disputes", "account_payer_portal_dispute_resolved", login="payer_paula")
