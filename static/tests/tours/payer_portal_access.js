import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("account_payer_portal_preview", {
    steps: () => [
        {
            content: "The arrow next to the customer's name opens its payer portal in a new tab",
            trigger: ".o_form_view button[name='action_open_payer_portal_preview']",
            run: "click",
        },
        {
            content: "The form stays open in this tab",
            trigger: ".o_form_view .o_payer_portal_preview_button",
            run: function () {
                // Follow here the URL the new tab opened (the record id ends the form's URL).
                const partnerId = window.location.pathname.split("/").pop();
                window.location.href = `/my/payer-portal/preview/${partnerId}`;
            },
            expectUnloadPage: true,
        },
        {
            content: "The preview says whose account it shows",
            trigger: ".o_payer_preview_banner:contains('Brightway Retail Ltd')",
            run: () => {},
        },
        {
            content: "with the customer's figures",
            trigger: "section[data-currency='USD'] [data-payer-figure='days_0_30'][data-value='830.00']",
            run: () => {},
        },
        {
            content: "and its EUR section",
            trigger: "section[data-currency='EUR'] [data-payer-figure='days_over_90'][data-value='300.00']",
            run: () => {},
        },
    ],
});

registry.category("web_tour.tours").add("account_payer_portal_guest_link", {
    steps: () => [
        {
            content: "A guest with the emailed link lands on the statement of account",
            trigger: ".o_payer_portal section[data-currency='USD'] [data-payer-figure='outstanding'][data-value='830.00']",
            run: () => {},
        },
        {
            content: "without being logged in",
            trigger: "body:not(:has(.o_payer_preview_banner))",
            run: () => {},
        },
        {
            content: "and follows the invoice PDF link within the visit",
            trigger: "section[data-currency='USD'] tr[data-status='overdue'] a.o_payer_file_pdf",
            run: async function () {
                const response = await fetch(this.anchor.href);
                if (response.status !== 200) {
                    throw new Error(`PDF download failed: ${response.status}`);
                }
            },
        },
    ],
});
