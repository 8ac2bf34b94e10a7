import { registry } from "@web/core/registry";

/**
 * The payer's pages as a customer walks them, at the size the test gives the browser (a 390 px
 * phone with touch, or a desktop): every document row shows its figures inside the viewport, the
 * page never scrolls sideways, and axe-core (injected by tests/test_phone_a11y.py) finds no
 * WCAG 2.1 A/AA violation on each page.
 */

const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
const TOUCH_TARGET = 44;

function isPhone() {
    return window.innerWidth < 576;
}

function describe(el) {
    const row = el.closest("[data-activity], [data-pay-activity], [data-reference], [data-dispute]");
    const name = row
        ? row.dataset.activity || row.dataset.payActivity || row.dataset.reference || row.dataset.dispute
        : "";
    return `${el.tagName.toLowerCase()}.${[...el.classList].join(".")}${name ? ` of ${name}` : ""}`;
}

function assertInViewport(el) {
    const rect = el.getBoundingClientRect();
    const width = document.documentElement.clientWidth;
    if (!rect.width || !rect.height) {
        throw new Error(`${describe(el)} is not shown (${rect.width}x${rect.height})`);
    }
    if (rect.left < -0.5 || rect.right > width + 0.5) {
        throw new Error(
            `${describe(el)} is outside the viewport: ${Math.round(rect.left)}..${Math.round(rect.right)} px of ${width} px`
        );
    }
}

function assertTouchTarget(el) {
    if (!isPhone()) {
        return;
    }
    const rect = el.getBoundingClientRect();
    if (rect.width < TOUCH_TARGET - 0.5 || rect.height < TOUCH_TARGET - 0.5) {
        throw new Error(`${describe(el)} is a ${Math.round(rect.width)}x${Math.round(rect.height)} px touch target`);
    }
}

/** The page does not scroll sideways. */
function noSideScroll(page) {
    return {
        content: `${page}: nothing is wider than the screen`,
        trigger: "body",
        run() {
            const { scrollWidth, clientWidth } = document.documentElement;
            if (scrollWidth > clientWidth + 1) {
                const wide = [...document.body.querySelectorAll("*")]
                    .filter((el) => el.getBoundingClientRect().right > clientWidth + 1)
                    .filter((el) => ![...el.children].some((c) => c.getBoundingClientRect().right > clientWidth + 1))
                    .slice(0, 5)
                    .map((el) => `${describe(el)} (right edge at ${Math.round(el.getBoundingClientRect().right)} px)`);
                throw new Error(`${page} is ${scrollWidth} px wide on a ${clientWidth} px screen: ${wide.join(", ")}`);
            }
            for (const el of document.querySelectorAll(".table-responsive")) {
                if (el.scrollWidth > el.clientWidth + 1) {
                    throw new Error(`${page}: a table scrolls sideways (${el.scrollWidth} px in ${el.clientWidth} px)`);
                }
            }
        },
    };
}

/** Each element of `rows` has each of `parts` inside the viewport (and touch-sized `targets`). */
function rowsInViewport(content, rows, parts, targets = []) {
    return {
        content,
        trigger: rows,
        run() {
            const found = [...document.querySelectorAll(rows)].filter((row) => row.offsetParent);
            if (!found.length) {
                throw new Error(`no row ${rows} is shown`);
            }
            for (const row of found) {
                for (const part of [...parts, ...targets]) {
                    const el = row.querySelector(part);
                    if (!el) {
                        throw new Error(`${describe(row)} has no ${part}`);
                    }
                    assertInViewport(el);
                }
                for (const target of targets) {
                    assertTouchTarget(row.querySelector(target));
                }
            }
        },
    };
}

/** The aging figures (``figures``: their selector) fit their boxes and never overlap one another. */
function agingFits(content, figures) {
    return {
        content,
        trigger: figures,
        run() {
            const boxes = [...document.querySelectorAll(figures)];
            const rects = boxes.map((el) => {
                assertInViewport(el);
                if (el.scrollWidth > el.clientWidth + 1) {
                    throw new Error(`aging figure "${el.textContent.trim()}" overflows its box`);
                }
                return el.getBoundingClientRect();
            });
            rects.forEach((a, i) =>
                rects.slice(i + 1).forEach((b) => {
                    const overlap = a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
                    if (overlap) {
                        throw new Error(`${content}: two aging figures overlap`);
                    }
                })
            );
        },
    };
}

/** axe-core: no WCAG 2.0/2.1 A or AA violation on the page as it is now. */
function axeCheck(page, trigger = "body") {
    return {
        content: `${page}: axe-core finds no WCAG 2.1 A/AA violation`,
        trigger,
        async run() {
            if (!window.axe) {
                throw new Error("axe-core is not loaded in the page (run the tests with `make test`)");
            }
            // Let Bootstrap's fades end: a half-faded element has a wrong contrast.
            await new Promise((resolve) => setTimeout(resolve, 400));
            const result = await window.axe.run(document, {
                runOnly: { type: "tag", values: AXE_TAGS },
                resultTypes: ["violations"],
            });
            if (result.violations.length) {
                const lines = result.violations.map(
                    (v) =>
                        `${v.id} (${v.impact}): ${v.help}\n` +
                        v.nodes
                            .slice(0, 6)
                            .map((n) => `    ${n.target.join(" ")}: ${n.failureSummary.replace(/\n\s*/g, " ")}`)
                            .join("\n")
                );
                throw new Error(
                    `${page} at ${window.innerWidth} px: ${result.violations.length} axe-core violation(s)\n${lines.join("\n")}`
                );
            }
            if (window.payerScreenshots) {
                const { scrollHeight } = document.documentElement;
                console.log(`payer-screenshot ${page}|${window.innerWidth}|${scrollHeight}`);
                await new Promise((resolve) => setTimeout(resolve, 1500));
            }
        },
    };
}

function tapOutside(el) {
    // A tap on the row (not on the checkbox) toggles the row's checkbox.
    const cell = el.closest("tr").querySelector(".o_payer_pay_activity");
    cell.click();
}

registry.category("web_tour.tours").add("account_payer_portal_phone_pay", {
    url: "/my/payer-portal",
    steps: () => [
        {
            content: "The statement of account is shown",
            trigger: ".o_payer_portal section[data-currency='USD'] tr.o_payer_row",
        },
        noSideScroll("Statement of account"),
        agingFits("The aging figures fit their boxes", "section[data-currency='USD'] .o_payer_aging .o_payer_figure_value"),
        rowsInViewport(
            "Each Balance row shows activity, status, due date and balance on screen",
            "section[data-currency='USD'] tr.o_payer_row",
            [".o_payer_activity", ".o_payer_row_status .badge", ".o_payer_row_due", ".o_payer_row_balance"]
        ),
        rowsInViewport(
            "Each invoice row's actions are within reach",
            "section[data-currency='USD'] tr.o_payer_row_invoice",
            [],
            [".o_payer_invoice_menu_toggle"]
        ),
        axeCheck("Statement of account (Balance tab)", ".o_payer_portal"),
        {
            content: "Open the TO PAY tab of the USD section",
            trigger: "section[data-currency='USD'] a.o_payer_tab_to_pay",
            run: "click",
        },
        {
            content: "The TO PAY tab is shown",
            trigger: "section[data-currency='USD'] .o_payer_to_pay_pane.active.show tr.o_payer_pay_row",
        },
        noSideScroll("TO PAY"),
        rowsInViewport(
            "Each TO PAY row shows what it costs, and its whole row is a touch target",
            "section[data-currency='USD'] .o_payer_to_pay_pane tr.o_payer_pay_row",
            [".o_payer_pay_activity", ".o_payer_row_status .badge", ".o_payer_row_due", ".o_payer_pay_balance"],
            [".o_payer_pay_check_label"]
        ),
        {
            content: "Select all invoices (a touch-sized target)",
            trigger: "section[data-currency='USD'] .o_payer_to_pay_pane.active.show input.o_payer_pay_select_all",
            run() {
                const label = this.anchor.closest("label");
                assertInViewport(label);
                assertTouchTarget(this.anchor.closest(".o_payer_pay_check_label"));
                this.anchor.click();
            },
        },
        {
            content: "Every invoice is selected: the total is all of them less the credit",
            trigger: "section[data-currency='USD'] .o_payer_pay_total[data-value='1235017.89']",
        },
        {
            content: "Unselect all",
            trigger: "section[data-currency='USD'] input.o_payer_pay_select_all:checked",
            run: "click",
        },
        {
            content: "Nothing is selected any more",
            trigger: "section[data-currency='USD'] .o_payer_pay_total[data-value='0.00']",
        },
        {
            content: "Tap the overdue invoice's row (not its checkbox): it is selected",
            trigger:
                "section[data-currency='USD'] tr.o_payer_pay_row_invoice[data-pay-status='overdue'] input[data-balance='300.00']:not(:checked)",
            run() {
                tapOutside(this.anchor);
            },
        },
        {
            content: "Tap the row of the invoice not yet due",
            trigger: "section[data-currency='USD'] tr.o_payer_pay_row_invoice[data-pay-status='due'] input:not(:checked)",
            run() {
                tapOutside(this.anchor);
            },
        },
        {
            content: "Both are selected: the running total is the invoices less the credit",
            trigger:
                "section[data-currency='USD'] tr.o_payer_pay_row_invoice[data-pay-status='due'] input:checked",
        },
        {
            content: "The total is 450.00",
            trigger: "section[data-currency='USD'] .o_payer_pay_total[data-value='450.00']",
        },
        rowsInViewport(
            "Each selected invoice's amount to pay is on screen and finger-sized",
            "section[data-currency='USD'] .o_payer_to_pay_pane tr.o_payer_pay_row_invoice:has(input.o_payer_pay_check:checked)",
            [],
            [".o_payer_pay_amount:not(.is-invalid)"]
        ),
        {
            content: "A selected invoice's amount to pay is its balance",
            trigger:
                "section[data-currency='USD'] tr.o_payer_pay_row_invoice[data-pay-status='overdue'] input.o_payer_pay_amount:value(300.00)",
        },
        axeCheck("TO PAY", "section[data-currency='USD'] .o_payer_to_pay_pane.active.show"),
        rowsInViewport(
            "PAY SELECTED is on screen",
            "section[data-currency='USD'] .o_payer_to_pay_form",
            ["button.o_payer_pay_selected", ".o_payer_pay_total"]
        ),
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
        noSideScroll("Payment summary"),
        rowsInViewport(
            "Each line of the summary shows what is paid on screen",
            "tr.o_payer_payment_line",
            ["td:first-child", "td:last-child"]
        ),
        axeCheck("Payment: receipt address", "form.o_payer_pay_email_form"),
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
        noSideScroll("Payment"),
        axeCheck("Payment: payment method", "form#o_payment_form"),
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
        noSideScroll("Payment confirmation"),
        axeCheck("Payment confirmation", ".o_payer_payment_done"),
    ],
});

registry.category("web_tour.tours").add("account_payer_portal_phone_statement", {
    url: "/my/payer-portal",
    steps: () => [
        {
            content: "The currency switcher shows the section being read: USD, the first",
            trigger: ".o_payer_currency_switcher a[data-currency='USD'][aria-current='true']",
        },
        {
            content: "Go to the EUR section",
            trigger: ".o_payer_currency_switcher a[data-currency='EUR']",
            run: "click",
        },
        {
            content: "The switcher now shows EUR as the current section",
            trigger:
                ".o_payer_currency_switcher:has(a[data-currency='EUR'][aria-current='true']):not(:has(a[data-currency='USD'][aria-current]))",
        },
        {
            content: "Get Statement is on screen",
            trigger: ".o_payer_portal_actions button.o_payer_get_statement",
            run() {
                assertInViewport(this.anchor);
                this.anchor.click();
            },
        },
        {
            content: "The dialog offers the periods",
            trigger: "#o_payer_statement_dialog.show a.o_payer_statement_preset[data-preset='last_12_months']",
        },
        axeCheck("Get Statement dialog", "#o_payer_statement_dialog.show"),
        {
            content: "Choose the last 12 months",
            trigger: "#o_payer_statement_dialog.show a.o_payer_statement_preset[data-preset='last_12_months']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The statement is shown",
            trigger: ".o_payer_statement section[data-currency='USD'] tr.o_payer_statement_line",
        },
        noSideScroll("Statement"),
        rowsInViewport(
            "Each movement shows its reference, amount and running balance on screen",
            ".o_payer_statement tr.o_payer_statement_line",
            ["td.o_payer_statement_reference", "td.o_payer_statement_running"]
        ),
        agingFits(
            "The statement's aging figures fit and never overlap",
            ".o_payer_statement .o_payer_statement_aging td[data-statement-aging]"
        ),
        axeCheck("Statement", ".o_payer_statement"),
    ],
});

const FIRST = "tr.o_payer_row_invoice:nth-child(1)";
const SECOND = "tr.o_payer_row_invoice:nth-child(2)";

registry.category("web_tour.tours").add("account_payer_portal_phone_dispute", {
    url: "/my/payer-portal",
    steps: () => [
        {
            content: "Open the menu of the first invoice",
            trigger: `section[data-currency='USD'] ${FIRST} .o_payer_invoice_menu_toggle[data-bs-toggle]`,
            run: "click",
        },
        {
            content: "The menu's entries are on screen",
            trigger: `section[data-currency='USD'] ${FIRST} .dropdown-menu.show .o_payer_ask_question`,
            run() {
                // (the page's one menu shows the entries of the row's invoice: "See the dispute" or
                // "Raise a dispute")
                const items = this.anchor.closest(".dropdown-menu").querySelectorAll(".dropdown-item");
                for (const item of [...items].filter((el) => el.offsetParent)) {
                    assertInViewport(item);
                    assertTouchTarget(item);
                }
            },
        },
        axeCheck("Statement of account with a row's menu open", `${FIRST} .dropdown-menu.show`),
        {
            content: "Ask a question",
            trigger: `section[data-currency='USD'] ${FIRST} .o_payer_ask_question`,
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The question form is shown",
            trigger: "textarea[name='question']",
        },
        noSideScroll("Ask a question"),
        axeCheck("Ask a question", "form.o_payer_question_form"),
        {
            content: "Write the question",
            trigger: "textarea[name='question']",
            run: "edit Is the discount included?",
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
        },
        axeCheck("Question sent", ".o_payer_question_sent"),
        {
            content: "Back to the statement of account",
            trigger: ".breadcrumb a[href='/my/payer-portal']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The invoice's row shows that a question is open (a text, on the phone card)",
            trigger: `section[data-currency='USD'] ${FIRST} .o_payer_row_status .o_payer_question_open:contains(Question open)`,
            run() {
                assertInViewport(this.anchor);
            },
        },
        noSideScroll("Statement of account with a question open"),
        axeCheck("Statement of account with a question open", `section[data-currency='USD'] ${FIRST}`),
        {
            content: "Open the menu of the second invoice",
            trigger: `section[data-currency='USD'] ${SECOND} .o_payer_invoice_menu_toggle[data-bs-toggle]`,
            run: "click",
        },
        {
            content: "Raise a dispute",
            trigger: `section[data-currency='USD'] ${SECOND} .o_payer_raise_dispute`,
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The dispute form is shown",
            trigger: "form.o_payer_dispute_form select[name='category_id']",
        },
        noSideScroll("Raise a dispute"),
        axeCheck("Raise a dispute", "form.o_payer_dispute_form"),
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
            content: "Raise it",
            trigger: ".o_payer_dispute_submit",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The dispute page is shown",
            trigger: ".o_payer_dispute .o_payer_dispute_state[data-state='new']",
        },
        noSideScroll("Dispute"),
        axeCheck("Dispute", ".o_payer_dispute_message_form"),
        {
            content: "To the list of disputes",
            trigger: ".breadcrumb a[href='/my/payer-portal/disputes']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The disputes are listed",
            trigger: ".o_payer_disputes tr.o_payer_dispute_row",
        },
        noSideScroll("Disputes"),
        rowsInViewport(
            "Each dispute shows its invoice, amount and state on screen",
            ".o_payer_disputes tr.o_payer_dispute_row",
            ["a", ".o_payer_dispute_invoice", ".o_payer_dispute_amount", ".o_payer_dispute_state"]
        ),
        axeCheck("Disputes", ".o_payer_disputes"),
    ],
});
