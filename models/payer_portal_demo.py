import base64
from datetime import timedelta

from odoo import Command, api, fields, models

# Logins are distinct from the ones of Odoo's own demo data ("admin", "demo", "portal").
DEMO_PASSWORDS = {"ar_manager": "ar_manager", "paula": "paula"}


class PayerPortalDemo(models.AbstractModel):
    """Builds the demo ledger (loaded by ``demo/``, never by tests)."""

    _name = "payer.portal.demo"
    _description = "Payer portal demo data"

    @api.model
    def _load_demo(self):
        company = self.env.company
        if not company.chart_template:
            self.env["account.chart.template"].try_loading("generic_coa", company, install_demo=False)
        today = fields.Date.context_today(self)
        eur = self.env.ref("base.EUR")
        if eur != company.currency_id:
            eur.active = True
            if not eur.rate_ids.filtered(lambda r: r.company_id == company):
                self.env["res.currency.rate"].create(
                    {"currency_id": eur.id, "company_id": company.id, "name": today - timedelta(days=400), "rate": 0.92}
                )
        manager = self._demo_user(
            "ar_manager",
            "Alice Manager",
            "manager@payer-portal.example.com",
            [self.env.ref("base.group_user").id, self.env.ref("account.group_account_manager").id],
        )
        brightway = self._demo_partner(
            "Brightway Retail Ltd", is_company=True, email="ap@brightway.example.com", user_id=manager.id
        )
        paula = self._demo_partner("Paula Payer", parent_id=brightway.id, email="paula@brightway.example.com")
        self._demo_user("paula", "Paula Payer", paula.email, [self.env.ref("base.group_portal").id], partner=paula)
        northwind = self._demo_partner(
            "Northwind Traders", is_company=True, email="accounts@northwind.example.com", user_id=manager.id
        )
        carla = self._demo_partner("Carla Gomez", email="carla.gomez@example.com")

        usd = company.currency_id
        # (days past due, amount, currency); negative days = not yet due.
        plan = [
            (brightway, -20, 1200.0, usd),
            (brightway, -3, 450.0, usd),
            (brightway, 12, 830.0, usd),
            (brightway, 45, 2100.0, usd),
            (brightway, 75, 640.0, usd),
            (brightway, 130, 1500.0, usd),
            (brightway, -10, 980.0, eur),
            (brightway, 20, 1750.0, eur),
            (brightway, 95, 300.0, eur),
            (northwind, 5, 3200.0, usd),
            (northwind, -25, 760.0, usd),
            (carla, 33, 220.0, usd),
        ]
        invoices = self.env["account.move"]
        for partner, days_late, amount, currency in plan:
            invoices |= self._demo_move("out_invoice", partner, today, days_late, amount, currency)
        invoices.action_post()
        # A partially paid invoice, through Odoo's own payment wizard.
        partial = invoices[3]
        self.env["account.payment.register"].with_context(active_model="account.move", active_ids=partial.ids).create(
            {"amount": 600.0, "payment_date": today - timedelta(days=10)}
        )._create_payments()
        # An open credit note.
        refund = self._demo_move("out_refund", brightway, today, 30, 180.0, usd, name="Returned goods")
        refund.action_post()
        # A supporting file, sent to the customer in the invoice's conversation.
        supported = invoices[4]
        attachment = self.env["ir.attachment"].create(
            {
                "name": "delivery-note.txt",
                "datas": base64.b64encode(b"Delivery note for the goods invoiced.\n"),
                "res_model": "account.move",
                "res_id": supported.id,
                "mimetype": "text/plain",
            }
        )
        supported.message_post(
            body=self.env._("Delivery note attached."),
            attachment_ids=attachment.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        self._demo_payment_provider(company)
        return True

    def _demo_payment_provider(self, company):
        """Odoo's demo provider, in test mode and published, so that TO PAY can be tried."""
        provider = self.env.ref("payment.payment_provider_demo", raise_if_not_found=False)
        method = self.env.ref("payment_demo.payment_method_demo", raise_if_not_found=False)
        if not provider or not method or provider.company_id != company:
            return
        method.active = True
        bank = self.env["account.journal"].search([("type", "=", "bank"), ("company_id", "=", company.id)], limit=1)
        provider.write(
            {
                "state": "test",
                "is_published": True,
                "payment_method_ids": [Command.link(method.id)],
                **({"journal_id": bank.id} if bank else {}),
            }
        )

    def _demo_partner(self, name, **vals):
        return self.env["res.partner"].create(dict(vals, name=name))

    def _demo_user(self, login, name, email, group_ids, partner=None):
        vals = {
            "login": login,
            "name": name,
            "email": email,
            "password": DEMO_PASSWORDS[login],
            "group_ids": [Command.set(group_ids)],
        }
        if partner:
            vals["partner_id"] = partner.id
        return self.env["res.users"].with_context(no_reset_password=True).create(vals)

    def _demo_move(self, move_type, partner, today, days_late, amount, currency, name="Services"):
        due = today - timedelta(days=days_late)
        return self.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": partner.id,
                "currency_id": currency.id,
                "invoice_date": due - timedelta(days=30),
                "invoice_date_due": due,
                "invoice_line_ids": [
                    Command.create({"name": name, "quantity": 1, "price_unit": amount, "tax_ids": []})
                ],
            }
        )
