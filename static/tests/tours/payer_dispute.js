import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

const FIRST = "tr.o_payer_row_invoice:nth-child(1)";
const SECOND = "tr.o_payer_row_invoice:nth-child(2)";

registry.category("web_tour.tours").add("account_payer_portal_dispute_customer", {
    url: "/my/payer-portal",
    steps: () => [
        {
            content: "Open the menu of the first invoice",
            trigger: `${FIRST} .o_payer_invoice_menu_toggle[data-bs-toggle]`,
            run: "click",
        },
        {
            content: "Ask a question",
            trigger: `${FIRST} .o_payer_ask_question`,
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Write the question",
            trigger: "textarea[name='question']",
            run: "edit Is the <b>discount</b> included?",
        },
        {
            content: "Send it",
            trigger: ".o_payer_question_submit",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The question was sent",
            trigger: ".o_payer_question_sent",
            run: () => {},
        },
        {
            content: "Back to the statement of account",
            trigger: ".breadcrumb a[href='/my/payer-portal']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Open the menu of the second invoice",
            trigger: `${SECOND} .o_payer_invoice_menu_toggle[data-bs-toggle]`,
            run: "click",
        },
        {
            content: "Raise a dispute",
            trigger: `${SECOND} .o_payer_raise_dispute`,
            run: "click",
            expectUnloadPage: true,
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
            run: "edit The unit price is not the one we agreed.",
        },
        {
            content: "Dispute part of the invoice",
            trigger: "input[name='amount']",
            run: "edit 50",
        },
        {
            content: "Attach the delivery note",
            trigger: "input[name='attachments']",
            run() {
                const transfer = new DataTransfer();
                transfer.items.add(
                    new File(["%PDF-1.4\n%%EOF\n"], "delivery_note.pdf", { type: "application/pdf" })
                );
                this.anchor.files = transfer.files;
            },
        },
        {
            content: "Raise it",
            trigger: ".o_payer_dispute_submit",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The dispute is new, with its category and file",
            trigger:
                ".o_payer_dispute:has(.o_payer_dispute_state[data-state='new']):has(.o_payer_dispute_category:contains('Wrong amount')) .o_payer_dispute_file:contains('delivery_note.pdf')",
            run: () => {},
        },
    ],
});

registry.category("web_tour.tours").add("account_payer_portal_dispute_manager", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("account.menu_finance", "Open Invoicing"),
        {
            content: "Open the Customers menu",
            trigger: ".o_main_navbar button[data-menu-xmlid='account.menu_finance_receivables']",
            run: "click",
        },
        {
            content: "Open the disputes",
            trigger: ".dropdown-item[data-menu-xmlid='account_payer_portal.menu_payer_dispute']",
            run: "click",
        },
        {
            content: "Open the customer's dispute from the list of open disputes",
            trigger: ".o_data_row:contains('Wrong amount') td[name='name']",
            run: "click",
        },
        {
            content: "Start the review",
            trigger: "button[name='action_start_review']",
            run: "click",
        },
        {
            content: "The dispute is under review",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('Under review')",
        },
        {
            content: "Write to the customer",
            trigger: ".o-mail-Chatter-sendMessage",
            run: "click",
        },
        {
            content: "Type the reply",
            trigger: ".o-mail-Composer-input",
            run: "edit You are right, we checked the price list.",
        },
        {
            content: "Send it",
            trigger: ".o-mail-Composer-send:enabled",
            run: "click",
        },
        {
            content: "The reply to the customer is in the chatter",
            trigger: ".o-mail-Message-body:contains('You are right, we checked the price list.')",
        },
        {
            content: "Open the Resolution tab",
            trigger: ".o_notebook a[name='resolution']",
            run: "click",
        },
        {
            content: "Write the resolution note",
            trigger: "div[name='resolution_note'] textarea",
            run: "edit A credit note of 50.00 is issued.",
        },
        {
            content: "Resolve the dispute",
            trigger: "button[name='action_resolve']",
            run: "click",
        },
        {
            content: "The dispute is resolved",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('Resolved')",
        },
    ],
});

registry.category("web_tour.tours").add("account_payer_portal_dispute_resolved", {
    url: "/my/payer-portal/disputes",
    steps: () => [
        {
            content: "Open the dispute",
            trigger: ".o_payer_dispute_row a",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The dispute is resolved",
            trigger: ".o_payer_dispute_state[data-state='resolved']",
            run: () => {},
        },
        {
            content: "The resolution note is shown",
            trigger: ".o_payer_dispute_resolution:contains('A credit note of 50.00 is issued')",
            run: () => {},
        },
        {
            content: "The account manager's reply is shown",
            trigger: ".o_payer_dispute_message:contains('You are right, we checked the price list.')",
            run: () => {},
        },
    ],
});
