import { Interaction } from "@web/public/interaction";
import { registry } from "@web/core/registry";
import { formatFloat } from "@web/core/utils/numbers";

/**
 * TO PAY: the running total of the selected invoices, less the selected credits (never below
 * zero: a credit larger than the selection is only partly used). The figures are a preview: the
 * server computes the payment from the selected ids alone.
 */
export class PayerToPay extends Interaction {
    static selector = ".o_payer_to_pay_form";
    dynamicContent = {
        ".o_payer_pay_check": { "t-on-change": this.updateTotal },
        ".o_payer_pay_row": { "t-on-click": this.onRowClick },
        ".o_payer_pay_select_all": { "t-on-change": this.onSelectAll },
    };

    start() {
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

    /** "Select all invoices": every invoice that can be paid now, or none. */
    onSelectAll(ev) {
        for (const input of this.el.querySelectorAll("input[name='invoice_ids']:not(:disabled)")) {
            input.checked = ev.currentTarget.checked;
        }
        this.updateTotal();
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
        const invoices = round(this.sum("input[name='invoice_ids']:checked"));
        const credits = round(Math.min(-this.sum("input[name='credit_ids']:checked"), invoices));
        const total = round(invoices - credits);
        this.el.querySelector(".o_payer_pay_invoices").textContent = this.format(invoices);
        this.el.querySelector(".o_payer_pay_credits").textContent = this.format(-credits);
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
    }
}

registry.category("public.interactions").add("account_payer_portal.payer_to_pay", PayerToPay);
