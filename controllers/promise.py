from datetime import timedelta

from odoo import http
from odoo.exceptions import UserError, ValidationError
from odoo.http import request

from ..models.payer_promise import NOTE_MAX_LENGTH
from .portal import PayerPortal, readonly_unless_posted


class PayerPromisePortal(PayerPortal):
    """Promises to pay: the customer (a portal user or a guest with a signed link, never an
    account manager's preview) promises to pay invoices on a date, from TO PAY's selection or an
    invoice's row menu. The rules are the model's (``payer.promise``); this only finds who the
    visitor is and which of their invoices they chose."""

    def _prepare_payer_portal_values(self, partner, section_key=None, page=1):
        values = super()._prepare_payer_portal_values(partner, section_key=section_key, page=page)
        promised = str(request.params.get("promised") or "")
        promise = request.env["payer.promise"]
        if promised.isdigit():
            promise = promise.sudo().browse(int(promised)).exists()
            if promise.partner_id != partner.commercial_partner_id or promise.state != "open":
                promise = request.env["payer.promise"]
        values["payer_promised"] = promise
        return values

    def _payer_promise_invoices(self, partner, ids):
        """The chosen invoices (sudo), and an error message when one is not an open invoice of the
        customer in one company and currency it may see (the model checks them again)."""
        Ledger = request.env["payer.portal.ledger"]
        moves = request.env["account.move"].sudo()
        for value in ids:
            move = (
                Ledger._check_document(
                    partner, value, self._payer_portal_companies(), move_types=("out_invoice", "out_receipt")
                )
                if str(value).isdigit()
                else moves
            )
            if not move:
                return moves, request.env._("Only your own open invoices can be promised.")
            moves |= move
        if not moves:
            return moves, request.env._("Choose at least one invoice to promise.")
        if len(moves.company_id) > 1 or len(moves.currency_id) > 1:
            return moves, request.env._("Promise the invoices of one currency at a time.")
        Promise = request.env["payer.promise"].sudo()
        for move in moves:
            refusal = Promise._payer_refusal(partner, move.company_id, move)
            if refusal:
                return moves, refusal
        return moves, None

    def _payer_promise_page(self, partner, ids, post):
        moves, error = self._payer_promise_invoices(partner, ids)
        company = moves.company_id[:1] or self._payer_portal_companies()[:1]
        Promise = request.env["payer.promise"].sudo()
        today = request.env["payer.portal.ledger"]._today(company)
        max_day = Promise._max_date(company)
        confirm = request.httprequest.method == "POST" and post.get("step") == "confirm"
        promise = None
        if confirm and not error:
            try:
                promise = Promise._payer_portal_create(
                    partner, self._payer_portal_contact(partner), company, moves, post.get("date"), post.get("note")
                )
            except (UserError, ValidationError) as exc:
                error = exc.args[0]
        if promise:
            return request.redirect(f"/my/payer-portal?promised={promise.id}")
        values = {
            "page_name": "payer_promise",
            "invoices": moves,
            "form": post if confirm else {"date": str(today + timedelta(days=min(7, company.payer_promise_max_days)))},
            "min_date": str(today),
            "max_date": str(max_day),
            "max_day": max_day,
            "note_max_length": NOTE_MAX_LENGTH,
            "error": error,
        }
        return request.render("account_payer_portal.payer_promise_page", values, status=400 if error else 200)

    @http.route(
        "/my/payer-portal/promise",
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def payer_portal_promise(self, **post):
        """TO PAY's selection (``invoice_ids``) -> the form; the form (``step=confirm``) -> the promise."""
        partner = self._payer_portal_acting_partner()
        return self._payer_promise_page(partner, request.httprequest.form.getlist("invoice_ids"), post)

    @http.route(
        "/my/payer-portal/invoice/<int:move_id>/promise",
        type="http",
        auth="public",
        methods=["GET"],
        website=True,
        readonly=readonly_unless_posted,
    )
    def payer_portal_invoice_promise(self, move_id, **kw):
        """The row menu's "Promise to pay": the form for one invoice (404 for anyone else's)."""
        partner = self._payer_portal_acting_partner()
        move = request.env["payer.portal.ledger"]._check_document(partner, move_id, self._payer_portal_companies())
        if not move or move.move_type != "out_invoice":
            raise request.not_found()
        return self._payer_promise_page(partner, [str(move.id)], {})
