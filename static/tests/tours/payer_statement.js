import { registry } from "@web/core/registry";

function checkDownload(selector, expectedType) {
    return {
        content: `Download ${expectedType} from the statement`,
        trigger: selector,
        run: async function () {
            const response = await fetch(this.anchor.href);
            const type = response.headers.get("Content-Type") || "";
            if (response.status !== 200 || !type.includes(expectedType)) {
                throw new Error(`Download failed: ${response.status} ${type}`);
            }
        },
    };
}

registry.category("web_tour.tours").add("account_payer_portal_get_statement", {
    url: "/my/payer-portal",
    steps: () => [
        {
            content: "Open the Get Statement dialog",
            trigger: ".o_payer_portal_actions button.o_payer_get_statement",
            run: "click",
        },
        {
            content: "Choose the last quarter",
            trigger: "#o_payer_statement_dialog.show a.o_payer_statement_preset[data-preset='last_quarter']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The statement of the last quarter is shown, with its closing balance",
            trigger:
                ".o_payer_statement section[data-currency='USD'] tr[data-statement-figure='closing'][data-value='750.00']",
            run: () => {},
        },
        {
            content: "Each movement carries its running balance",
            trigger: ".o_payer_statement section[data-currency='USD'] tr[data-running-balance='750.00']",
            run: () => {},
        },
        checkDownload("a.o_payer_statement_pdf", "pdf"),
        checkDownload("a.o_payer_statement_xlsx", "spreadsheetml"),
    ],
});
