import base64
from datetime import datetime

from freezegun import freeze_time

from odoo.modules.module import get_manifest
from odoo.tests import TransactionCase, tagged
from odoo.tools import file_open
from odoo.tools.convert import convert_file

MODULE = "account_payer_portal"


@tagged("post_install", "-at_install")
class TestUpgradeKeepsCompanyEdits(TransactionCase):
    """What a company edits in the addon's data survives an upgrade (`-u account_payer_portal`).

    ``_upgrade`` reloads every data file of the manifest exactly as Odoo's upgrade does
    (``odoo.modules.loading.load_data``: ``convert_file`` in mode ``update``, ``noupdate=False``
    for data files), so only the files' own ``noupdate`` flags protect the edits.
    """

    def _upgrade(self):
        idref = {}
        for filename in get_manifest(MODULE)["data"]:
            convert_file(self.env, MODULE, filename, idref, mode="update", noupdate=False)
        self.env.invalidate_all()

    def test_upgrade_keeps_edited_mail_templates(self):
        for xmlid in (
            "mail_template_payer_dispute_state",
            "mail_template_payer_statement",
            "mail_template_payer_payment_receipt",
        ):
            with self.subTest(template=xmlid):
                template = self.env.ref(f"{MODULE}.{xmlid}")
                template.write({"subject": "Our own subject", "body_html": "<p>Our own words</p>"})
                self._upgrade()
                self.assertEqual(template.subject, "Our own subject")
                self.assertIn("Our own words", template.body_html)

    def test_upgrade_keeps_edited_sequences(self):
        for xmlid in ("seq_payer_dispute", "seq_payer_payment"):
            with self.subTest(sequence=xmlid):
                sequence = self.env.ref(f"{MODULE}.{xmlid}")
                sequence.write({"prefix": "OURS/", "padding": 7})
                self._upgrade()
                self.assertEqual((sequence.prefix, sequence.padding), ("OURS/", 7))

    def test_upgrade_keeps_edited_dispute_categories(self):
        category = self.env.ref(f"{MODULE}.payer_dispute_category_wrong_amount")
        category.write({"name": "Amount does not match the order", "sequence": 99})
        self._upgrade()
        self.assertEqual((category.name, category.sequence), ("Amount does not match the order", 99))

    def test_upgrade_keeps_edited_statement_cron(self):
        cron = self.env.ref(f"{MODULE}.ir_cron_payer_statement_send")
        cron.write({"interval_number": 3, "interval_type": "hours", "active": False})
        self._upgrade()
        self.assertEqual((cron.interval_number, cron.interval_type, cron.active), (3, "hours", False))

    def test_upgrade_still_updates_the_dispute_state_subtype(self):
        """Technical records that the code relies on follow upgrades (the reload really happens)."""
        subtype = self.env.ref(f"{MODULE}.mt_payer_dispute_state")
        subtype.write({"internal": True, "description": "changed"})
        self._upgrade()
        self.assertFalse(subtype.internal)
        self.assertEqual(subtype.description, "The dispute's state changed")


@tagged("post_install", "-at_install")
class TestPayerToday(TransactionCase):
    """ "Today" of every aging figure is the date in the company's timezone."""

    def test_today_is_the_company_date_on_both_sides_of_utc_midnight(self):
        Ledger = self.env["payer.portal.ledger"]
        company = self.env.company
        cases = [
            ("2026-03-01 23:30:00", "Asia/Tokyo", "2026-03-02"),
            ("2026-03-01 23:30:00", "America/New_York", "2026-03-01"),
            ("2026-03-02 02:00:00", "America/New_York", "2026-03-01"),
            ("2026-03-02 02:00:00", "UTC", "2026-03-02"),
            ("2026-03-02 02:00:00", False, "2026-03-02"),
        ]
        for utc_now, tz, expected in cases:
            with self.subTest(utc_now=utc_now, tz=tz), freeze_time(utc_now):
                company.partner_id.tz = tz
                self.assertEqual(Ledger._today(company), datetime.strptime(expected, "%Y-%m-%d").date())


@tagged("post_install", "-at_install")
class TestAppsScreen(TransactionCase):
    """What Odoo's Apps screen shows of the addon: its own icon, and a description with screenshots."""

    def test_apps_screen_shows_the_addon_icon_and_screenshots(self):
        module = self.env["ir.module.module"].search([("name", "=", MODULE)])
        self.assertEqual(module.icon, f"/{MODULE}/static/description/icon.png")
        with file_open(f"{MODULE}/static/description/icon.png", "rb") as icon:
            self.assertEqual(base64.b64decode(module.icon_image), icon.read())
        self.assertIn("Payer Portal", module.description_html)
        for shot in ("screenshot_desktop.png", "screenshot_phone.png"):
            self.assertIn(f"/{MODULE}/static/description/{shot}", module.description_html)
