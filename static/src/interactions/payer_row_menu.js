import { Interaction } from "@web/public/interaction";
import { registry } from "@web/core/registry";

/**
 * The menu of the Balance rows ("Ask a question", "Raise a dispute" or "See the dispute") is
 * rendered once per page: when a row's button is pressed, the menu is moved next to that button and
 * its links made the row's invoice's, then opened as a Bootstrap dropdown of that button.
 *
 * The buttons become dropdown toggles (`data-bs-toggle`, for Bootstrap's keyboard handling and its
 * closing on a click elsewhere) only here: a press before this interaction runs does nothing. A
 * click is handled here alone (Bootstrap's own click handler never sees it): the menu is never
 * opened without being next to its button first.
 */
export class PayerRowMenu extends Interaction {
    static selector = ".o_payer_portal:has(.o_payer_row_menu_items)";
    dynamicContent = {
        ".o_payer_invoice_menu_toggle": {
            "t-att-data-bs-toggle": () => "dropdown",
            "t-on-click.prevent.stop.noUpdate": this.onClick,
            "t-on-keydown.noUpdate": this.onKeydown,
        },
    };

    setup() {
        this.menu = this.el.querySelector(".o_payer_row_menu_items");
        this.links = [...this.menu.querySelectorAll("a[href*='/invoice/0/']")].map((link) => [
            link,
            link.getAttribute("href"),
        ]);
        this.disputesHref = this.menu.querySelector(".o_payer_see_dispute").getAttribute("href");
        this.owner = null;
    }

    /** The Bootstrap dropdown of `toggle`, with the shared menu next to it. */
    dropdownOf(toggle) {
        const Dropdown = window.Dropdown;
        const previous = this.owner !== toggle && this.owner && Dropdown.getInstance(this.owner);
        if (previous && previous._menu === this.menu) {
            previous.hide();
        }
        if (this.menu.previousElementSibling !== toggle) {
            toggle.after(this.menu);
        }
        for (const [link, href] of this.links) {
            link.setAttribute("href", href.replace("/invoice/0/", `/invoice/${toggle.value}/`));
        }
        const dispute = toggle.dataset.dispute;
        this.menu.querySelector(".o_payer_see_dispute").setAttribute("href", dispute || this.disputesHref);
        this.menu.querySelector(".o_payer_row_menu_disputed").classList.toggle("d-none", !dispute);
        this.menu.querySelector(".o_payer_row_menu_undisputed").classList.toggle("d-none", !!dispute);
        this.owner = toggle;
        const dropdown = Dropdown.getInstance(toggle);
        if (dropdown && dropdown._menu !== this.menu) {
            dropdown.dispose(); // made while the menu was elsewhere: made again below
        }
        return Dropdown.getOrCreateInstance(toggle);
    }

    onClick(ev) {
        this.dropdownOf(ev.currentTarget).toggle();
    }

    /** Keys that open the menu are Bootstrap's: the menu is put in place first. */
    onKeydown(ev) {
        if (["ArrowDown", "ArrowUp"].includes(ev.key)) {
            this.dropdownOf(ev.currentTarget);
        }
    }
}

registry.category("public.interactions").add("account_payer_portal.payer_row_menu", PayerRowMenu);
