from odoo import fields, models
from odoo.tools import SQL

from ..models.payer_dispute import OPEN_STATES, STATES

# Age of a dispute: the days it has been open (until today, or until it was closed). The keys sort
# in the order of the buckets, so that reports list them youngest first.
AGE_BUCKETS = [
    ("00_07", "0-7 days"),
    ("08_30", "8-30 days"),
    ("31_60", "31-60 days"),
    ("61_up", "Over 60 days"),
]


class PayerDisputeReport(models.Model):
    """Dispute analysis: one row per dispute, with its age computed by the database on every read
    (an SQL view), so that the age buckets are always those of today."""

    _name = "payer.dispute.report"
    _description = "Dispute analysis"
    _auto = False
    _rec_name = "dispute_id"
    _order = "date_opened desc, id desc"

    dispute_id = fields.Many2one("payer.dispute", readonly=True)
    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    user_id = fields.Many2one("res.users", string="Responsible", readonly=True)
    category_id = fields.Many2one("payer.dispute.category", readonly=True)
    state = fields.Selection(STATES, readonly=True)
    is_open = fields.Boolean(string="Open", readonly=True)
    date_opened = fields.Datetime(string="Opened on", readonly=True)
    date_closed = fields.Datetime(string="Closed on", readonly=True)
    age_days = fields.Integer(string="Days open", aggregator="avg", readonly=True)
    age_bucket = fields.Selection(AGE_BUCKETS, string="Age", readonly=True)
    currency_id = fields.Many2one("res.currency", string="Company currency", readonly=True)
    amount = fields.Monetary(
        string="Disputed amount",
        currency_field="currency_id",
        readonly=True,
        help="In the company's currency, at the rate of the invoice.",
    )

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT dispute.id,
                   dispute.id AS dispute_id,
                   dispute.move_id,
                   dispute.partner_id,
                   dispute.company_id,
                   dispute.user_id,
                   dispute.category_id,
                   dispute.state,
                   dispute.state IN %(open_states)s AS is_open,
                   dispute.date_opened,
                   dispute.date_closed,
                   age.days AS age_days,
                   CASE
                       WHEN age.days <= 7 THEN '00_07'
                       WHEN age.days <= 30 THEN '08_30'
                       WHEN age.days <= 60 THEN '31_60'
                       ELSE '61_up'
                   END AS age_bucket,
                   company.currency_id,
                   COALESCE(dispute.amount * move.amount_total_signed / NULLIF(move.amount_total, 0), dispute.amount)
                       AS amount
              FROM payer_dispute dispute
              JOIN account_move move ON move.id = dispute.move_id
              JOIN res_company company ON company.id = dispute.company_id
             CROSS JOIN LATERAL (
                   SELECT COALESCE(dispute.date_closed, NOW() AT TIME ZONE 'UTC')::date
                          - dispute.date_opened::date AS days
             ) age
            """,
            open_states=OPEN_STATES,
        )
