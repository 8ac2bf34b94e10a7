import { registry } from "@web/core/registry";

/**
 * The confirmation screen of a large payment while the job records it (tests/test_large_payment.py
 * runs the job's batches as the page polls): the count of invoices recorded goes up, then the page
 * shows the payment done; at the test's screen size, with no axe-core WCAG 2.1 A/AA violation.
 */

const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

function axeCheck(page) {
    return {
        content: `${page}: axe-core finds no WCAG 2.1 A/AA violation`,
        trigger: ".o_payer_payment_done",
        async run() {
            if (!window.axe) {
                throw new Error("axe-core is not loaded in the page (run the tests with `make test`)");
            }
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

function noSideScroll(page) {
    return {
        content: `${page}: nothing is wider than the screen`,
        trigger: ".o_payer_payment_done",
        run() {
            const { scrollWidth, clientWidth } = document.documentElement;
            if (scrollWidth > clientWidth + 1) {
                throw new Error(`${page} is ${scrollWidth} px wide on a ${clientWidth} px screen`);
            }
        },
    };
}

registry.category("web_tour.tours").add("account_payer_portal_pay_recording", {
    steps: () => [
        {
            content: "The payment was taken and is being recorded",
            trigger:
                ".o_payer_payment_done[data-status='recording'] [role='status']:contains('being recorded'):contains('Invoices recorded: 0 / 6')",
        },
        axeCheck("Payment being recorded"),
        noSideScroll("Payment being recorded"),
        {
            content: "The count of invoices recorded goes up as the job records them",
            trigger: ".o_payer_payment_done[data-status='recording'] [role='status']:contains('Invoices recorded: 3 / 6')",
            timeout: 30000,
            expectUnloadPage: true, // the page reloads itself when the job is done
        },
        {
            content: "When it is recorded, the page shows the payment done",
            trigger: ".o_payer_payment_done[data-status='done'] [role='status']:contains('your payment is done')",
            timeout: 30000,
        },
        axeCheck("Payment done"),
        noSideScroll("Payment done"),
    ],
});
