import { Interaction } from "@web/public/interaction";
import { registry } from "@web/core/registry";

/**
 * The currency switcher shows the section being read: the link of the section nearest the top of
 * the screen is active (`aria-current`), as the customer scrolls or follows a link.
 */
export class PayerCurrencySwitcher extends Interaction {
    static selector = ".o_payer_currency_switcher";
    dynamicContent = {
        _window: { "t-on-scroll.noUpdate": this.updateCurrent },
        "a.nav-link": {
            "t-on-click.noUpdate": (ev) => this.setCurrent(ev.currentTarget),
        },
    };

    start() {
        this.updateCurrent();
    }

    links() {
        return [...this.el.querySelectorAll("a.nav-link")];
    }

    setCurrent(current) {
        for (const link of this.links()) {
            const isCurrent = link === current;
            link.classList.toggle("active", isCurrent);
            if (isCurrent) {
                link.setAttribute("aria-current", "true");
            } else {
                link.removeAttribute("aria-current");
            }
        }
    }

    updateCurrent() {
        const links = this.links();
        let current = links[0];
        for (const link of links) {
            const section = document.querySelector(link.getAttribute("href"));
            if (section && section.getBoundingClientRect().top <= window.innerHeight / 3) {
                current = link;
            }
        }
        if (window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 2) {
            // At the bottom of the page the last section is the one being read.
            const last = links.findLast((link) => document.querySelector(link.getAttribute("href")));
            current = last || current;
        }
        this.setCurrent(current);
    }
}

registry
    .category("public.interactions")
    .add("account_payer_portal.payer_currency_switcher", PayerCurrencySwitcher);
