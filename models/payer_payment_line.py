from odoo import fields, models


class PayerPaymentLine(models.Model):
    """A document of a payer portal payment: an invoice paid, or a credit set off."""

    _name = "payer.payment.line"
    _description = "Payer portal payment: document"
    _order = "kind desc, id"

    payer_payment_id = fields.Many2one("payer.payment", required=True, index=True, ondelete="cascade")
    move_id = fields.Many2one("account.move", string="Document", required=True, index=True, ondelete="cascade")
    kind = fields.Selection([("invoice", "Invoice paid"), ("credit", "Credit set off")], required=True)
    currency_id = fields.Many2one(related="payer_payment_id.currency_id")
    amount_residual = fields.Monetary(
        string="Open amount", help="What was open on the document when the customer selected it."
    )
    amount_chosen = fields.Monetary(
        string="Chosen",
        help="The part of an invoice the customer chose to settle now (set off and paid); its open amount "
        "unless the customer lowered it. What is not chosen stays open.",
    )
    amount_setoff = fields.Monetary(
        string="Set off",
        help="The part settled by credits (for a credit: what is used): planned at selection, applied once done.",
    )
    amount_paid = fields.Monetary(
        string="Paid",
        help="The part of an invoice paid by the payment: planned at selection, what the payment's "
        "reconciliation paid once done.",
    )

    def _amount_left(self):
        """What the customer left open of an invoice: its open amount less what was set off and
        paid (planned, then what really happened). 0 for a credit."""
        self.ensure_one()
        if self.kind != "invoice":
            return 0.0
        return self.currency_id.round(max(self.amount_residual - self.amount_setoff - self.amount_paid, 0.0))
