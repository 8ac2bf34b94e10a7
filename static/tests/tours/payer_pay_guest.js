import { registry } from "@web/core/registry";

// A customer who came by the emailed signed link (no login) pays one invoice.
registry.category("web_tour.tours").add("account_payer_portal_pay_guest", {
    steps: () => [
        {
            content: "Open the TO PAY tab of the USD section",
            trigger: "section[data-currency='USD'] a.o_payer_tab_to_pay",
            run: "click",
        },
        {
            content: "Leave the credit note for later",
            trigger: "section[data-currency='USD'] .o_payer_pay_row_credit input:checked",
            run: "click",
        },
        {
            content: "Select the overdue invoice",
            trigger: "section[data-currency='USD'] tr.o_payer_pay_row_invoice[data-pay-status='overdue'] input",
            run: "click",
        },
        {
            content: "The running total is the invoice alone",
            trigger: "section[data-currency='USD'] .o_payer_pay_total[data-value='300.00']",
        },
        {
            content: "PAY SELECTED",
            trigger: "section[data-currency='USD'] button.o_payer_pay_selected:enabled",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "A guest is asked for the receipt address",
            trigger: "form.o_payer_pay_email_form input[name='email']:not([value])",
            run: "edit ap@brightway.example.com",
        },
        {
            content: "Continue",
            trigger: "form.o_payer_pay_email_form button.o_payer_pay_continue",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "A guest cannot save a card",
            trigger: "form#o_payment_form[data-amount='300.0']:not(:has([name='o_payment_tokenize_container']))",
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
    ],
});
