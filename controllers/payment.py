from odoo import fields, http
from odoo.exceptions import UserError, ValidationError
from odoo.http import request
from odoo.tools import float_compare, single_email_re

from odoo.addons.payment.controllers.portal import PaymentPortal

from .portal import PayerPortal

FLASH_KEY = "payer_portal_pay_error"
# The selection of a refused TO PAY form (invoice ids, amounts as typed), shown back with the message.
SELECTION_KEY = "payer_portal_pay_selection"
# Documents listed in a TO PAY tab (PAY ALL pays every one, listed or not).
TO_PAY_LIMIT = 200


class PayerPaymentPortal(PayerPortal, PaymentPortal):
    """TO PAY: the customer pays selected (or all) invoices of one currency, credits set off,
    through Odoo's payment form and providers.

    selection (POST /my/payer-portal/pay) -> summary and receipt email (Continue) -> payment form
    (or, when credits cover everything, a confirmation of the set-off) -> confirmation screen.
    Amounts are always the server's (``payer.payment``), never the browser's.
    """

    # ------------------------------------------------------------------ helpers

    def _payer_payment(self, payment_id):
        """The customer's payer payment ``payment_id`` (sudo), else a 404 (another customer's
        payment answers like a missing page)."""
        partner = self._payer_portal_acting_partner()
        payment = request.env["payer.payment"].sudo().browse(int(payment_id)).exists()
        if not payment or payment.partner_id != partner.commercial_partner_id:
            raise request.not_found()
        return payment

    def _payer_payment_url(self, payment, suffix=""):
        return f"/my/payer-portal/pay/{payment.id}{suffix}"

    def _prepare_payer_portal_values(self, partner, section_key=None, page=1):
        values = super()._prepare_payer_portal_values(partner, section_key=section_key, page=page)
        values["pay_error"] = request.session.pop(FLASH_KEY, None)
        # Back from a refused selection (``pay=1``): that section's TO PAY tab is open, its content
        # rendered in the page. Every other TO PAY tab loads when it is opened (``payer_portal_to_pay``).
        values["pay_section"] = request.params.get("pay") and section_key
        refused = request.session.pop(SELECTION_KEY, None) or {}
        for section in values["sections"]:
            if section["key"] == values["pay_section"]:
                section["to_pay"] = self._payer_to_pay_values(partner, section)
                if refused.get("section") == section["key"]:
                    section["to_pay"]["preselected"] = self._payer_refused_selection(section["to_pay"], refused)
        return values

    def _payer_refused_selection(self, to_pay, refused):
        """The invoices of a refused selection, with the amounts as the customer typed them (an
        empty one: the invoice's payable amount), among the rows of the tab: the customer corrects
        what the message names instead of starting again."""
        amounts = refused.get("amounts") or {}
        selected = {str(move_id) for move_id in refused.get("ids") or ()}
        preselected = {}
        for row in to_pay["rows"]:
            move_id = str(row["move"].id)
            if row["payable"] and row["pay_kind"] == "invoice" and move_id in selected:
                preselected[row["move"].id] = amounts.get(move_id) or row["payable_amount_input"]
        return preselected

    def _payer_to_pay_values(self, partner, section):
        """What the TO PAY tab of ``section`` shows (``payer.portal.ledger._to_pay``)."""
        return request.env["payer.portal.ledger"]._to_pay(
            partner,
            section["company"],
            section["currency"],
            companies=self._payer_portal_companies(),
            today=section["today"],
            limit=TO_PAY_LIMIT,
        )

    def _payer_to_pay_preselection(self, to_pay, currency):
        """The invoices the URL asks TO PAY to show selected (``select``, ``amount``: see
        ``payer_portal_to_pay``), with their amount as the customer's language writes it: only
        invoices payable now of the section; an amount above the invoice's payable amount is
        lowered to it, a missing or unreadable one is its payable amount."""
        args = request.httprequest.args
        ids = [part.strip() for value in args.getlist("select") for part in value.split(",") if part.strip()]
        amounts = args.getlist("amount")
        rows = {str(row["move"].id): row for row in to_pay["rows"] if row["payable"] and row["pay_kind"] == "invoice"}
        Payment, Ledger = request.env["payer.payment"], request.env["payer.portal.ledger"]
        preselected = {}
        for index, move_id in enumerate(ids[:TO_PAY_LIMIT]):
            row = rows.get(move_id)
            if not row:
                continue
            try:
                amount = Payment._parse_amount(amounts[index] if index < len(amounts) else None, currency, "en_US")
            except ValueError:
                amount = None
            payable = row["payable_amount"]
            amount = payable if amount is None else min(amount, payable)
            preselected[row["move"].id] = Ledger._input_amount(amount, currency)
        return preselected

    @http.route("/my/payer-portal/to-pay", type="http", auth="public", website=True, readonly=True)
    def payer_portal_to_pay(self, section=None, fragment=None, **kw):
        """The TO PAY tab of one section (``section``: its key, ``<company id>-<currency code>``):
        the tab's content alone for the page's script (``fragment=1``), else a page of its own
        (the tab's link without JavaScript). Another customer's or an unknown section: 404.

        Invoices come selected with ``select=<invoice id>`` (repeated, or ids separated by
        commas), each with the amount of the ``amount`` parameter at the same position (repeated,
        one per id, a plain number with a dot: ``amount=150.25``; optional: the invoice's
        payable amount). An invoice that is not payable now in this section is not selected; an
        amount above its payable amount is lowered to it, an unreadable one is its payable
        amount. The customer then pays (or changes) the selection as any other: the server
        checks it again."""
        partner = self._payer_portal_partner()
        if not partner:
            return request.redirect("/web/login?redirect=/my/payer-portal")
        sections = [s for s in self._payer_portal_sections(partner) if s["key"] == section]
        if not sections:
            raise request.not_found()
        [current] = sections
        current["to_pay"] = self._payer_to_pay_values(partner, current)
        current["to_pay"]["preselected"] = self._payer_to_pay_preselection(current["to_pay"], current["currency"])
        values = self._payer_portal_base_values(partner, sections)
        values.update(section=current, page_name="payer_to_pay")
        if fragment:
            return request.render("account_payer_portal.payer_portal_to_pay_fragment", values)
        return request.render("account_payer_portal.portal_my_payer_to_pay", values)

    # ------------------------------------------------------------------ selection

    @http.route("/my/payer-portal/pay", type="http", auth="public", website=True, methods=["POST"])
    def payer_portal_pay(self, company_id=None, currency_id=None, mode="selected", **kw):
        partner = self._payer_portal_acting_partner()
        companies = self._payer_portal_companies()
        company = companies.filtered(lambda c: str(c.id) == str(company_id))
        currency_ids = [int(currency_id)] if str(currency_id or "").isdigit() else []
        currency = request.env["res.currency"].sudo().browse(currency_ids).exists()
        section = f"{company.id}-{currency.name}"
        try:
            if not company or not currency:
                raise UserError(request.env._("This account cannot be paid here: reload the page."))
            form = request.httprequest.form
            payment = request.env["payer.payment"]._create_from_selection(
                partner,
                company,
                currency,
                invoice_ids=form.getlist("invoice_ids"),
                credit_ids=form.getlist("credit_ids"),
                pay_all=mode == "all",
                companies=companies,
                # a guest's receipt address is asked, not taken from the customer
                contact=None if request.env.user._is_public() else self._payer_portal_contact(partner),
                # PAY ALL pays every payable amount: the amounts typed in the form are for PAY SELECTED
                amounts=None if mode == "all" else self._payer_form_amounts(form),
                lang=request.env.lang,
            )
        except UserError as error:
            request.session[FLASH_KEY] = error.args[0]
            if mode != "all":
                form = request.httprequest.form
                request.session[SELECTION_KEY] = {
                    "section": section,
                    "ids": [value[:20] for value in form.getlist("invoice_ids")[:TO_PAY_LIMIT]],
                    "amounts": {
                        key[:20]: value[:32]
                        for key, value in list(self._payer_form_amounts(form).items())[:TO_PAY_LIMIT]
                    },
                }
            return request.redirect(f"/my/payer-portal?section={section}&pay=1#payer-section-{section}")
        return request.redirect(self._payer_payment_url(payment))

    def _payer_form_amounts(self, form):
        """The amounts typed in TO PAY (``amount_<invoice id>`` fields, as typed: the model reads
        them in the customer's language); empty fields are left out (the invoice's payable amount)."""
        return {
            key.removeprefix("amount_"): value
            for key, value in form.items(multi=True)
            if key.startswith("amount_") and (value or "").strip()
        }

    # ------------------------------------------------------------------ email and payment

    def _payer_payment_form_values(self, payment):
        """The context of Odoo's payment form (``payment.form``) for this payment."""
        partner = self._payer_portal_contact(payment.partner_id)
        availability_report = {}
        providers_sudo = (
            request.env["payment.provider"]
            .sudo()
            ._get_compatible_providers(
                payment.company_id.id,
                partner.id,
                payment.amount,
                currency_id=payment.currency_id.id,
                report=availability_report,
            )
        )
        payment_methods_sudo = (
            request.env["payment.method"]
            .sudo()
            ._get_compatible_payment_methods(
                providers_sudo.ids, partner.id, currency_id=payment.currency_id.id, report=availability_report
            )
        )
        logged_in = not request.env.user._is_public()
        tokens_sudo = (
            request.env["payment.token"].sudo()._get_available_tokens(providers_sudo.ids, partner.id)
            if logged_in
            else request.env["payment.token"]
        )
        return {
            "reference_prefix": payment.name,
            "amount": payment.amount,
            "currency": payment.currency_id,
            "partner_id": partner.id,
            "providers_sudo": providers_sudo,
            "payment_methods_sudo": payment_methods_sudo,
            "tokens_sudo": tokens_sudo,
            "availability_report": availability_report,
            "show_tokenize_input_mapping": (
                self._compute_show_tokenize_input_mapping(providers_sudo)
                if logged_in
                else dict.fromkeys(providers_sudo.ids, False)
            ),
            "transaction_route": self._payer_payment_url(payment, "/transaction"),
            "landing_route": self._payer_payment_url(payment, "/done"),
            "res_company": payment.company_id,
        }

    @http.route("/my/payer-portal/pay/<int:payment_id>", type="http", auth="public", website=True)
    def payer_portal_pay_page(self, payment_id, step=None, **kw):
        payment = self._payer_payment(payment_id)
        # Paid, awaiting the provider, or taken and being recorded: the confirmation screen says which.
        if payment.state == "done" or payment.transaction_ids.filtered(
            lambda tx: tx.state in ("pending", "authorized", "done")
        ):
            return request.redirect(self._payer_payment_url(payment, "/done"))
        values = {
            "page_name": "payer_payment",
            "payer_payment": payment,
            "step": "pay" if step == "pay" and payment.email and payment.state != "cancel" else "email",
            "error": request.session.pop(FLASH_KEY, None),
            "plain": request.env["payer.portal.ledger"]._plain,
        }
        if values["step"] == "pay" and payment.amount > 0:
            values.update(self._payer_payment_form_values(payment))
        return request.render("account_payer_portal.portal_payer_payment", values)

    @http.route(
        "/my/payer-portal/pay/<int:payment_id>/continue", type="http", auth="public", website=True, methods=["POST"]
    )
    def payer_portal_pay_continue(self, payment_id, email=None, **kw):
        payment = self._payer_payment(payment_id)
        email = (email or "").strip()
        if payment.state not in ("draft", "processing"):
            request.session[FLASH_KEY] = request.env._("This payment is closed: start again from the TO PAY tab.")
        elif not email or len(email) > 254 or not single_email_re.match(email):
            request.session[FLASH_KEY] = request.env._("Enter a valid email address for your receipt.")
        else:
            payment.email = email
            return request.redirect(self._payer_payment_url(payment, "?step=pay"))
        return request.redirect(self._payer_payment_url(payment))

    @http.route(
        "/my/payer-portal/pay/<int:payment_id>/setoff", type="http", auth="public", website=True, methods=["POST"]
    )
    def payer_portal_pay_setoff(self, payment_id, **kw):
        """Credits cover the selection: set them off now (no card payment)."""
        payment = self._payer_payment(payment_id)
        try:
            payment.action_confirm_setoff()
        except UserError as error:
            request.session[FLASH_KEY] = error.args[0]
            return request.redirect(self._payer_payment_url(payment, "?step=pay"))
        return request.redirect(self._payer_payment_url(payment, "/done"))

    @http.route("/my/payer-portal/pay/<int:payment_id>/transaction", type="jsonrpc", auth="public")
    def payer_portal_pay_transaction(self, payment_id, amount=None, **kwargs):
        """Create the transaction of the payment (the payment form's ``transaction_route``).

        The amount is the payment's; an amount sent by the browser that differs from it refuses
        the request. The documents are locked for the request, and an earlier unfinished attempt
        is reused (same request again) or cancelled (another one): one transaction can succeed.
        """
        payment = self._payer_payment(payment_id)
        currency = payment.currency_id
        if amount is not None and float_compare(float(amount), payment.amount, precision_rounding=currency.rounding):
            raise ValidationError(request.env._("The amount to pay does not match your selection: reload the page."))
        # JSON routes are not CSRF-checked by Odoo: the payment form sends the token, check it.
        if not request.validate_csrf(kwargs.pop("csrf_token", None)):
            raise ValidationError(request.env._("Your session expired: reload the page."))
        self._validate_transaction_kwargs(kwargs)
        kwargs["is_validation"] = False
        logged_in = not request.env.user._is_public()
        if not logged_in and (kwargs.get("flow") == "token" or kwargs.get("tokenization_requested")):
            kwargs.update(tokenization_requested=False)
            if kwargs.get("flow") == "token":
                raise ValidationError(request.env._("Log in to pay with a saved payment method."))
        self._payer_check_payment_option(payment, kwargs)
        try:
            tx_sudo = payment._prepare_transaction(
                kwargs.get("provider_id"), kwargs.get("payment_method_id"), kwargs.get("token_id"), kwargs.get("flow")
            )
        except UserError as error:
            raise ValidationError(error.args[0]) from error
        if not tx_sudo:
            partner = self._payer_portal_contact(payment.partner_id)
            kwargs.update(
                amount=payment.amount,
                currency_id=currency.id,
                partner_id=partner.id,
                reference_prefix=payment.name,
                landing_route=self._payer_payment_url(payment, "/done"),
            )
            tx_sudo = self._create_transaction(
                custom_create_values={
                    "invoice_ids": [fields.Command.set(payment._invoices().ids)],
                    "payer_payment_id": payment.id,
                },
                **kwargs,
            )
        return tx_sudo._get_processing_values()

    def _payer_check_payment_option(self, payment, kwargs):
        """The provider, method or token sent by the browser must be one the payment form offered
        for this payment (enabled, published, of the payment's company and currency)."""
        values = self._payer_payment_form_values(payment)
        provider_id = kwargs.get("provider_id")
        offered = values["providers_sudo"].filtered(lambda provider: provider.id == provider_id)
        if kwargs.get("flow") == "token":
            valid = offered and values["tokens_sudo"].filtered(lambda token: token.id == kwargs.get("token_id"))
        else:
            valid = offered and values["payment_methods_sudo"].filtered(
                lambda method: method.id == kwargs.get("payment_method_id")
            )
        if not valid:
            raise ValidationError(request.env._("This payment method is not available here: reload the page."))

    @http.route("/my/payer-portal/pay/<int:payment_id>/done", type="http", auth="public", website=True)
    def payer_portal_pay_done(self, payment_id, **kw):
        """The confirmation screen: what was paid, the reference, per invoice."""
        payment = self._payer_payment(payment_id)
        status = payment._portal_status_values()
        values = {
            "page_name": "payer_payment",
            "payer_payment": payment,
            "status": status["status"],
            "recorded": status["recorded"],
            "total": status["total"],
            "plain": request.env["payer.portal.ledger"]._plain,
        }
        return request.render("account_payer_portal.portal_payer_payment_done", values)

    @http.route(
        "/my/payer-portal/pay/<int:payment_id>/status", type="jsonrpc", auth="public", readonly=True, methods=["POST"]
    )
    def payer_portal_pay_status(self, payment_id, **kw):
        """Where the payment stands, for the confirmation screen while a large payment is being
        recorded: ``status`` (as ``payer.payment._portal_status``), ``recorded`` of ``total`` invoices."""
        return self._payer_payment(payment_id)._portal_status_values()
