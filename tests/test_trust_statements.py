"""Trust boundary of the statements of account (issue 11, points 5 and 11, and the statement paths
of the multi-company acceptance): two companies and customers shared by both (no company), a
user of company 2 never obtains a statement of company 1, whichever path they take: the wizard's
print and send, the queue and its cron, Odoo's generic ``/report`` routes, the portal."""

import contextlib
import io
import json
from datetime import date

import openpyxl

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from ..wizard.payer_statement_send import SEND_NOW_LIMIT

DATE_FROM, DATE_TO = date(2024, 1, 1), date(2024, 1, 31)
PERIOD = {"date_from": str(DATE_FROM), "date_to": str(DATE_TO)}
# Amounts that only one document has, so that a rendered statement tells whose figures it shows.
SHARED_IN_1, SHARED_IN_2, ONLY_1 = b"911.00", b"522.00", b"733.00"
PORTAL_IN_1, PORTAL_IN_2 = b"611.00", b"344.00"
REPORT = "account_payer_portal.report_payer_statement"


class TrustStatementsCommon(AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_1 = cls.env.company
        cls.company_2 = cls.setup_other_company(name="Second Company Ltd")["company"]
        for company in cls.company_1 | cls.company_2:
            company.external_report_layout_id = cls.env.ref("web.external_layout_standard")
        cls.shared = cls.env["res.partner"].create(
            {"name": "Shared Customer", "is_company": True, "email": "shared@example.com"}
        )
        cls.only_1 = cls.env["res.partner"].create(
            {
                "name": "Company One Customer",
                "is_company": True,
                "email": "one@example.com",
                "company_id": cls.company_1.id,
            }
        )
        cls._invoice(911.0, cls.shared, cls.company_1)
        cls._invoice(522.0, cls.shared, cls.company_2)
        cls._invoice(733.0, cls.only_1, cls.company_1)
        cls.user_1 = cls._invoicing_user("trust_user_1", cls.company_1)
        cls.user_2 = cls._invoicing_user("trust_user_2", cls.company_2)
        cls.template = cls.env.ref("account_payer_portal.mail_template_payer_statement")

    @classmethod
    def _invoice(cls, amount, partner, company):
        move = (
            cls.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "invoice_date": "2024-01-10",
                    "invoice_date_due": "2024-01-10",
                    "currency_id": company.currency_id.id,
                    "invoice_line_ids": [
                        Command.create({"name": "Services", "quantity": 1, "price_unit": amount, "tax_ids": []})
                    ],
                }
            )
        )
        move.action_post()
        return move

    @classmethod
    def _invoicing_user(cls, login, *companies, groups="base.group_user,account.group_account_invoice"):
        return new_test_user(
            cls.env,
            login=login,
            password=login,
            groups=groups,
            company_id=companies[0].id,
            company_ids=[Command.set([c.id for c in companies])],
        )

    @classmethod
    def _shared_customers(cls, count):
        return cls.env["res.partner"].create(
            [{"name": f"Shared {i}", "is_company": True, "email": f"shared{i}@example.com"} for i in range(count)]
        )

    def _wizard(self, user, company, partners):
        return (
            self.env["payer.statement.send"]
            .with_user(user)
            .with_company(company if company in user.company_ids else user.company_id)
            .create(
                {
                    "partner_ids": [Command.set(partners.ids)],
                    "company_id": company.id,
                    "template_id": self.template.id,
                    **PERIOD,
                }
            )
        )

    def _assert_shown(self, amount, content):
        self.assertTrue(amount in content, f"{amount.decode()} is shown")

    def _assert_hidden(self, amount, content):
        self.assertFalse(amount in content, f"{amount.decode()} is not shown")

    def _statement_messages(self, partners):
        """The statements posted on ``partners`` (messages with a statement attached)."""
        return (
            self.env["mail.message"]
            .sudo()
            .search([("model", "=", "res.partner"), ("res_id", "in", partners.ids), ("attachment_ids", "!=", False)])
        )

    def _readable_statement_files(self, user, partner):
        """The raw files attached to ``partner`` that ``user`` can read."""
        attachments = (
            self.env["ir.attachment"]
            .with_user(user)
            .search([("res_model", "=", "res.partner"), ("res_id", "=", partner.id)])
        )
        return [attachment.sudo().raw or b"" for attachment in attachments]

    def _run_cron(self):
        """The cron as it runs in production: scheduled, as its own user (the superuser)."""
        with self.enter_registry_test_mode():
            self.env.ref("account_payer_portal.ir_cron_payer_statement_send").sudo().method_direct_trigger()


@tagged("post_install", "-at_install")
class TestTrustStatementsWizard(TrustStatementsCommon):
    def _render(self, user, action):
        """Render a print action as the client does next (Odoo's /report routes, as ``user``)."""
        return (
            self.env["ir.actions.report"]
            .with_user(user)
            ._render_qweb_pdf(REPORT, action["context"]["active_ids"], data=action["data"])[0]
        )

    def test_print_of_another_companys_statement_is_refused(self):
        with self.assertRaises(AccessError):
            self._render(self.user_2, self._wizard(self.user_2, self.company_1, self.shared).action_print())

    def test_print_of_a_customer_of_another_company_is_refused(self):
        with self.assertRaises(AccessError):
            self._render(self.user_2, self._wizard(self.user_2, self.company_2, self.only_1).action_print())

    def test_print_of_the_users_company_shows_its_figures_only(self):
        pdf = self._render(self.user_2, self._wizard(self.user_2, self.company_2, self.shared).action_print())
        self._assert_shown(SHARED_IN_2, pdf)
        self._assert_hidden(SHARED_IN_1, pdf)

    def test_send_of_another_companys_statement_is_refused(self):
        with self.assertRaises(AccessError):
            self._wizard(self.user_2, self.company_1, self.shared).action_send()
        self.assertFalse(self._statement_messages(self.shared))

    def test_send_carries_the_senders_company_only(self):
        """The statement email of a shared customer sent by a company 2 user: company 2's figures
        and name, the portal link without any secret."""
        self._wizard(self.user_2, self.company_2, self.shared).action_send()
        message = self._statement_messages(self.shared)
        self.assertEqual(len(message), 1)
        self.assertEqual(message.author_id, self.user_2.partner_id)
        pdf = message.attachment_ids.raw
        self._assert_shown(SHARED_IN_2, pdf)
        self._assert_hidden(SHARED_IN_1, pdf)
        body = str(message.body)
        self.assertIn(self.company_2.name, message.subject + body)
        self.assertNotIn(self.company_1.name, message.subject + body)
        self.assertIn("/my/payer-portal", body)
        self.assertNotIn("access_token", body)
        self.assertNotIn("pid=", body)
        mail = self.env["mail.mail"].sudo().search([("mail_message_id", "=", message.id)])
        self.assertEqual(mail.recipient_ids, self.shared, "the email goes to the customer")
        self.assertEqual(mail.attachment_ids, message.attachment_ids)
        self.assertIn(self.company_2.name, mail.body_html)
        self.assertNotIn(self.company_1.name, mail.body_html)
        self.assertNotIn("access_token", mail.body_html)

    def test_statement_sent_to_a_shared_customer_stays_with_its_company(self):
        """A company 1 user sends a shared customer its company 1 statement: it reaches the
        customer, but the customer's chatter (read by every company) does not give it to company 2."""
        self._wizard(self.user_1, self.company_1, self.shared).action_send()
        message = self._statement_messages(self.shared)
        self.assertEqual(len(message), 1)
        self.assertIn(self.shared, message.partner_ids, "sent to the customer")
        self._assert_shown(SHARED_IN_1, message.attachment_ids.raw)
        self.assertFalse(
            self.env["mail.message"].with_user(self.user_2).search([("id", "=", message.id)]),
            "the message with the statement is not readable by company 2",
        )
        for raw in self._readable_statement_files(self.user_2, self.shared):
            self._assert_hidden(SHARED_IN_1, raw)
        with self.assertRaises(AccessError):
            message.attachment_ids.with_user(self.user_2).read(["raw"])

    # ------------------------------------------------------------------ queue, checked when queued

    def test_queue_for_another_company_is_refused(self):
        customers = self._shared_customers(SEND_NOW_LIMIT + 1)
        with self.assertRaises(AccessError):
            self._wizard(self.user_2, self.company_1, customers).action_send()
        self.assertFalse(self.env["payer.statement.batch"].sudo().search([]))

    def test_queue_with_a_customer_of_another_company_is_refused(self):
        customers = self._shared_customers(SEND_NOW_LIMIT) | self.only_1
        with self.assertRaises(AccessError):
            self._wizard(self.user_2, self.company_2, customers).action_send()
        self.assertFalse(self.env["payer.statement.batch"].sudo().search([]))

    def _batch_values(self, company, partners, **values):
        return {
            "company_id": company.id,
            "template_id": self.template.id,
            "partner_ids": [Command.set(partners.ids)],
            **PERIOD,
            **values,
        }

    def test_batch_created_directly_for_another_company_is_refused(self):
        """JSON-RPC's create on the batch, without the wizard."""
        with self.assertRaises(AccessError):
            self.env["payer.statement.batch"].with_user(self.user_2).create(
                self._batch_values(self.company_1, self.shared)
            )

    def test_batch_created_directly_with_a_customer_of_another_company_is_refused(self):
        with self.assertRaises(AccessError):
            self.env["payer.statement.batch"].with_user(self.user_2).create(
                self._batch_values(self.company_2, self.shared | self.only_1)
            )

    def test_batch_is_queued_under_its_creator(self):
        """A user cannot queue statements in the name of someone with more rights."""
        batch = (
            self.env["payer.statement.batch"]
            .with_user(self.user_2)
            .create(self._batch_values(self.company_2, self.shared, user_id=self.env.ref("base.user_admin").id))
        )
        self.assertEqual(batch.user_id, self.user_2)

    def test_batch_moved_to_another_company_or_customer_is_refused(self):
        batch = (
            self.env["payer.statement.batch"]
            .with_user(self.user_2)
            .create(self._batch_values(self.company_2, self.shared))
        )
        with self.assertRaises(AccessError):
            batch.write({"company_id": self.company_1.id})
        with self.assertRaises(AccessError):
            batch.write({"partner_ids": [Command.link(self.only_1.id)]})
        with self.assertRaises(AccessError):
            batch.write({"user_id": self.env.ref("base.user_admin").id, "company_id": self.company_1.id})

    def test_batch_of_a_user_without_invoicing_rights_is_refused(self):
        employee = self._invoicing_user("trust_employee", self.company_1, groups="base.group_user")
        with self.assertRaises(AccessError):
            self.env["payer.statement.batch"].sudo().create(
                self._batch_values(self.company_1, self.shared, user_id=employee.id)
            )

    def test_users_see_only_their_companies_batches(self):
        batch_1 = (
            self.env["payer.statement.batch"]
            .with_user(self.user_1)
            .create(self._batch_values(self.company_1, self.shared))
        )
        Batch = self.env["payer.statement.batch"].with_user(self.user_2)
        self.assertFalse(Batch.search([]))
        with self.assertRaises(AccessError):
            Batch.browse(batch_1.id).read(["partner_ids"])
        self.assertEqual(self.env["payer.statement.batch"].with_user(self.user_1).search([]), batch_1)


@tagged("post_install", "-at_install")
class TestTrustStatementsCron(TrustStatementsCommon):
    """The cron runs as the superuser; it renders each statement with the rights of who queued it."""

    def test_cron_sends_with_the_rights_of_who_queued(self):
        customers = self.shared | self._shared_customers(SEND_NOW_LIMIT)
        action = self._wizard(self.user_2, self.company_2, customers).action_send()
        self.assertEqual(action["tag"], "display_notification")
        self.assertFalse(self._statement_messages(customers))
        self._run_cron()
        batch = self.env["payer.statement.batch"].sudo().search([])
        self.assertEqual((batch.state, batch.sent_count), ("done", len(customers)))
        messages = self._statement_messages(customers)
        self.assertEqual(len(messages), len(customers))
        self.assertEqual(messages.author_id, self.user_2.partner_id, "sent by who queued them")
        pdf = self._statement_messages(self.shared).attachment_ids.raw
        self._assert_shown(SHARED_IN_2, pdf)
        self._assert_hidden(SHARED_IN_1, pdf)

    def test_cron_does_not_render_a_company_the_user_has_left(self):
        """Queued by a user of both companies for company 1, who then leaves company 1."""
        user_12 = self._invoicing_user("trust_user_12", self.company_1, self.company_2)
        customers = self.shared | self._shared_customers(SEND_NOW_LIMIT)
        self._wizard(user_12, self.company_1, customers).action_send()
        user_12.write({"company_id": self.company_2.id, "company_ids": [Command.set(self.company_2.ids)]})
        self._run_cron()
        self.assertFalse(self._statement_messages(customers), "no statement of company 1 was sent")
        self.assertFalse(any(SHARED_IN_1 in raw for raw in self._readable_statement_files(user_12, self.shared)))

    def test_company_2_user_never_gets_company_1_statements_through_the_queue(self):
        """Whatever a company 2 user queues (a batch created directly, as over JSON-RPC: a request
        whose error rolls it back), the cron never puts a statement of company 1 where they can
        read it."""
        Batch = self.env["payer.statement.batch"].with_user(self.user_2)
        for partners in (self.shared, self.shared | self.only_1):
            with contextlib.suppress(AccessError), self.env.cr.savepoint():
                Batch.create(
                    {
                        "company_id": self.company_1.id,
                        "template_id": self.template.id,
                        "partner_ids": [Command.set(partners.ids)],
                        **PERIOD,
                    }
                )
        self._run_cron()
        for partner in self.shared | self.only_1:
            for raw in self._readable_statement_files(self.user_2, partner):
                self._assert_hidden(SHARED_IN_1, raw)
                self._assert_hidden(ONLY_1, raw)
        self.assertFalse(self._statement_messages(self.shared | self.only_1))


@tagged("post_install", "-at_install")
class TestTrustStatementsXlsx(TrustStatementsCommon):
    """Point 11: what a user typed (customer, company, references, labels) is text in the XLSX."""

    FORMULAS = ('=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)", "=1+1")

    def _xlsx_cells(self, data):
        workbook = openpyxl.load_workbook(io.BytesIO(self.env["payer.statement"]._get_statement_xlsx(data)))
        return [cell for sheet in workbook for row in sheet.iter_rows() for cell in row if cell.value is not None]

    def test_xlsx_writes_names_and_references_as_text(self):
        self.shared.name = self.FORMULAS[0]
        self.company_1.name = self.FORMULAS[3]
        data = self.env["payer.statement"]._get_statement_data(self.shared, self.company_1, DATE_FROM, DATE_TO)
        line = data["sections"][0]["lines"][0]
        line["reference"], line["description"] = self.FORMULAS[1], self.FORMULAS[2]
        cells = self._xlsx_cells(data)
        self.assertFalse([cell.coordinate for cell in cells if cell.data_type == "f"], "no cell is a formula")
        texts = {cell.value: cell.data_type for cell in cells if isinstance(cell.value, str)}
        for text in self.FORMULAS[:4]:
            self.assertEqual(texts.get(text), "s", f"{text} is written as text")

    def test_xlsx_of_a_customer_named_like_a_formula_has_no_formula(self):
        for name in self.FORMULAS:
            with self.subTest(name=name):
                self.shared.name = name
                data = self.env["payer.statement"]._get_statement_data(self.shared, self.company_1, DATE_FROM, DATE_TO)
                cells = self._xlsx_cells(data)
                self.assertFalse([c.coordinate for c in cells if c.data_type == "f"])
                self.assertIn(name, [c.value for c in cells if c.data_type == "s"])


@tagged("post_install", "-at_install")
class TestTrustStatementsRoutes(TrustStatementsCommon, HttpCase):
    """Odoo's generic /report routes and the portal's statement, for a company 2 user or visit."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A shared customer whose portal user works with company 2 only.
        cls.shared_portal = cls.env["res.partner"].create({"name": "Shared Portal Customer", "is_company": True})
        contact = cls.env["res.partner"].create(
            {"name": "Portal Contact", "parent_id": cls.shared_portal.id, "email": "contact@example.com"}
        )
        cls._invoice(611.0, cls.shared_portal, cls.company_1)
        cls._invoice(344.0, cls.shared_portal, cls.company_2)
        new_test_user(
            cls.env,
            login="trust_portal_2",
            password="trust_portal_2",
            groups="base.group_portal",
            partner_id=contact.id,
            company_id=cls.company_2.id,
            company_ids=[Command.set(cls.company_2.ids)],
        )

    def _report(self, converter, partner, options=None, context=None):
        params = {}
        if options is not None:
            params["options"] = json.dumps(options)
        if context is not None:
            params["context"] = json.dumps(context)
        return self.url_open(f"/report/{converter}/{REPORT}/{partner.id}", params=params)

    def test_report_routes_refuse_another_companys_statement(self):
        self.authenticate("trust_user_2", "trust_user_2")
        for converter in ("pdf", "html"):
            cases = {
                "company 1 asked": (self.shared, {"company_id": self.company_1.id, **PERIOD}, None),
                "company 1 in the context": (self.shared, PERIOD, {"allowed_company_ids": [self.company_1.id]}),
                "company 1's customer": (self.only_1, {"company_id": self.company_2.id, **PERIOD}, None),
            }
            for case, (partner, options, context) in cases.items():
                with self.subTest(converter=converter, case=case):
                    response = self._report(converter, partner, options, context)
                    self.assertNotEqual(response.status_code, 200)
                    self._assert_hidden(SHARED_IN_1, response.content)
                    self._assert_hidden(ONLY_1, response.content)

    def test_report_routes_give_the_users_company_only(self):
        self.authenticate("trust_user_2", "trust_user_2")
        for converter in ("pdf", "html"):
            for options in ({"company_id": self.company_2.id, **PERIOD}, PERIOD):
                with self.subTest(converter=converter, options=options):
                    response = self._report(converter, self.shared, options)
                    self.assertEqual(response.status_code, 200)
                    self._assert_shown(SHARED_IN_2, response.content)
                    self._assert_hidden(SHARED_IN_1, response.content)

    def test_batch_created_over_json_rpc_for_another_company_is_refused(self):
        self.authenticate("trust_user_2", "trust_user_2")
        values = {
            "company_id": self.company_1.id,
            "template_id": self.template.id,
            "partner_ids": [Command.set(self.shared.ids)],
            **PERIOD,
        }
        with self.assertRaises(JsonRpcException):
            self.make_jsonrpc_request(
                "/web/dataset/call_kw/payer.statement.batch/create",
                {"model": "payer.statement.batch", "method": "create", "args": [values], "kwargs": {}},
            )
        self.assertFalse(self.env["payer.statement.batch"].sudo().search([]))

    def test_statement_sent_by_company_1_is_not_in_the_chatter_for_company_2(self):
        """Odoo's chatter route and file route, as a company 2 user, on the shared customer to
        whom a company 1 user sent its statement."""
        self._wizard(self.user_1, self.company_1, self.shared).action_send()
        message = self._statement_messages(self.shared)
        self.assertEqual(len(message), 1)
        self.authenticate("trust_user_2", "trust_user_2")
        result = self.make_jsonrpc_request(
            "/mail/thread/messages", {"thread_model": "res.partner", "thread_id": self.shared.id}
        )
        self.assertNotIn(message.id, result["messages"])
        self.assertNotIn(message.attachment_ids.id, [a["id"] for a in result["data"].get("ir.attachment", [])])
        response = self.url_open(f"/web/content/{message.attachment_ids.id}?download=true")
        self.assertNotEqual(response.status_code, 200)
        self._assert_hidden(SHARED_IN_1, response.content)

    def _statement(self, **params):
        return self.url_open("/my/payer-portal/statement", params={**PERIOD, **params})

    def _xlsx_values(self, response):
        workbook = openpyxl.load_workbook(io.BytesIO(response.content))
        return [
            f"{cell.value:.2f}".encode()
            for sheet in workbook
            for row in sheet.iter_rows()
            for cell in row
            if isinstance(cell.value, float | int)
        ]

    def test_portal_statement_of_a_company_2_visit(self):
        """The customer's portal user works with company 2 only: page, PDF and XLSX carry company
        2's figures; company 1's statement is refused."""
        self.authenticate("trust_portal_2", "trust_portal_2")
        for report_format in ("html", "pdf"):
            with self.subTest(report_format=report_format):
                response = self._statement(format=report_format)
                self.assertEqual(response.status_code, 200)
                self._assert_shown(PORTAL_IN_2, response.content)
                self._assert_hidden(PORTAL_IN_1, response.content)
                refused = self._statement(format=report_format, company_id=self.company_1.id)
                self.assertEqual(refused.status_code, 400)
                self._assert_hidden(PORTAL_IN_1, refused.content)
        values = self._xlsx_values(self._statement(format="xlsx"))
        self._assert_shown(PORTAL_IN_2, values)
        self._assert_hidden(PORTAL_IN_1, values)
        self.assertEqual(self._statement(format="xlsx", company_id=self.company_1.id).status_code, 400)

    def test_portal_statement_in_a_company_2_users_preview(self):
        """A company 2 invoicing user previews a shared customer: company 2's statement only."""
        self.authenticate("trust_user_2", "trust_user_2")
        self.url_open(f"/my/payer-portal/preview/{self.shared.id}")
        for report_format in ("html", "pdf"):
            with self.subTest(report_format=report_format):
                response = self._statement(format=report_format)
                self.assertEqual(response.status_code, 200)
                self._assert_shown(SHARED_IN_2, response.content)
                self._assert_hidden(SHARED_IN_1, response.content)
                refused = self._statement(format=report_format, company_id=self.company_1.id)
                self.assertEqual(refused.status_code, 400)
                self._assert_hidden(SHARED_IN_1, refused.content)
        values = self._xlsx_values(self._statement(format="xlsx"))
        self._assert_shown(SHARED_IN_2, values)
        self._assert_hidden(SHARED_IN_1, values)
        self.assertEqual(self._statement(format="xlsx", company_id=self.company_1.id).status_code, 400)
