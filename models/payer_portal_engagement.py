import logging
from contextlib import nullcontext

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL, format_datetime

_logger = logging.getLogger(__name__)

# What the customer did on the payer portal, each logged at most once a day.
ENGAGEMENT_KINDS = [
    ("portal", "Statement of account viewed"),
    ("invoice", "Invoice downloaded"),
    ("statement", "Statement downloaded"),
]


class PayerPortalEngagement(models.Model):
    """The last day each kind of a customer's visit was logged on its chatter ("who looked at what").

    One row per customer (commercial partner) and kind. A page view first reads its row (one
    query, :meth:`_log_visit`); only when the day is not logged yet does it write.

    **Writing from a read-only route.** The pages that log are ``readonly=True`` routes: Odoo 19
    serves them on a read-only cursor (a read replica when one is configured), on which any write
    raises. We do what Odoo 19 itself does when a read-only request must write (``res.device``'s
    ``_update_device``, ``/web/assets``): end the read-only transaction (``rollback``: nothing was
    written on it) and write through a new read/write cursor of the registry (the primary),
    committed at once, only when a log is due, so at most once a day per customer and kind. The
    page then goes on reading on its read-only cursor; the request is never served again on the
    primary. We did not choose a post-commit hook (a read-only cursor does not commit what a page
    did, and Odoo's test cursor drops those hooks) nor a cron trigger (``ir.cron._trigger`` writes
    too, and the log would come minutes later).

    Nobody reads or writes these rows through the ORM (no access rights): the controllers call
    :meth:`_log_visit` in sudo.
    """

    _name = "payer.portal.engagement"
    _description = "Payer portal: last logged visit of a customer"
    _rec_name = "partner_id"

    partner_id = fields.Many2one("res.partner", string="Customer", required=True, ondelete="cascade", index=True)
    kind = fields.Selection(ENGAGEMENT_KINDS, required=True)
    day = fields.Date("Last logged on", required=True)

    _partner_kind_unique = models.UniqueIndex("(partner_id, kind)")

    @api.model
    def _log_visit(self, partner, kind, company, contact=None, document=None):
        """Log on ``partner``'s (commercial partner's) chatter that it did ``kind`` today (in
        ``company``'s timezone, as the aging), unless it is logged already today: then one query
        (the company's timezone and the last logged day together), nothing written.

        :param company: the company of the visit (its today)
        :param contact: who: the logged-in contact; ``None`` for a guest by signed link
        :param document: the invoice downloaded (``account.move``), for ``kind == "invoice"``
        :return: whether it was logged now
        """
        customer_id = partner.commercial_partner_id.id
        [(tz_name, last_day)] = self.env.execute_query(
            SQL(
                """
                SELECT company_partner.tz,
                       (SELECT day FROM payer_portal_engagement WHERE partner_id = %(partner)s AND kind = %(kind)s)
                  FROM res_company company
                  JOIN res_partner company_partner ON company_partner.id = company.partner_id
                 WHERE company.id = %(company)s
                """,
                partner=customer_id,
                kind=kind,
                company=company.id,
            )
        )
        today = self.env["payer.portal.ledger"]._today_in(tz_name)
        if last_day and last_day >= today:
            return False
        cr = self.env.cr
        if cr.readonly:
            cr.rollback()  # end the read-only transaction before writing on another cursor
            cursor = self.env.registry.cursor()
        else:
            cursor = nullcontext(cr)
        try:
            with cursor as rw_cr:
                env = self.env(cr=rw_cr, su=True)
                return env["payer.portal.engagement"]._write_visit(
                    customer_id, kind, today, contact and contact.id, document and document.id
                )
        except Exception:  # a log that failed never breaks the customer's page
            _logger.exception("Payer portal visit of partner %s (%s) could not be logged", customer_id, kind)
            return False

    @api.model
    def _write_visit(self, customer_id, kind, today, contact_id, document_id):
        """Claim today's log of ``kind`` for the customer (a concurrent request that claimed it
        first wins: one message), then post it, stamp *Last seen* and mark the account status
        email as opened."""
        rows = self.env.execute_query(
            SQL(
                """
                INSERT INTO payer_portal_engagement
                            (partner_id, kind, day, create_uid, create_date, write_uid, write_date)
                     VALUES (%(partner)s, %(kind)s, %(day)s,
                             %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC')
                ON CONFLICT (partner_id, kind) DO UPDATE
                        SET day = EXCLUDED.day, write_date = EXCLUDED.write_date, write_uid = EXCLUDED.write_uid
                      WHERE payer_portal_engagement.day < EXCLUDED.day
                  RETURNING id
                """,
                partner=customer_id,
                kind=kind,
                day=today,
                uid=self.env.uid,
            )
        )
        if not rows:
            return False
        customer = self.env["res.partner"].browse(customer_id)
        contact = self.env["res.partner"].browse(contact_id)
        document = self.env["account.move"].browse(document_id)
        now = fields.Datetime.now()
        # Written for the account managers: in the salesperson's language, else the company's (as
        # Odoo's "Quotation viewed by customer").
        lang = customer.user_id.lang or self.env.company.partner_id.lang
        customer = customer.with_context(lang=lang)
        who = contact.name if contact else customer.env._("a guest by link")
        customer.message_post(
            body=self._visit_text(customer.env, kind, who, document),
            message_type="notification",
            subtype_xmlid="mail.mt_note",
            author_id=self.env.ref("base.partner_root").id,
        )
        customer.payer_last_seen = now
        if kind == "portal" and customer.payer_status_message_id:
            message = customer.payer_status_message_id
            opened = customer.env._(
                "Opened on the payer portal on %(when)s by %(who)s.",
                when=format_datetime(customer.env, now, tz=customer.env.company.partner_id.tz or "UTC"),
                who=who,
            )
            message.body = Markup("%s<p class='o_payer_status_opened'>%s</p>") % (message.body or "", opened)
            customer.payer_status_message_id = False
        return True

    @api.model
    def _visit_text(self, env, kind, who, document):
        if kind == "invoice" and document:
            return env._(
                "Invoice %(document)s downloaded on the payer portal by %(who)s.", document=document.name, who=who
            )
        if kind == "statement":
            return env._("Statement downloaded on the payer portal by %(who)s.", who=who)
        return env._("Statement of account viewed on the payer portal by %(who)s.", who=who)

    @api.model
    def _forget_portal_view(self, partners):
        """Let the next view of the statement of account be logged again, even today (after an
        account status email, so that its log learns that it was opened)."""
        self.sudo().search([("partner_id", "in", partners.commercial_partner_id.ids), ("kind", "=", "portal")]).unlink()
