from datetime import date, timedelta

from odoo import Command
from odoo.tests import new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

# The day every test of the payer portal pretends to be (company timezone: UTC).
TODAY = date(2026, 6, 15)


class PayerPortalCommon(AccountTestInvoicingCommon):
    """A customer company with a portal contact, and helpers that build a real ledger:
    posted invoices and credit notes, payments through Odoo's own payment wizard."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.company.partner_id.tz = "UTC"
        cls.usd = cls.company.currency_id
        cls.eur = cls.setup_other_currency("EUR", rates=[("2000-01-01", 0.5)])
        if cls.eur == cls.usd:  # a company in EUR: use another foreign currency
            cls.eur = cls.setup_other_currency("GBP", rates=[("2000-01-01", 0.5)])
        cls.customer = cls.env["res.partner"].create({"name": "Brightway Retail Ltd", "is_company": True})
        cls.contact = cls.env["res.partner"].create(
            {"name": "Paula Payer", "parent_id": cls.customer.id, "email": "paula@brightway.example.com"}
        )
        cls.portal_user = new_test_user(
            cls.env,
            login="payer_paula",
            password="payer_paula",
            groups="base.group_portal",
            partner_id=cls.contact.id,
        )
        cls.other_customer = cls.env["res.partner"].create({"name": "Northwind Traders", "is_company": True})
        cls.other_user = new_test_user(
            cls.env,
            login="payer_nora",
            password="payer_nora",
            groups="base.group_portal",
            partner_id=cls.env["res.partner"]
            .create({"name": "Nora", "parent_id": cls.other_customer.id, "email": "nora@northwind.example.com"})
            .id,
        )
        cls.Ledger = cls.env["payer.portal.ledger"]
        cls.installment_terms = cls.env["account.payment.term"].create(
            {
                "name": "50% now, 50% in 60 days",
                "line_ids": [
                    Command.create({"value": "percent", "value_amount": 50.0, "nb_days": 0}),
                    Command.create({"value": "percent", "value_amount": 50.0, "nb_days": 60}),
                ],
            }
        )

    @classmethod
    def _invoice(
        cls,
        amount,
        days_late=0,
        currency=None,
        partner=None,
        move_type="out_invoice",
        post=True,
        terms=None,
        company=None,
        today=TODAY,
        **vals,
    ):
        """A posted customer invoice (or credit note) due ``days_late`` days before ``today``."""
        due = today - timedelta(days=days_late)
        values = {
            "move_type": move_type,
            "partner_id": (partner or cls.customer).id,
            "currency_id": (currency or cls.usd).id,
            "invoice_date": vals.pop("invoice_date", due - timedelta(days=30)),
            "invoice_line_ids": [
                Command.create({"name": "Services", "quantity": 1, "price_unit": amount, "tax_ids": []})
            ],
            **vals,
        }
        if terms:
            values["invoice_payment_term_id"] = terms.id
        else:
            values["invoice_date_due"] = due
        move = cls.env["account.move"].with_company(company or cls.company).create(values)
        if post:
            move.action_post()
        return move

    @classmethod
    def _pay(cls, moves, amount, currency=None, days_ago=5):
        """Register a payment of ``amount`` on ``moves`` with Odoo's payment wizard."""
        wizard = (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=moves.ids)
            .create(
                {
                    "amount": amount,
                    "currency_id": (currency or moves[0].currency_id).id,
                    "payment_date": TODAY - timedelta(days=days_ago),
                    "payment_difference_handling": "open",
                }
            )
        )
        return wizard._create_payments()

    @classmethod
    def _unallocated_payment(cls, amount, currency=None, partner=None):
        payment = cls.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": (partner or cls.customer).id,
                "amount": amount,
                "currency_id": (currency or cls.usd).id,
                "journal_id": cls.company_data["default_journal_bank"].id,
                "date": TODAY - timedelta(days=2),
            }
        )
        payment.action_post()
        return payment

    @classmethod
    def _reconcile(cls, *moves):
        lines = cls.env["account.move.line"]
        for move in moves:
            lines |= move.line_ids.filtered(lambda line: line.account_id.account_type == "asset_receivable")
        lines.reconcile()

    def _section(self, currency, partner=None, today=TODAY):
        sections = self.Ledger._get_sections(partner or self.customer, self.company, today=today)
        found = [s for s in sections if s["currency"] == currency]
        return found[0] if found else None

    def _ledger_balance(self, currency, partner=None):
        """The customer's receivable balance in ``currency``, read through the ORM (not our SQL)."""
        domain = [
            ("partner_id.commercial_partner_id", "=", (partner or self.customer).id),
            ("parent_state", "=", "posted"),
            ("account_id.account_type", "=", "asset_receivable"),
            ("currency_id", "=", currency.id),
            ("company_id", "=", self.company.id),
        ]
        [(total,)] = self.env["account.move.line"]._read_group(domain, aggregates=["amount_currency:sum"])
        return currency.round(total or 0.0)

    @classmethod
    def _account_manager(cls, login, groups="base.group_user,account.group_account_invoice", **values):
        """An internal user of the company with Invoicing rights (password = login)."""
        return new_test_user(
            cls.env,
            login=login,
            password=login,
            groups=groups,
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
            **values,
        )
