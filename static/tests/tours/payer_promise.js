import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

registry.category("web_tour.tours").add("account_payer_portal_promise_customer", {
    url: "/my/payer-portal",
    steps: () => [
        {
            content: "Open the TO PAY tab",
            trigger: "section[data-currency='USD'] a.o_payer_tab_to_pay",
            run: "click",
        },
        {
            content: "Promise to pay is off until an invoice is selected",
            trigger: "section[data-currency='USD'] button.o_payer_promise_selected:disabled",
        },
        {
            content: "Select every invoice",
            trigger: "section[data-currency='USD'] input.o_payer_pay_select_all",
            run: "click",
        },
        {
            content: "Promise to pay the selected invoices",
            trigger: "section[data-currency='USD'] button.o_payer_promise_selected:enabled",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The form lists the two invoices",
            trigger: ".o_payer_promise_form:has(tr.o_payer_promise_invoice + tr.o_payer_promise_invoice)",
        },
        {
            content: "Write a note (the date proposed is kept)",
            trigger: "textarea[name='note']",
            run: "edit Our head office pays on Fridays.",
        },
        {
            content: "Promise",
            trigger: ".o_payer_promise_submit",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The promise is recorded",
            trigger: ".o_payer_promise_recorded",
        },
        {
            content: "The second invoice shows Promised for on the Balance tab",
            trigger: ".o_payer_balance_table tr.o_payer_row_invoice:nth-child(2) .o_payer_promised:contains('Promised for')",
        },
        {
            content: "The first invoice too",
            trigger: ".o_payer_balance_table tr.o_payer_row_invoice:nth-child(1) .o_payer_promised:contains('Promised for')",
        },
    ],
});

registry.category("web_tour.tours").add("account_payer_portal_promise_manager", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("account.menu_finance", "Open Invoicing"),
        {
            content: "Open the Customers menu",
            trigger: ".o_main_navbar button[data-menu-xmlid='account.menu_finance_receivables']",
            run: "click",
        },
        {
            content: "Open the promises to pay",
            trigger: ".dropdown-item[data-menu-xmlid='account_payer_portal.menu_payer_promise']",
            run: "click",
        },
        {
            content: "The customer's promise has its follow-up activity",
            trigger: ".o_data_row:contains('Brightway Retail Ltd') .o_ActivityButton, .o_data_row:contains('Brightway Retail Ltd') .o-mail-ActivityButton",
        },
        {
            content: "Open it",
            trigger: ".o_data_row:contains('Brightway Retail Ltd') td[name='name']",
            run: "click",
        },
        {
            content: "The To-Do is planned in its chatter",
            trigger: ".o-mail-Activity:contains('Follow up the promise to pay')",
        },
    ],
});
