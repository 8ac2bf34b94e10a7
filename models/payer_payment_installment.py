from odoo import fields, models


class PayerPaymentInstallment(models.Model):
    """One invoice installment (open receivable line) of a payer portal payment: what was open on
    it when the customer selected it, the part of the invoice's chosen amount it carries (earliest
    installment first), the part credits set off and the part the provider's payment pays. The
    payment is reconciled with each installment for ``amount_paid`` at most (partial
    reconciliation): what the customer did not choose stays open."""

    _name = "payer.payment.installment"
    _description = "Payer portal payment: installment"
    _order = "sequence, id"

    payer_payment_id = fields.Many2one("payer.payment", required=True, index=True, ondelete="cascade")
    sequence = fields.Integer(required=True, default=0)
    move_line_id = fields.Many2one("account.move.line", string="Installment", required=True, ondelete="cascade")
    move_id = fields.Many2one(related="move_line_id.move_id", string="Invoice")
    currency_id = fields.Many2one(related="payer_payment_id.currency_id")
    amount_open = fields.Monetary(string="Open", help="What was open on the installment when it was selected.")
    amount_chosen = fields.Monetary(
        string="Chosen", help="The part of the invoice's chosen amount on this installment."
    )
    amount_setoff = fields.Monetary(string="Set off (planned)")
    amount_paid = fields.Monetary(string="Paid (planned)", help="What the provider's payment pays of it at most.")
