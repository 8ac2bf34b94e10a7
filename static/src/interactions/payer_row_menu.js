import { Interaction } from "@web/public/interaction";
import { registry } from "@web/core/registry";

/**
 * The menu of the Balance rows ("Ask a question", "Raise a dispute" or "See the dispute") is
 * rendered once per page: when a row's button is pressed (click, or a key that opens it), the menu
 * is moved next to that button, its links made the row's invoice's, before Bootstrap opens it.
 * The buttons become Bootstrap dropdown toggles (`data-bs-toggle`) only here, once the menu can be
 * moved: a press before that does nothing (Bootstrap would find no menu next to the button).
 */
export class PayerRowMenu extends Interaction {
    static selector = ".o_payer_portal:has(.o_payer_row_menu_items)";
    dynamicContent = {
        ".o_payer_invoice_menu_toggle": {
            "t-att-data-bs-toggle": () => "dropdown",
            "t-on-click.noUpdate": this.place,
            "t-on-keydown.noUpdate": this.place,
        },
    };

    setup() {
        this.menu = this.el.querySelector(".o_payer_row_menu_items");
        this.links = [...this.menu.querySelectorAll("a[href*='/invoice/0/']")].map((link) => [
            link,
            link.getAttribute("href"),
        ]);
        this.disputesHref = this.menu.querySelector(".o_payer_see_dispute").getAttribute("href");
    }

    place(ev) {
        const toggle = ev.currentTarget;
        if (this.menu.previousElementSibling !== toggle) {
            toggle.after(this.menu);
        }
        // A dropdown of this button made while the menu was elsewhere has no menu: make it again.
        const dropdown = window.Dropdown?.getInstance(toggle);
        if (dropdown && dropdown._menu !== this.menu) {
            dropdown.dispose();
        }
        for (const [link, href] of this.links) {
            link.setAttribute("href", href.replace("/invoice/0/", `/invoice/${toggle.value}/`));
        }
        const dispute = toggle.dataset.dispute;
        this.menu.querySelector(".o_payer_see_dispute").setAttribute("href", dispute || this.disputesHref);
        this.menu.querySelector(".o_payer_row_menu_disputed").classList.toggle("d-none", !dispute);
        this.menu.querySelector(".o_payer_row_menu_undisputed").classList.toggle("d-none", !!dispute);
    }
}

registry.category("public.interactions").add("account_payer_portal.payer_row_menu", PayerRowMenu);
