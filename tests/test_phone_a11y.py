import base64
import os
import re
from pathlib import Path
from unittest.mock import patch

from freezegun import freeze_time
from lxml import html

from odoo.tests import HttpCase, tagged
from odoo.tests.common import ChromeBrowser

from .common import TODAY
from .test_payer_payment import PayerPaymentCommon


def _axe_source():
    """axe-core's script, installed from the npm registry by `make test` (tooling/dev.py), which
    passes its path in PAYER_AXE_JS; else the same place in the checkout's cache."""
    path = os.environ.get("PAYER_AXE_JS")
    if not path:
        root = Path(__file__).resolve().parent.parent
        path = root / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
    path = Path(path)
    if not path.is_file():
        raise AssertionError(f"axe-core is missing ({path}): run `make setup` (or `make test`) to install it")
    return path.read_text()


class PayerBrowserCommon(PayerPaymentCommon):
    """The payer pages in Chromium with axe-core injected into every page it opens, and a customer
    with what each page shows: overdue and due invoices, a credit note, another currency."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = cls._account_manager("a11y_manager", name="Ada Manager", email="ada@example.com")
        cls.company.payer_dispute_user_id = cls.manager
        cls.env["ir.config_parameter"].sudo().set_param("account_payment.enable_portal_payment", True)
        # The browser lives in the real present: date the ledger from the company's real today.
        cls.today = cls.Ledger._today(cls.company)
        cls.invoice_a = cls._invoice(300.0, days_late=20, today=cls.today, invoice_user_id=False)
        cls.invoice_b = cls._invoice(200.0, days_late=-5, today=cls.today, invoice_user_id=False)
        # A large figure: the aging boxes must hold it on a phone.
        cls.large = cls._invoice(1234567.89, days_late=95, today=cls.today, invoice_user_id=False)
        cls.credit_note = cls._invoice(50.0, move_type="out_refund", today=cls.today)
        cls.eur_invoice = cls._invoice(90.0, days_late=3, currency=cls.eur, today=cls.today)
        cls.axe_source = _axe_source()

    def start_tour(self, url_path, tour_name, step_delay=None, **kwargs):
        shots = os.environ.get("PAYER_SCREENSHOTS")  # a folder: each checked page is saved there
        source = self.axe_source + (";\nwindow.payerScreenshots = true;" if shots else "")
        navigate_to = ChromeBrowser.navigate_to
        handle_console = ChromeBrowser._handle_console
        width = self.browser_size.replace(",", "x").split("x")[0]

        def navigate_with_axe(browser, url, wait_stop=False):
            browser._websocket_request("Page.addScriptToEvaluateOnNewDocument", params={"source": source})
            return navigate_to(browser, url, wait_stop=wait_stop)

        def console_with_screenshots(browser, args=None, **kw):  # kw: DevTools' console event
            message = str(browser._from_remoteobject(args[0])) if args else ""
            if shots and message.startswith("payer-screenshot "):
                page, page_width, page_height = message.removeprefix("payer-screenshot ").split("|")
                name = re.sub(r"\W+", "_", page).strip("_").lower()
                path = Path(shots) / f"{width}_{name}.png"

                def save(future):
                    path.write_bytes(base64.b64decode(future.result(timeout=0)["data"]))

                # A phone's scrollbars float over the page: hide Chromium's for the shot.
                browser._websocket_send("Emulation.setScrollbarsHidden", params={"hidden": True})
                clip = {"x": 0, "y": 0, "width": int(page_width), "height": int(page_height), "scale": 1}
                params = {"captureBeyondViewport": True, "clip": clip}
                browser._websocket_send("Page.captureScreenshot", params=params, with_future=True).add_done_callback(
                    save
                )
                browser._websocket_send("Emulation.setScrollbarsHidden", params={"hidden": False})
            return handle_console(browser, args=args, **kw)

        with (
            patch.object(ChromeBrowser, "navigate_to", navigate_with_axe),
            patch.object(ChromeBrowser, "_handle_console", console_with_screenshots),
        ):
            return super().start_tour(url_path, tour_name, step_delay=step_delay, **kwargs)


@tagged("post_install", "-at_install")
class TestPhoneLayout(PayerBrowserCommon, HttpCase):
    """At 390x844 with touch: rows, balances and actions on screen, 44 px touch targets, no
    sideways scrolling, and no axe-core WCAG 2.1 A/AA violation on any payer page."""

    browser_size = "390x844"
    touch_enabled = True

    def test_pay_on_a_phone(self):
        self.start_tour("/my/payer-portal", "account_payer_portal_phone_pay", login="payer_paula")
        self.assertEqual(self.invoice_a.amount_residual, 0.0)

    def test_statement_on_a_phone(self):
        self.start_tour("/my/payer-portal", "account_payer_portal_phone_statement", login="payer_paula")

    def test_question_and_dispute_on_a_phone(self):
        self.start_tour("/my/payer-portal", "account_payer_portal_phone_dispute", login="payer_paula")
        self.assertTrue(self.invoice_a.payer_dispute_open, "the second row's invoice")


@tagged("post_install", "-at_install")
class TestDesktopAccessibility(PayerBrowserCommon, HttpCase):
    """The same walks at desktop width: the same checks, axe-core included."""

    browser_size = "1280x900"

    def test_pay_on_a_desktop(self):
        self.start_tour("/my/payer-portal", "account_payer_portal_phone_pay", login="payer_paula")
        self.assertEqual(self.invoice_a.amount_residual, 0.0)

    def test_statement_on_a_desktop(self):
        self.start_tour("/my/payer-portal", "account_payer_portal_phone_statement", login="payer_paula")

    def test_question_and_dispute_on_a_desktop(self):
        self.start_tour("/my/payer-portal", "account_payer_portal_phone_dispute", login="payer_paula")
        self.assertTrue(self.invoice_a.payer_dispute_open, "the second row's invoice")


@tagged("post_install", "-at_install")
class TestPayerNavigation(PayerPaymentCommon, HttpCase):
    """What a customer expects to find on the pages: the way back, the period, what PAY ALL does."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = cls._account_manager("nav_manager", name="Ada Manager", email="ada@example.com")
        cls.company.payer_dispute_user_id = cls.manager
        cls.invoice_a = cls._invoice(300.0, days_late=20)
        cls.invoice_b = cls._invoice(200.0, days_late=-5)
        cls.credit_note = cls._invoice(50.0, move_type="out_refund")

    def _page(self, url):
        self.authenticate("payer_paula", "payer_paula")
        with freeze_time(TODAY):
            response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        return html.fromstring(response.content)

    def _dispute(self, invoice):
        return self.env["payer.dispute"].create(
            {
                "move_id": invoice.id,
                "opened_by_id": self.contact.id,
                "category_id": self.env.ref("account_payer_portal.payer_dispute_category_wrong_amount").id,
                "description": "The price is wrong",
            }
        )

    def _breadcrumbs(self, page):
        return [" ".join(li.text_content().split()) for li in page.xpath("//ol[hasclass('breadcrumb')]/li")]

    def test_statement_of_account_has_breadcrumbs(self):
        page = self._page("/my/payer-portal")
        self.assertEqual(self._breadcrumbs(page)[-1:], ["Statement of account"])
        self.assertTrue(page.xpath("//ol[hasclass('breadcrumb')]//a[@href='/my' or @href='/my/home']"))

    def test_statement_page_leads_back_and_changes_its_period(self):
        page = self._page("/my/payer-portal/statement?date_from=2026-01-01&date_to=2026-06-15")
        self.assertEqual(self._breadcrumbs(page)[-2:], ["Statement of account", "Statement"])
        self.assertTrue(page.xpath("//ol[hasclass('breadcrumb')]//a[@href='/my/payer-portal']"))
        [form] = page.xpath("//form[hasclass('o_payer_statement_period_form')]")
        self.assertEqual(form.get("action"), "/my/payer-portal/statement")
        self.assertEqual(form.xpath(".//input[@name='date_from']/@value"), ["2026-01-01"])
        self.assertEqual(form.xpath(".//input[@name='date_to']/@value"), ["2026-06-15"])

    def test_pay_all_says_what_it_charges_and_what_it_leaves_out(self):
        self._dispute(self.invoice_b)
        page = self._page(f"/my/payer-portal/to-pay?section={self.company.id}-USD")
        [form] = page.xpath("//form[hasclass('o_payer_to_pay_form')]")
        [amount] = form.xpath(".//*[hasclass('o_payer_pay_all_amount')]")
        self.assertEqual(amount.get("data-value"), "250.00", "the invoice not disputed, less the credit")
        left_out = " ".join(form.xpath("string(.//*[hasclass('o_payer_pay_all_left_out')])").split())
        self.assertIn(self.invoice_b.name, left_out)
        self.assertIn(f"{self.invoice_b.name} is under dispute", left_out)
        self.assertNotIn(self.invoice_a.name, left_out)
        self.assertFalse(form.xpath(".//button[hasclass('o_payer_pay_all')]/@disabled"))

    def test_pay_all_is_disabled_with_a_plain_message_when_nothing_can_be_paid(self):
        self._dispute(self.invoice_a)
        self._dispute(self.invoice_b)
        page = self._page(f"/my/payer-portal/to-pay?section={self.company.id}-USD")
        [form] = page.xpath("//form[hasclass('o_payer_to_pay_form')]")
        self.assertTrue(form.xpath(".//button[hasclass('o_payer_pay_all')]/@disabled"))
        message = " ".join(form.xpath("string(.//*[hasclass('o_payer_pay_nothing')])").split())
        self.assertIn("Nothing can be paid online", message)
        self.assertFalse(form.xpath(".//*[hasclass('o_payer_pay_select_all')]"), "nothing to select")

    def test_question_and_dispute_forms_have_the_payer_breadcrumbs_only(self):
        name = self.invoice_a.name
        page = self._page(f"/my/payer-portal/invoice/{self.invoice_a.id}/question")
        self.assertEqual(self._breadcrumbs(page)[1:], ["Statement of account", f"Question on {name}"])
        page = self._page(f"/my/payer-portal/invoice/{self.invoice_a.id}/dispute")
        self.assertEqual(self._breadcrumbs(page)[1:], ["Statement of account", f"Dispute {name}"])

    def test_question_is_shown_back_after_sending(self):
        url = f"/my/payer-portal/invoice/{self.invoice_a.id}/question"
        csrf = self._page(url).xpath("//input[@name='csrf_token']/@value")[0]
        with freeze_time(TODAY):
            response = self.url_open(url, data={"question": "Is the <b>discount</b> included?", "csrf_token": csrf})
        self.assertEqual(response.status_code, 200)
        page = html.fromstring(response.content)
        [shown] = page.xpath("//*[hasclass('o_payer_question_sent')]//*[hasclass('o_payer_question_text')]")
        self.assertEqual(" ".join(shown.text_content().split()), "Is the <b>discount</b> included?")
        # Another's message id in the link shows nothing of it.
        note = self.invoice_a.message_post(body="Internal: call them", subtype_xmlid="mail.mt_note")
        page = self._page(f"{url}?sent={note.id}")
        self.assertNotIn("call them", page.text_content())
