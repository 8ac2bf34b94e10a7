"""Lean and fast (issue 13): the Balance rows' amounts and dates read exactly as Odoo's widgets
write them, in the reader's language, and the ledger's queries are planned without parallel workers."""

from datetime import date
from unittest.mock import patch

from odoo.sql_db import Cursor
from odoo.tests import TransactionCase, tagged

from ..tools.portal_format import PayerFormat


@tagged("post_install", "-at_install")
class TestPayerFormat(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for code in ("fr_FR", "de_DE"):
            cls.env["res.lang"]._activate_lang(code)
        Currency = cls.env["res.currency"].with_context(active_test=False)
        cls.currencies = Currency.search([("name", "in", ("USD", "EUR", "JPY", "KWD"))])
        cls.currencies.active = True
        # A currency whose symbol must be escaped, after the amount.
        cls.currencies |= Currency.create(
            {"name": "XPT", "symbol": "<b>&</b>", "rounding": 0.001, "position": "after", "active": True}
        )

    def test_amounts_and_dates_as_odoo_widgets(self):
        amounts = [0.0, -0.0, 0.004, -0.004, 0.005, 1.5, -1234.5, 1234567.891, -98765432.1, 10**12 + 0.25]
        days = [date(2026, 1, 2), date(2026, 12, 31), date(1999, 7, 14)]
        self.assertEqual(len(self.currencies), 5)
        for lang in ("en_US", "fr_FR", "de_DE"):
            env = self.env(context=dict(self.env.context, lang=lang))
            payer_format = PayerFormat(env)
            monetary, widget_date = env["ir.qweb.field.monetary"], env["ir.qweb.field.date"]
            for currency in self.currencies:
                for amount in amounts:
                    with self.subTest(lang=lang, currency=currency.name, amount=amount):
                        expected = monetary.value_to_html(amount, {"display_currency": currency})
                        self.assertEqual(payer_format.money(amount, currency), expected)
                        plain = env["payer.portal.ledger"]._plain(amount, currency)
                        self.assertEqual(payer_format.plain(amount, currency), plain)
            for day in days:
                with self.subTest(lang=lang, day=day):
                    self.assertEqual(payer_format.date(day), widget_date.value_to_html(day, {}))
                    self.assertEqual(payer_format.date(day), payer_format.date(day))  # from its cache
            self.assertEqual(payer_format.date(False), widget_date.value_to_html(False, {}))
        french = PayerFormat(self.env(context=dict(self.env.context, lang="fr_FR")))
        eur = self.currencies.filtered(lambda c: c.name == "EUR")
        self.assertIn("1\N{NO-BREAK SPACE}234\N{NO-BREAK SPACE}567,89", french.money(1234567.891, eur))
        self.assertIn("&lt;b&gt;&amp;&lt;/b&gt;", str(french.money(1, self.currencies[-1])))


@tagged("post_install", "-at_install")
class TestSerialPlans(TransactionCase):
    def _parallel_workers(self):
        self.env.cr.execute("SHOW max_parallel_workers_per_gather")
        return self.env.cr.fetchone()[0]

    def test_ledger_reads_plan_without_parallel_workers(self):
        self.assertNotEqual(self._parallel_workers(), "0", "PostgreSQL's default plans with workers")
        partner = self.env["res.partner"].create({"name": "Serial Customer"})
        executed = []
        execute = Cursor.execute

        def spy(cr, query, *args, **kwargs):
            executed.append(str(query))
            return execute(cr, query, *args, **kwargs)

        with patch.object(Cursor, "execute", spy):
            for _read in range(3):  # once per transaction
                self.env["payer.portal.ledger"]._get_sections(partner, self.env.company)
        self.assertEqual(len([q for q in executed if "max_parallel_workers_per_gather" in q]), 1)
        self.assertGreater(len(executed), 3)
        self.assertEqual(self._parallel_workers(), "0")
