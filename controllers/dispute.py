import math

from werkzeug.urls import url_encode

from odoo import http
from odoo.exceptions import UserError, ValidationError
from odoo.http import request
from odoo.tools import format_amount

from odoo.addons.account_payment.controllers.payment import PaymentPortal

from .portal import PayerPortal, readonly_unless_posted


class PayerDisputePortal(PayerPortal):
    """Questions and disputes of the customer on their invoices (payer portal)."""

    # ------------------------------------------------------------------ helpers

    def _payer_dispute_customer(self, acting):
        """The customer: for an action (``acting``), never in an account manager's preview (403);
        a visitor who is nobody's customer gets a 404 (as for a missing page)."""
        partner = self._payer_portal_acting_partner() if acting else self._payer_portal_partner()
        if not partner:
            raise request.not_found()
        return partner

    def _payer_portal_invoice(self, move_id, acting=False):
        """(customer, the customer's posted invoice ``move_id`` (sudo)), or a 404 for anything else."""
        partner = self._payer_dispute_customer(acting)
        move = request.env["payer.portal.ledger"]._check_document(partner, move_id, self._payer_portal_companies())
        if not move or move.move_type != "out_invoice":
            raise request.not_found()
        return partner, move

    def _payer_portal_dispute(self, dispute_id, acting=False):
        """(customer, the customer's dispute ``dispute_id`` (sudo)), or a 404 for anything else."""
        partner = self._payer_dispute_customer(acting)
        dispute = request.env["payer.dispute"].sudo().browse(int(dispute_id)).exists()
        if (
            not dispute
            or dispute.partner_id != partner.commercial_partner_id
            or dispute.company_id not in self._payer_portal_companies()
        ):
            raise request.not_found()
        return partner, dispute

    def _payer_dispute_files(self):
        return request.env["payer.dispute"]._payer_decode_files(request.httprequest.files.getlist("attachments"))

    def _payer_dispute_categories(self, move):
        return request.env["payer.dispute.category"].sudo().search([("company_id", "in", (False, move.company_id.id))])

    def _payer_is_post(self):
        return request.httprequest.method == "POST"

    def _payer_form_page(self, template, values, submit):
        """The customer's forms (question, dispute, message): a GET shows the form; a POST calls
        ``submit()``, which writes and returns the URL to go to, or raises a UserError or
        ValidationError: the form is then shown again with the message (HTTP 400), nothing written."""
        if not self._payer_is_post():
            return request.render(template, values)
        try:
            url = submit()
        except (UserError, ValidationError) as error:
            return request.render(template, {**values, "error": error.args[0]}, status=400)
        return request.redirect(url)

    # ------------------------------------------------------------------ question

    @http.route(
        "/my/payer-portal/invoice/<int:move_id>/question",
        type="http",
        auth="public",
        methods=["GET", "POST"],
        website=True,
        readonly=readonly_unless_posted,
    )
    def payer_portal_question(self, move_id, question=None, sent=None, **kw):
        partner, move = self._payer_portal_invoice(move_id, acting=self._payer_is_post())

        def submit():
            message = move._payer_post_question(self._payer_portal_contact(partner), question)
            return f"/my/payer-portal/invoice/{move.id}/question?sent={message.id}"

        # The question just sent is shown back: only a message of the customer's on this invoice.
        sent_id = int(sent) if str(sent or "").isdigit() else 0
        sent_message = move.message_ids.filtered(
            lambda m: m.id == sent_id and m.author_id.commercial_partner_id == partner.commercial_partner_id
        )
        values = {
            "page_name": "payer_question",
            "invoice": move,
            "question": question or "",
            "sent": bool(sent),
            "sent_message": sent_message,
        }
        return self._payer_form_page("account_payer_portal.payer_question_page", values, submit)

    # ------------------------------------------------------------------ dispute

    @http.route(
        "/my/payer-portal/invoice/<int:move_id>/dispute",
        type="http",
        auth="public",
        methods=["GET", "POST"],
        website=True,
        readonly=readonly_unless_posted,
    )
    def payer_portal_dispute_new(self, move_id, **post):
        partner, move = self._payer_portal_invoice(move_id, acting=self._payer_is_post())
        existing = move.payer_dispute_ids.filtered("is_open")[:1]
        if existing:
            # One open dispute per invoice: show it instead of a second form.
            return request.redirect(f"{existing.access_url}?already_open=1")

        def submit():
            dispute = (
                request.env["payer.dispute"]
                .sudo()
                ._payer_portal_create(
                    move,
                    self._payer_portal_contact(partner),
                    self._payer_dispute_parse(post),
                    self._payer_dispute_files(),
                )
            )
            return dispute.access_url

        default_form = {"amount": request.env["payer.portal.ledger"]._plain(move.amount_residual, move.currency_id)}
        values = {
            "page_name": "payer_dispute_new",
            "invoice": move,
            "categories": self._payer_dispute_categories(move),
            "form": post if self._payer_is_post() else default_form,
            "plain": request.env["payer.portal.ledger"]._plain,
        }
        return self._payer_form_page("account_payer_portal.payer_dispute_new_page", values, submit)

    def _payer_dispute_parse(self, post):
        """Form fields -> values of ``payer.dispute._payer_portal_create`` (UserError if unreadable)."""
        category = post.get("category_id") or ""
        if category == "other":
            category_id = False
        elif category.isdigit():
            category_id = int(category)
        else:
            raise UserError(request.env._("Choose a category, or Other with your own."))
        try:
            amount = float((post.get("amount") or "").replace(",", "."))
            if not math.isfinite(amount):
                raise ValueError(amount)
        except ValueError as error:
            raise UserError(request.env._("Enter the disputed amount as a number, e.g. 120.50.")) from error
        return {
            "category_id": category_id,
            "category_other": post.get("category_other"),
            "description": post.get("description"),
            "amount": amount,
        }

    @http.route("/my/payer-portal/disputes", type="http", auth="public", website=True, readonly=True)
    def payer_portal_disputes(self, **kw):
        partner = self._payer_dispute_customer(acting=False)
        disputes = (
            request.env["payer.dispute"]
            .sudo()
            .search(
                [
                    ("partner_id", "=", partner.commercial_partner_id.id),
                    ("company_id", "in", self._payer_portal_companies().ids),
                ]
            )
        )
        return request.render(
            "account_payer_portal.payer_dispute_list_page", {"page_name": "payer_disputes", "disputes": disputes}
        )

    @http.route(
        "/my/payer-portal/disputes/<int:dispute_id>",
        type="http",
        auth="public",
        methods=["GET", "POST"],
        website=True,
        readonly=readonly_unless_posted,
    )
    def payer_portal_dispute(self, dispute_id, message=None, already_open=None, sent=None, **kw):
        partner, dispute = self._payer_portal_dispute(dispute_id, acting=self._payer_is_post())

        def submit():
            dispute._payer_portal_post(self._payer_portal_contact(partner), message, self._payer_dispute_files())
            return f"{dispute.access_url}?sent=1"

        values = {
            "page_name": "payer_dispute",
            "dispute": dispute,
            "message": message or "",
            "already_open": bool(already_open),
            "sent": bool(sent),
            **self._payer_pay_undisputed(partner, dispute),
        }
        return self._payer_form_page("account_payer_portal.payer_dispute_page", values, submit)

    def _payer_pay_undisputed(self, partner, dispute):
        """ "Pay the undisputed N now" of an open partial dispute: ``pay_undisputed`` (N, what the
        ledger lets TO PAY pay of the invoice now) and ``pay_undisputed_url`` (TO PAY of the
        invoice's section with the invoice and N selected); nothing in a preview or when N is 0."""
        move = dispute.move_id
        if not dispute.is_open or self._payer_portal_is_preview():
            return {}
        Ledger = request.env["payer.portal.ledger"]
        amount = Ledger._payable_amount_of(partner, move, self._payer_portal_companies())
        if move.currency_id.compare_amounts(amount, 0.0) <= 0:
            return {}
        query = url_encode(
            {
                "section": f"{move.company_id.id}-{move.currency_id.name}",
                "select": move.id,
                "amount": Ledger._plain(amount, move.currency_id),
            }
        )
        return {
            "pay_undisputed": amount,
            "pay_undisputed_label": request.env._(
                "Pay the undisputed %(amount)s now", amount=format_amount(request.env, amount, move.currency_id)
            ),
            "pay_undisputed_url": f"/my/payer-portal/to-pay?{query}",
        }

    @http.route(
        "/my/payer-portal/disputes/<int:dispute_id>/file/<int:attachment_id>",
        type="http",
        auth="public",
        readonly=True,
    )
    def payer_portal_dispute_file(self, dispute_id, attachment_id, **kw):
        _partner, dispute = self._payer_portal_dispute(dispute_id)
        attachment = dispute._payer_portal_messages().attachment_ids.filtered(lambda a: a.id == attachment_id)
        if not attachment:
            raise request.not_found()
        return request.env["ir.binary"]._get_stream_from(attachment).get_response(as_attachment=True)


class PayerDisputePaymentPortal(PaymentPortal):
    def _process_transaction(self, partner_id, currency_id, invoice_ids, payment_reference, **kwargs):
        # EXTENDS account_payment: an invoice under dispute cannot be paid online.
        if request.env["account.move"].sudo().browse(invoice_ids).filtered("payer_dispute_open"):
            raise ValidationError(
                request.env._("An invoice under dispute cannot be paid online until the dispute is closed.")
            )
        return super()._process_transaction(partner_id, currency_id, invoice_ids, payment_reference, **kwargs)
