import { registry } from "@web/core/registry";

/**
 * Dispute part of an invoice of 1,000 (the test opens its dispute form), follow "Pay the undisputed
 * ... now", find the invoice in TO PAY selected for its undisputed part (750), PAY ALL saying so, and
 * pay it with the demo provider: the confirmation leaves the disputed 250 open. At the test's screen size (a 390 px phone with touch, or a desktop), each page without
 * sideways scrolling and with no axe-core WCAG 2.1 A/AA violation (axe is injected by
 * tests/test_phone_a11y.py's PayerBrowserCommon).
 */

const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

function pageChecks(page) {
    return [
        {
            content: `${page}: nothing is wider than the screen`,
            trigger: "body",
            run() {
                const { scrollWidth, clientWidth } = document.documentElement;
                if (scrollWidth > clientWidth + 1) {
                    throw new Error(`${page} scrolls sideways: ${scrollWidth} px for ${clientWidth} px`);
                }
            },
        },
        {
            content: `${page}: axe-core finds no WCAG 2.1 A/AA violation`,
            trigger: "body",
            async run() {
                if (!window.axe) {
                    throw new Error("axe-core is not loaded in the page (run the tests with `make test`)");
                }
                await new Promise((resolve) => setTimeout(resolve, 400));
                const result = await window.axe.run(document, {
                    runOnly: { type: "tag", values: AXE_TAGS },
                    resultTypes: ["violations"],
                });
                if (result.violations.length) {
                    const lines = result.violations.map(
                        (v) => `${v.id} (${v.impact}): ${v.help}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`
                    );
                    throw new Error(`${page} at ${window.innerWidth} px: axe-core violations\n${lines.join("\n")}`);
                }
            },
        },
    ];
}

registry.category("web_tour.tours").add("account_payer_portal_pay_undisputed", {
    steps: () => [
        {
            content: "The disputed amount proposed is the amount due",
            trigger: "input[name='amount'][value='1000.00']",
            run: () => {},
        },
        ...pageChecks("Dispute form"),
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
        ...pageChecks("Dispute raised"),
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
            content: "PAY ALL says it pays the undisputed part",
            trigger: ".o_payer_pay_all_info .o_payer_pay_all_undisputed",
            run: () => {},
        },
        ...pageChecks("TO PAY"),
        {
            content: "The link selected the invoice for its undisputed part",
            trigger: "tr.o_payer_pay_row_invoice .o_payer_pay_check:checked[data-balance='750.00']",
            run: () => {},
        },
        {
            content: "PAY SELECTED",
            trigger: "button.o_payer_pay_selected:enabled",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The summary pays the undisputed part and leaves the disputed part open",
            trigger: "tr.o_payer_payment_line_invoice[data-chosen='750.00'][data-left='250.00']",
            run: () => {},
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
            content: "Pay with the demo provider",
            trigger: "button[name='o_payment_submit_button']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The confirmation: the undisputed part paid, the disputed part left open",
            trigger:
                ".o_payer_payment_done[data-status='done'] tr.o_payer_payment_line_invoice[data-chosen='750.00'][data-left='250.00']",
            run: () => {},
        },
        ...pageChecks("Confirmation"),
    ],
});
