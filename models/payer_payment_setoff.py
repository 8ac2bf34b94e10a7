from odoo import fields, models


class PayerPaymentSetoff(models.Model):
    """One step of a payment's set-off plan: this credit reduces this invoice installment by this
    amount. ``amount_applied`` is what the reconciliation did when the payment succeeded."""

    _name = "payer.payment.setoff"
    _description = "Payer portal payment: set-off"
    _order = "sequence, id"

    payer_payment_id = fields.Many2one("payer.payment", required=True, index=True, ondelete="cascade")
    sequence = fields.Integer(required=True, default=0)
    credit_line_id = fields.Many2one("account.move.line", string="Credit line", required=True, ondelete="cascade")
    invoice_line_id = fields.Many2one("account.move.line", string="Invoice line", required=True, ondelete="cascade")
    credit_move_id = fields.Many2one(related="credit_line_id.move_id", string="Credit")
    invoice_move_id = fields.Many2one(related="invoice_line_id.move_id", string="Invoice")
    currency_id = fields.Many2one(related="payer_payment_id.currency_id")
    amount = fields.Monetary(string="Planned", required=True)
    amount_applied = fields.Monetary(string="Applied", readonly=True)
