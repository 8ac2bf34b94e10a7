import { registry } from "@web/core/registry";

const USD = "section[data-currency='USD']";
const OVERDUE = `${USD} tr.o_payer_pay_row_invoice[data-pay-status='overdue']`;
const DUE = `${USD} tr.o_payer_pay_row_invoice[data-pay-status='due']`;

registry.category("web_tour.tours").add("account_payer_portal_pay_amounts", {
    url: "/my/payer-portal",
    steps: () => [
        {
            content: "Open the TO PAY tab of the USD section",
            trigger: `${USD} a.o_payer_tab_to_pay`,
            run: "click",
        },
        {
            content: "The credit note is selected for set-off",
            trigger: `${USD} .o_payer_pay_row_credit input:checked`,
        },
        {
            content: "Select the overdue invoice",
            trigger: `${OVERDUE} input.o_payer_pay_check`,
            run: "click",
        },
        {
            content: "Its amount to pay is its balance",
            trigger: `${OVERDUE} input.o_payer_pay_amount:value(300.00)`,
        },
        {
            content: "Select the invoice not yet due",
            trigger: `${DUE} input.o_payer_pay_check`,
            run: "click",
        },
        {
            content: "The running total: both balances less the credit",
            trigger: `${USD} .o_payer_pay_total[data-value='450.00']`,
        },
        {
            content: "Pay only part of the overdue invoice",
            trigger: `${OVERDUE} input.o_payer_pay_amount`,
            run: "edit 120.50",
        },
        {
            content: "The running total follows the amount typed",
            trigger: `${USD} .o_payer_pay_total[data-value='270.50']`,
        },
        {
            content: "The credit is set off first",
            trigger: `${USD} .o_payer_pay_credits[data-value='-50.00']`,
        },
        {
            content: "PAY SELECTED",
            trigger: `${USD} button.o_payer_pay_selected:enabled`,
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The summary shows the chosen amount and what stays open",
            trigger: "tr.o_payer_payment_line_invoice[data-chosen='120.50'][data-left='179.50']",
        },
        {
            content: "The summary's total is the server's",
            trigger: ".o_payer_payment_amount[data-value='270.50']",
        },
        {
            content: "Enter the receipt address",
            trigger: "form.o_payer_pay_email_form input[name='email']",
            run: "edit paula.ap@brightway.example.com",
        },
        {
            content: "Continue",
            trigger: "form.o_payer_pay_email_form button.o_payer_pay_continue",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The payment form asks for the chosen amounts less the credit",
            trigger: "form#o_payment_form[data-amount='270.5']",
        },
        {
            content: "Pay with the demo provider",
            trigger: "button[name='o_payment_submit_button']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The confirmation screen shows the payment done",
            trigger: ".o_payer_payment_done[data-status='done'] .o_payer_payment_reference",
        },
        {
            content: "Per invoice: chosen, set off, paid, and what is left open",
            trigger:
                ".o_payer_payment_done tr.o_payer_payment_line_invoice[data-chosen='120.50'][data-left='179.50'] .o_payer_payment_left",
        },
        {
            content: "Back to the statement of account",
            trigger: ".o_payer_payment_done a.btn-secondary",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The rest of the overdue invoice is still open",
            trigger: `${USD} .o_payer_tab_content:contains(179.50)`,
        },
    ],
});
