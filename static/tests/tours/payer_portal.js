import { registry } from "@web/core/registry";

function checkFigure(currency, figure, value) {
    return {
        content: `${currency} ${figure} is ${value}`,
        trigger: `section[data-currency="${currency}"] [data-payer-figure="${figure}"][data-value="${value}"]`,
        run: () => {},
    };
}

registry.category("web_tour.tours").add("account_payer_portal_statement_of_account", {
    url: "/my",
    steps: () => [
        {
            content: "Open the statement of account from the portal home",
            trigger: "a[href='/my/payer-portal']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The company currency section comes first",
            trigger: ".o_payer_portal section[data-currency]:first-of-type[data-currency='USD']",
            run: () => {},
        },
        checkFigure("USD", "outstanding", "1280.00"),
        checkFigure("USD", "amount_due", "450.00"),
        checkFigure("USD", "days_0_30", "830.00"),
        checkFigure("EUR", "days_over_90", "300.00"),
        checkFigure("EUR", "balance_due", "300.00"),
        {
            content: "An overdue invoice says how late it is",
            trigger: "section[data-currency='USD'] tr[data-status='overdue']:contains('Overdue (12 days)')",
            run: () => {},
        },
        {
            content: "An invoice not yet due says Due",
            trigger: "section[data-currency='USD'] tr[data-status='due']:contains('Due')",
            run: () => {},
        },
        {
            content: "Download the PDF of the overdue invoice from the File column",
            trigger: "section[data-currency='USD'] tr[data-status='overdue'] a.o_payer_file_pdf",
            run: async function () {
                const response = await fetch(this.anchor.href);
                const type = response.headers.get("Content-Type") || "";
                if (response.status !== 200 || !type.includes("pdf")) {
                    throw new Error(`PDF download failed: ${response.status} ${type}`);
                }
            },
        },
    ],
});
