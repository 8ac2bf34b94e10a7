from odoo import fields, models


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    # The position as of a day reads the reconciliations dated after it (usually none) by this
    # date (see payer.portal.ledger._open_lines_as_of_sql).
    max_date = fields.Date(index=True)
