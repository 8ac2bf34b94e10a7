import { registry } from "@web/core/registry";

const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
const USD = "section[data-currency='USD']";

/** axe-core (injected by tests/test_phone_a11y.py's PayerBrowserCommon): no WCAG 2.1 A/AA violation. */
function axeCheck(page, trigger) {
    return {
        content: `${page}: axe-core finds no WCAG 2.1 A/AA violation`,
        trigger,
        async run() {
            if (!window.axe) {
                throw new Error("axe-core is not loaded in the page (run the tests with `make test`)");
            }
            await new Promise((resolve) => setTimeout(resolve, 400)); // Bootstrap's fades end
            const result = await window.axe.run(document, {
                runOnly: { type: "tag", values: AXE_TAGS },
                resultTypes: ["violations"],
            });
            if (result.violations.length) {
                const lines = result.violations.map(
                    (v) => `${v.id} (${v.impact}): ${v.help} ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`
                );
                throw new Error(`${page}: ${result.violations.length} axe-core violation(s)\n${lines.join("\n")}`);
            }
        },
    };
}

/** Nothing on the page is wider than the screen (a phone never scrolls sideways). */
function fitsCheck(page, trigger) {
    return {
        content: `${page}: nothing wider than the screen`,
        trigger,
        run() {
            const width = document.documentElement.clientWidth;
            if (document.documentElement.scrollWidth > width) {
                throw new Error(`${page} scrolls sideways at ${width} px`);
            }
        },
    };
}

registry.category("web_tour.tours").add("account_payer_portal_promise_customer", {
    url: "/my/payer-portal",
    steps: () => [
        {
            content: "Open the TO PAY tab",
            trigger: `${USD} a.o_payer_tab_to_pay`,
            run: "click",
        },
        {
            content: "Promise to pay is off until an invoice is selected",
            trigger: `${USD} button.o_payer_promise_selected:disabled`,
        },
        {
            content: "Select the invoice of 300.00",
            trigger: `${USD} input.o_payer_pay_check[name='invoice_ids'][data-balance='300.00']`,
            run: "click",
        },
        {
            content: "Select the invoice of 200.00",
            trigger: `${USD} input.o_payer_pay_check[name='invoice_ids'][data-balance='200.00']`,
            run: "click",
        },
        axeCheck("TO PAY with Promise to pay", `${USD} button.o_payer_promise_selected:enabled`),
        fitsCheck("TO PAY with Promise to pay", `${USD} button.o_payer_promise_selected:enabled`),
        {
            content: "Promise to pay the selected invoices",
            trigger: `${USD} button.o_payer_promise_selected:enabled`,
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The form lists the two invoices",
            trigger: ".o_payer_promise_form:has(tr.o_payer_promise_invoice + tr.o_payer_promise_invoice)",
        },
        axeCheck("Promise to pay", ".o_payer_promise_form"),
        fitsCheck("Promise to pay", ".o_payer_promise_form"),
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
            content: "The invoice of 300.00 shows Promised for on the Balance tab",
            trigger: `${USD} tr.o_payer_row_invoice[data-balance='300.00'] .o_payer_promised:contains('Promised for')`,
        },
        {
            content: "The invoice of 200.00 too",
            trigger: `${USD} tr.o_payer_row_invoice[data-balance='200.00'] .o_payer_promised:contains('Promised for')`,
        },
        axeCheck("Statement of account with promised invoices", ".o_payer_promise_recorded"),
        fitsCheck("Statement of account with promised invoices", ".o_payer_promise_recorded"),
    ],
});

// Opened on the promise's form (the test gives its URL): the account manager sees the To-Do.
registry.category("web_tour.tours").add("account_payer_portal_promise_manager", {
    steps: () => [
        {
            content: "The promise is the customer's, open",
            trigger: ".o_form_view:has(.o_field_widget[name='partner_id']:contains('Brightway Retail Ltd'))",
        },
        {
            content: "Its follow-up To-Do is planned for the account manager",
            trigger: ".o-mail-Activity:contains('Follow up the promise to pay')",
        },
    ],
});
