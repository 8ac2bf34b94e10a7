from odoo import api, fields, models
from odoo.tools import SQL


class PayerMoveLock(models.Model):
    """One row per document that a payment was ever started for: the row every request that
    starts a payment of the document writes first (``_lock``).

    Odoo runs each request in REPEATABLE READ: a lock taken late in a request does not make it
    see what another request committed after its first query. Writing the same row does: the later
    request gets a serialization failure ("could not serialize access due to concurrent update")
    and Odoo runs it again with a fresh snapshot, in which it sees the other request's transaction.
    An advisory lock, or a row lock without a write, would not (see issue 11, point 14)."""

    _name = "payer.move.lock"
    _description = "Payer portal: payment lock of a document"
    _log_access = False

    move_id = fields.Many2one("account.move", required=True, readonly=True, ondelete="cascade")
    version = fields.Integer(readonly=True, help="Written by every request that starts a payment of the document.")

    _move_unique = models.Constraint("UNIQUE(move_id)", "One payment lock per document.")

    @api.model
    def _lock(self, moves):
        """Write the lock row of each of ``moves`` (in id order: no deadlock between two requests).

        Blocks while another open database transaction wrote one of them, and raises
        ``psycopg2.errors.SerializationFailure`` if another transaction wrote one of them since
        this one's snapshot (the request is then retried by Odoo)."""
        if not moves:
            return
        self.env.execute_query(
            SQL(
                """
                INSERT INTO payer_move_lock (move_id, version)
                     SELECT move_id, 1 FROM unnest(%s::int[]) AS move_id ORDER BY move_id
                ON CONFLICT (move_id) DO UPDATE SET version = payer_move_lock.version + 1
                """,
                sorted(set(moves.ids)),
            )
        )
