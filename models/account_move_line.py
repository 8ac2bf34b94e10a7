from odoo import api, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    @api.model
    def _prepare_reconciliation_plan(self, plan, amls_values_map, shadowed_aml_values=None):
        # EXTENDS account: a payer portal payment pays each invoice installment for the amount the
        # customer chose, not its whole residual. The context key ``payer_reconcile_caps`` (line id
        # -> the most to reconcile of it, in its currency) lowers what Odoo sees open on those lines
        # before it matches them, once per reconciliation; the company-currency residual is lowered
        # in proportion (same rate, so a partial of a foreign-currency line books the exchange
        # difference of that part only, as Odoo does for any partial payment).
        caps = self.env.context.get("payer_reconcile_caps")
        if caps:
            for aml, values in amls_values_map.items():
                if aml.id not in caps or values.get("payer_capped"):
                    continue
                values["payer_capped"] = True
                residual_currency = values["amount_residual_currency"]
                cap = abs(caps[aml.id])
                if aml.currency_id.compare_amounts(cap, abs(residual_currency)) >= 0:
                    continue
                sign = 1 if residual_currency > 0 else -1
                ratio = cap / abs(residual_currency) if residual_currency else 0.0
                values["amount_residual_currency"] = sign * cap
                values["amount_residual"] = aml.company_currency_id.round(values["amount_residual"] * ratio)
        return super()._prepare_reconciliation_plan(plan, amls_values_map, shadowed_aml_values=shadowed_aml_values)
