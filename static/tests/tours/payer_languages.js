import { registry } from "@web/core/registry";

// Spaces as a reader sees them: French groups thousands with a (narrow) no-break space.
const plain = (text) => text.replace(/[\s\u00a0\u202f]+/g, " ").trim();

function checkText(content, selector, expected) {
    return {
        content,
        trigger: selector,
        run() {
            const found = [...document.querySelectorAll(selector)].map((el) => plain(el.textContent));
            if (!found.some((text) => text.includes(expected))) {
                throw new Error(`${content}: "${expected}" not in ${JSON.stringify(found)}`);
            }
        },
    };
}

registry.category("web_tour.tours").add("account_payer_portal_in_french", {
    url: "/my/payer-portal",
    steps: () => [
        {
            content: "The page says it is in French",
            trigger: "html[lang='fr-FR'] .o_payer_portal",
            run: () => {},
        },
        checkText("The breadcrumb is in French", ".breadcrumb", "Relevé de compte"),
        checkText("The aging header is in French", ".o_payer_aging", "Plus de 90 jours"),
        checkText("The Balance Due is in French", "section[data-currency='EUR']", "Solde dû"),
        checkText("Money is in French format", "section[data-currency='EUR'] .o_payer_figure_value", "1 234,56 €"),
        checkText("Dates are in French format", "section[data-currency='EUR'] table", "26/10/2026"),
        checkText("Statuses are in French", "section[data-currency='EUR'] table", "Échu"),
    ],
});
