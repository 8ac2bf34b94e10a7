import { registry } from "@web/core/registry";

const ROW = "tr.o_payer_row_invoice:nth-child(1)";

// Dispute 250 of an invoice of 1,000, follow "Pay the undisputed ... now" and find the invoice in
// TO PAY payable for its undisputed part (750).
registry.category("web_tour.tours").add("account_payer_portal_pay_undisputed", {
    url: "/my/payer-portal",
    steps: () => [
        {
            content: "Open the menu of the invoice",
            trigger: `${ROW} .o_payer_invoice_menu_toggle[data-bs-toggle]`,
            run: "click",
        },
        {
            content: "Raise a dispute",
            trigger: `${ROW} .o_payer_raise_dispute`,
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The disputed amount proposed is the amount due",
            trigger: "input[name='amount'][value='1000.00']",
            run: () => {},
        },
        {
            content: "Choose the category",
            trigger: "select[name='category_id']",
            run() {
                const option = [...this.anchor.options].find((o) => o.text.trim() === "Wrong amount");
                this.anchor.value = option.value;
            },
        },
        {
            content: "Describe the problem",
            trigger: "textarea[name='description']",
            run: "edit One line of the invoice was not delivered.",
        },
        {
            content: "Dispute part of the invoice",
            trigger: "input[name='amount']",
            run: "edit 250",
        },
        {
            content: "Raise it",
            trigger: ".o_payer_dispute_submit",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The dispute shows its undisputed part",
            trigger: ".o_payer_dispute_undisputed:contains('750.00')",
            run: () => {},
        },
        {
            content: "Pay the undisputed part now",
            trigger: ".o_payer_pay_undisputed_link:contains('750.00')",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "TO PAY offers the invoice for its undisputed part",
            trigger:
                "tr.o_payer_pay_row_invoice:has(.o_payer_partly_disputed):has(.o_payer_pay_check:not(:disabled)[data-balance='750.00']) .o_payer_pay_undisputed:contains('1,000.00')",
            run: () => {},
        },
        {
            content: "PAY ALL charges the undisputed part and says so",
            trigger: ".o_payer_pay_all_info:has(.o_payer_pay_all_amount[data-value='750.00']) .o_payer_pay_all_undisputed",
            run: () => {},
        },
    ],
});
