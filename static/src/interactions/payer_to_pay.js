import { Interaction } from "@web/public/interaction";
import { registry } from "@web/core/registry";
import { formatFloat } from "@web/core/utils/numbers";

/**
 * TO PAY: the running total of the amounts chosen for the selected invoices (each invoice's
 * payable amount unless the customer lowers it), less the selected credits (never below zero: a
 * credit larger than the selection is only partly used). The figures are a preview: the server
 * computes the payment from the selected ids and amounts alone, and checks every amount.
 *
 * Amounts are typed in the customer's language (the form's decimal point and thousands
 * separator). Ticking an invoice fills its amount with its payable amount; typing an amount
 * ticks the invoice; unticking it empties the amount (an empty amount is not sent).
 */
export class PayerToPay extends Interaction {
    static selector = ".o_payer_to_pay_form";
    dynamicContent = {
        ".o_payer_pay_check": { "t-on-change": this.onCheck },
        ".o_payer_pay_amount": { "t-on-input": this.onAmountInput },
        ".o_payer_pay_row": { "t-on-click": this.onRowClick },
        ".o_payer_pay_select_all": { "t-on-change": this.onSelectAll },
    };

    start() {
        for (const input of this.el.querySelectorAll("input[name='invoice_ids']:checked")) {
            this.fillAmount(input);
        }
        this.updateTotal();
    }

    /** A tap anywhere on a row toggles its checkbox (the box itself and links keep their own). */
    onRowClick(ev) {
        if (ev.target.closest("input, label, a, button")) {
            return;
        }
        const input = ev.currentTarget.querySelector(".o_payer_pay_check");
        if (!input || input.disabled) {
            return;
        }
        input.checked = !input.checked;
        input.dispatchEvent(new Event("change", { bubbles: true }));
    }

    onCheck(ev) {
        this.fillAmount(ev.currentTarget);
        this.updateTotal();
    }

    /** Typing an amount selects its invoice. */
    onAmountInput(ev) {
        const check = ev.currentTarget.closest("tr").querySelector(".o_payer_pay_check");
        if (check && !check.checked && !check.disabled && ev.currentTarget.value.trim()) {
            check.checked = true;
        }
        this.updateTotal();
    }

    /** A ticked invoice shows its payable amount (unless one is typed); an unticked one none. */
    fillAmount(check) {
        const amount = check.closest("tr").querySelector(".o_payer_pay_amount");
        if (!amount) {
            return;
        }
        if (check.checked && !amount.value.trim()) {
            amount.value = amount.dataset.payableInput;
        } else if (!check.checked) {
            amount.value = "";
        }
    }

    /** "Select all invoices": every invoice that can be paid now, or none. */
    onSelectAll(ev) {
        for (const input of this.el.querySelectorAll("input[name='invoice_ids']:not(:disabled)")) {
            input.checked = ev.currentTarget.checked;
            this.fillAmount(input);
        }
        this.updateTotal();
    }

    /**
     * The number typed in ``text`` in the customer's language, or NaN when it is not one (the
     * other language's decimal separator, text, more decimals than the currency has...).
     */
    parseAmount(text) {
        const { decimalPoint = ".", thousandsSep = "" } = this.el.dataset;
        const digits = parseInt(this.el.dataset.decimalPlaces || "2", 10);
        const escape = (value) => value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        let separators = thousandsSep ? [thousandsSep] : [];
        if (thousandsSep && /^[\s\u00a0\u202f]$/.test(thousandsSep)) {
            separators = [" ", "\u00a0", "\u202f"];
        }
        const grouped = separators.length
            ? `[0-9]{1,3}(?:(?:${separators.map(escape).join("|")})[0-9]{3})+|`
            : "";
        const match = new RegExp(
            `^(${grouped}[0-9]+)(?:${escape(decimalPoint)}([0-9]+))?$`
        ).exec(text.trim());
        if (!match || (match[2] || "").replace(/0+$/, "").length > digits) {
            return NaN;
        }
        return parseFloat(`${match[1].replace(/[^0-9]/g, "")}.${match[2] || "0"}`);
    }

    /** The chosen amounts of the selected invoices; an amount that cannot be paid is marked. */
    chosenTotal() {
        let total = 0;
        for (const check of this.el.querySelectorAll("input[name='invoice_ids']")) {
            const input = check.closest("tr").querySelector(".o_payer_pay_amount");
            if (!input) {
                continue;
            }
            let valid = true;
            if (check.checked) {
                const text = input.value.trim();
                const payable = parseFloat(input.dataset.payable || "0");
                const amount = text ? this.parseAmount(text) : payable;
                valid = Number.isFinite(amount) && amount > 0 && amount <= payable + 1e-9;
                total += valid ? amount : 0;
            }
            input.classList.toggle("is-invalid", !valid);
            if (valid) {
                input.removeAttribute("aria-invalid");
            } else {
                input.setAttribute("aria-invalid", "true");
            }
        }
        return total;
    }

    sum(selector) {
        let total = 0;
        for (const input of this.el.querySelectorAll(selector)) {
            total += parseFloat(input.dataset.balance || "0");
        }
        return total;
    }

    format(amount) {
        const { currencySymbol, currencyPosition, decimalPlaces } = this.el.dataset;
        const digits = parseInt(decimalPlaces || "2", 10);
        const number = formatFloat(amount, { digits: [69, digits] });
        return currencyPosition === "before"
            ? `${currencySymbol}\u00a0${number}`
            : `${number}\u00a0${currencySymbol}`;
    }

    updateTotal() {
        const digits = parseInt(this.el.dataset.decimalPlaces || "2", 10);
        const round = (value) => Math.round(value * 10 ** digits) / 10 ** digits;
        const invoices = round(this.chosenTotal());
        const credits = round(Math.min(-this.sum("input[name='credit_ids']:checked"), invoices));
        const total = round(invoices - credits);
        const invoicesEl = this.el.querySelector(".o_payer_pay_invoices");
        invoicesEl.textContent = this.format(invoices);
        invoicesEl.dataset.value = invoices.toFixed(digits);
        // Credits reduce what is paid: negative, as on the Balance tab.
        const creditsEl = this.el.querySelector(".o_payer_pay_credits");
        creditsEl.textContent = this.format(-credits || 0);
        creditsEl.dataset.value = (-credits || 0).toFixed(digits);
        const totalEl = this.el.querySelector(".o_payer_pay_total");
        totalEl.textContent = this.format(total);
        totalEl.dataset.value = total.toFixed(digits);
        const selectAll = this.el.querySelector(".o_payer_pay_select_all");
        if (selectAll) {
            const boxes = [...this.el.querySelectorAll("input[name='invoice_ids']:not(:disabled)")];
            const checked = boxes.filter((input) => input.checked).length;
            selectAll.checked = checked > 0 && checked === boxes.length;
            selectAll.indeterminate = checked > 0 && checked < boxes.length;
        }
        const paySelected = this.el.querySelector(".o_payer_pay_selected");
        if (paySelected) {
            paySelected.disabled = invoices <= 0;
        }
        const promiseSelected = this.el.querySelector(".o_payer_promise_selected");
        if (promiseSelected) {
            promiseSelected.disabled = invoices <= 0;
        }
    }
}

/**
 * The TO PAY tab of a section loads when it is first opened: its link (the tab's own page, what a
 * browser without JavaScript opens) is fetched as a fragment, rendered by the server, and put in
 * the tab, where `PayerToPay` takes it over. Content already in the tab (after a refused
 * selection) is not fetched again. If it cannot be fetched, the tab's page is opened instead.
 */
export class PayerToPayLoader extends Interaction {
    static selector = ".o_payer_tab_to_pay";

    setup() {
        this.pane = document.querySelector(this.el.dataset.bsTarget);
        this.loading = null;
    }

    start() {
        if (this.pane?.querySelector(".o_payer_to_pay_loading")) {
            this.addListener(this.el, "show.bs.tab", this.load);
            if (this.pane.classList.contains("active")) {
                this.load();
            }
        }
    }

    load() {
        if (!this.loading) {
            this.loading = this.fetchContent();
        }
        return this.loading;
    }

    async fetchContent() {
        const url = new URL(this.el.getAttribute("href"), window.location.href);
        url.searchParams.set("fragment", "1");
        let html;
        try {
            const response = await this.waitFor(fetch(url, { credentials: "same-origin" }));
            if (!response.ok || response.redirected) {
                throw new Error(`TO PAY answered ${response.status}`);
            }
            html = await this.waitFor(response.text());
        } catch {
            window.location.assign(this.el.href);
            return;
        }
        this.protectSyncAfterAsync(() => {
            const template = document.createElement("template");
            template.innerHTML = html.trim();
            const content = template.content.firstElementChild;
            this.pane.querySelector(".o_payer_to_pay_loading")?.remove();
            this.insert(content, this.pane);
        })();
    }
}

registry.category("public.interactions").add("account_payer_portal.payer_to_pay", PayerToPay);
registry.category("public.interactions").add("account_payer_portal.payer_to_pay_loader", PayerToPayLoader);
