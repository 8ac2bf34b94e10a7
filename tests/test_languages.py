"""Languages (issue 12): the customer reads the portal, its emails and its statements in its own
language, and every string of the addon is translated in French, Spanish and German."""

import fnmatch
import io
import os
import re
from datetime import date
from pathlib import Path

import openpyxl
import polib
from lxml import html

from odoo.modules.module import get_module_path
from odoo.tests import HttpCase, tagged
from odoo.tools import SQL
from odoo.tools.translate import (
    JAVASCRIPT_TRANSLATION_COMMENT,
    PYTHON_TRANSLATION_COMMENT,
    TranslationFileWriter,
    TranslationModuleReader,
)

from .common import PayerPortalCommon

I18N = Path(__file__).resolve().parent.parent / "i18n"
LANGS = {"fr": "fr_FR", "es": "es_ES", "de": "de_DE"}


class _AddonReader(TranslationModuleReader):
    """Odoo's exporter (``odoo i18n export``) for the addon's own files only: a development
    checkout's git-ignored caches hold Odoo itself and a link back to the addon."""

    def _export_translatable_resources(self):
        module_path = get_module_path("account_payer_portal")
        path = os.path.dirname(module_path)
        self._path_list = [(path, True)]
        for root, dirs, files in os.walk(module_path, followlinks=True):
            dirs[:] = [d for d in dirs if not d.startswith(".") and d != "__pycache__"]
            for fname in fnmatch.filter(files, "*.py"):
                self._babel_extract_terms(
                    fname,
                    path,
                    root,
                    "odoo.tools.babel:extract_python",
                    extra_comments=[PYTHON_TRANSLATION_COMMENT],
                    extract_keywords={"_": None, "_lt": None},
                )
            if fnmatch.fnmatch(root, "*/static/src*"):
                for fname in fnmatch.filter(files, "*.js"):
                    self._babel_extract_terms(
                        fname,
                        path,
                        root,
                        "odoo.tools.babel:extract_javascript",
                        extra_comments=[JAVASCRIPT_TRANSLATION_COMMENT],
                        extract_keywords={"_t": None},
                    )
                for fname in fnmatch.filter(files, "*.xml"):
                    self._babel_extract_terms(
                        fname,
                        path,
                        root,
                        "odoo.tools.translate:babel_extract_qweb",
                        extra_comments=[JAVASCRIPT_TRANSLATION_COMMENT],
                    )


def _text(body):
    """The text of an HTML page or email as a reader sees it (one plain space between words)."""
    if isinstance(body, bytes):
        body = body.decode()
    return re.sub(r"[\s\u00a0\u202f]+", " ", html.fromstring(body).text_content())


class LanguagesCommon(PayerPortalCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for code in LANGS.values():
            cls.env["res.lang"]._activate_lang(code)
        cls.env["ir.module.module"]._load_module_terms(["account_payer_portal"], list(LANGS.values()), overwrite=True)
        cls.today = cls.Ledger._today(cls.company)
        # 1 000,00 € dated 26 October 2026, 234,56 € twelve days late: 1 234,56 €.
        cls.invoice_fixed = cls._invoice(1000.0, currency=cls.eur, invoice_date=date(2026, 10, 26))
        cls.invoice_late = cls._invoice(234.56, days_late=12, currency=cls.eur, today=cls.today)
        cls.customer.email = "ap@brightway.example.com"


@tagged("post_install", "-at_install")
class TestLanguagePortal(LanguagesCommon, HttpCase):
    def test_french_portal_user_sees_the_portal_in_french(self):
        self.portal_user.lang = "fr_FR"
        self.start_tour("/my/payer-portal", "account_payer_portal_in_french", login="payer_paula")

    def test_portal_user_language_wins_over_an_earlier_visit_in_english(self):
        """A French user on a browser that last showed the portal in English (cookie) reads French."""
        self.portal_user.lang = "fr_FR"
        self.authenticate("payer_paula", "payer_paula")
        self.opener.cookies.set("frontend_lang", "en_US")
        response = self.url_open("/my/payer-portal")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(html.fromstring(response.content).get("lang"), "fr-FR")
        self.assertIn("Relevé de compte", _text(response.content))

    def _guest_open(self, customer_lang):
        self.customer.lang = customer_lang
        url = self.customer.sudo()._payer_portal_link_url(self.company)
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        return response

    def test_guest_of_a_spanish_customer_sees_spanish(self):
        response = self._guest_open("es_ES")
        text = _text(response.content)
        self.assertEqual(html.fromstring(response.content).get("lang"), "es-ES")
        self.assertIn("Estado de cuenta", text)
        self.assertIn("Saldo pendiente", text)
        self.assertIn("1.234,56 €", text, "money in Spanish format")
        self.assertIn("26/10/2026", text, "dates in Spanish format")
        # the rest of the visit too: the statement page, by the link kept in the session
        statement = self.url_open(f"/my/payer-portal/statement?date_from=2026-10-01&date_to={self.today}")
        self.assertEqual(html.fromstring(statement.content).get("lang"), "es-ES")
        self.assertIn("Saldo de cierre", _text(statement.content))

    def test_guest_of_a_customer_in_an_inactive_language_sees_the_default(self):
        # (a language deactivated after the customer got it; the ORM refuses to write one)
        self.env.cr.execute(SQL("UPDATE res_partner SET lang = 'it_IT' WHERE id = %s", self.customer.id))
        self.customer.invalidate_recordset(["lang"])
        url = self.customer.sudo()._payer_portal_link_url(self.company)
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(html.fromstring(response.content).get("lang"), "en-US")

    def test_language_selector_choice_is_kept_for_the_visit(self):
        self.portal_user.lang = "fr_FR"
        self.authenticate("payer_paula", "payer_paula")
        self.url_open("/my/payer-portal")  # French, remembered in the cookie
        chosen = self.url_open("/de/my/payer-portal")
        self.assertEqual(html.fromstring(chosen.content).get("lang"), "de-DE")
        again = self.url_open("/my/payer-portal/statement")
        self.assertEqual(html.fromstring(again.content).get("lang"), "de-DE")


@tagged("post_install", "-at_install")
class TestLanguageDocuments(LanguagesCommon):
    def test_account_status_email_is_in_the_customers_language(self):
        self.customer.lang = "fr_FR"
        manager = self._account_manager("lang_manager", email="m@company.example.com")
        before = self.customer.message_ids
        self.customer.with_user(manager).action_send_payer_reminder()
        message = (self.customer.message_ids - before).filtered(lambda m: m.message_type == "comment")
        mail = self.env["mail.mail"].sudo().search([("mail_message_id", "=", message.id)])
        self.assertTrue(mail)
        self.assertIn("Votre situation de compte", mail.subject)
        text = _text(mail.body_html)
        self.assertIn("Solde dû", text)
        self.assertIn("1 234,56 €", text)

    def test_statement_email_pdf_and_xlsx_are_in_the_customers_language(self):
        self.customer.lang = "de_DE"
        self.company.external_report_layout_id = self.env.ref("web.external_layout_standard")
        wizard = (
            self.env["payer.statement.send"]
            .with_context(active_model="res.partner", active_ids=self.customer.ids)
            .create({"date_from": "2026-10-01", "date_to": str(max(self.today, date(2026, 11, 30)))})
        )
        wizard.action_send()
        domain = [("model", "=", "res.partner"), ("res_id", "=", self.customer.id)]
        message = self.env["mail.message"].search([*domain, ("message_type", "=", "user_notification")])
        self.assertIn("Kontoauszug", message.subject)
        self.assertIn("Kontoauszug", message.attachment_ids.name)
        data = {"company_id": self.company.id, "date_from": "2026-10-01", "date_to": str(wizard.date_to)}
        report_html, _type = self.env["ir.actions.report"]._render_qweb_html(
            "account_payer_portal.action_report_payer_statement", self.customer.ids, data=data
        )
        text = _text(report_html)
        self.assertIn("Kontoauszug", text)
        self.assertIn("Rechnung", text, "the movements' labels too")
        self.assertIn("Schlusssaldo", text)
        self.assertIn("26.10.2026", text, "dates in German format")
        statement = (
            self.env["payer.statement"]
            .with_context(lang="fr_FR")
            ._get_statement_data(self.customer, self.company, date(2026, 10, 1), wizard.date_to)
        )
        xlsx = self.env["payer.statement"].with_context(lang="fr_FR")._get_statement_xlsx(statement)
        sheet = openpyxl.load_workbook(io.BytesIO(xlsx))[self.eur.name]
        self.assertEqual(sheet["A1"].value, "Relevé de compte")
        self.assertEqual(sheet["D7"].value, "Échéance")
        self.assertEqual(sheet["A8"].number_format, "dd/mm/yyyy")

    def test_receipt_email_is_in_the_contacts_language(self):
        self.contact.lang = "es_ES"
        payment = self.env["payer.payment"]._create_from_selection(
            self.customer,
            self.company,
            self.eur,
            invoice_ids=self.invoice_fixed.ids,
            credit_ids=[],
            companies=self.company,
            contact=self.contact,
        )
        template = self.env.ref("account_payer_portal.mail_template_payer_payment_receipt")
        values = template._generate_template(payment.ids, ["subject", "body_html"])[payment.id]
        self.assertIn("recibo", values["subject"])
        text = _text(values["body_html"])
        self.assertIn("Total pagado", text)
        self.assertIn("1.000,00 €", text)


@tagged("post_install", "-at_install")
class TestLanguageTranslations(LanguagesCommon):
    def _exported_msgids(self):
        """Every string of the addon as Odoo's exporter finds it now (the code, not the committed .pot)."""
        buffer = io.BytesIO()
        TranslationFileWriter(buffer, fileformat="po", lang=None).write_rows(
            _AddonReader(self.env.cr, ["account_payer_portal"])
        )
        return {entry.msgid for entry in polib.pofile(buffer.getvalue().decode()) if entry.msgid}

    def test_the_pot_has_every_string_of_the_addon(self):
        pot = {entry.msgid for entry in polib.pofile(str(I18N / "account_payer_portal.pot")) if entry.msgid}
        exported = self._exported_msgids()
        # the code, the templates and the data are all read
        self.assertLessEqual({"Your account status with %s", "Balance Due", "Wrong amount"}, exported)
        missing = sorted(exported - pot)
        self.assertFalse(missing, f"refresh the .pot (`make pot`) and translate: {missing[:20]}")

    def test_every_string_is_translated_in_french_spanish_and_german(self):
        msgids = self._exported_msgids()
        for iso in LANGS:
            po = polib.pofile(str(I18N / f"{iso}.po"))
            translated = {e.msgid for e in po if e.msgstr.strip() and "fuzzy" not in e.flags}
            missing = sorted(msgids - translated)
            self.assertFalse(missing, f"{iso}.po misses {len(missing)} translations: {missing[:20]}")

    def test_translations_keep_the_placeholders(self):
        for iso in LANGS:
            for entry in polib.pofile(str(I18N / f"{iso}.po")):
                for pattern in (r"%\(\w+\)[sr]", r"%s", r"\{\{\d\}\}"):
                    self.assertEqual(
                        sorted(re.findall(pattern, entry.msgid)),
                        sorted(re.findall(pattern, entry.msgstr)),
                        f"{iso}.po: {entry.msgid!r}",
                    )
                self.assertEqual(entry.msgid.count("{{"), entry.msgstr.count("{{"), f"{iso}.po: {entry.msgid!r}")

    def test_french_translation_shows_in_odoo(self):
        labels = self.env["payer.portal.ledger"].with_context(lang="fr_FR")._figure_labels()
        self.assertEqual(labels["balance_due"], "Solde dû")
        self.assertEqual(labels["days_over_90"], "Plus de 90 jours")
