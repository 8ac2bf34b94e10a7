from odoo import fields, models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    payer_question = fields.Boolean(
        string="Customer question",
        readonly=True,
        help="The To-Do asking to answer a question the customer sent from the payer portal: while it "
        "is not done, the invoice shows the customer that the question is open.",
    )
