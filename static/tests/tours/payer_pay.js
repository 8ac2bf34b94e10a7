import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("account_payer_portal_pay", {
    url: "/my/payer-portal",
    steps: () => [
        {
            content: "Open the TO PAY tab of the USD section",
            trigger: "section[data-currency='USD'] a.o_payer_tab_to_pay",
            run: "click",
        },
        {
            content: "The credit note is selected for set-off",
            trigger: "section[data-currency='USD'] .o_payer_pay_row_credit input:checked",
        },
        {
            content: "Select the overdue invoice",
            trigger: "section[data-currency='USD'] tr.o_payer_pay_row_invoice[data-pay-status='overdue'] input",
            run: "click",
        },
        {
            content: "Select the invoice not yet due",
            trigger: "section[data-currency='USD'] tr.o_payer_pay_row_invoice[data-pay-status='due'] input",
            run: "click",
        },
        {
            content: "The running total is the invoices less the credit",
            trigger: "section[data-currency='USD'] .o_payer_pay_total[data-value='450.00']",
        },
        {
            content: "The credit to set off is negative, as on the Balance tab",
            trigger: "section[data-currency='USD'] .o_payer_pay_credits[data-value='-50.00']:contains(-50.00)",
        },
        {
            content: "PAY SELECTED",
            trigger: "section[data-currency='USD'] button.o_payer_pay_selected:enabled",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The summary shows what is paid",
            trigger: ".o_payer_payment_amount[data-value='450.00']",
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
            content: "The payment form asks for the server's amount",
            trigger: "form#o_payment_form[data-amount='450.0']",
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
            content: "Per invoice: the credit set off and the amount paid",
            trigger: ".o_payer_payment_done tr.o_payer_payment_line_credit[data-setoff='50.00']",
        },
        {
            content: "Back to the statement of account",
            trigger: ".o_payer_payment_done a.btn-secondary",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Only the EUR invoice is left",
            trigger: ".o_payer_portal:not(:has(section[data-currency='USD'])) section[data-currency='EUR']",
        },
    ],
});
