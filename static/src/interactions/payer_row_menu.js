import { Interaction } from "@web/public/interaction";
import { registry } from "@web/core/registry";

/**
 * The menu of the Balance rows ("Ask a question", "Raise a dispute" or "See the dispute", and
 * "Promise to pay" when not disputed) is rendered once per page: when a row's button is pressed, the
 * menu is moved next to that button and its links made the row's invoice's; Bootstrap then opens it
 * as that button's dropdown.
 *
 * Bootstrap handles dropdown clicks and keys on the document in the capture phase: the menu is put
 * in place before, from the window's capture phase. The buttons become dropdown toggles
 * (`data-bs-toggle`) only here, once the menu can be moved: a press before that does nothing.
 */
export class PayerRowMenu extends Interaction {
    static selector = ".o_payer_portal:has(.o_payer_row_menu_items)";
    dynamicContent = {
        _window: {
            "t-on-click.capture.noUpdate": this.onPress,
            "t-on-keydown.capture.noUpdate": this.onPress,
        },
        ".o_payer_invoice_menu_toggle": {
            "t-att-data-bs-toggle": () => "dropdown",
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

    onPress(ev) {
        const toggle = ev.target.closest?.(".o_payer_invoice_menu_toggle[data-bs-toggle]");
        if (toggle && this.el.contains(toggle) && toggle !== this.owner) {
            this.place(toggle);
        }
    }

    /** Put the shared menu next to `toggle`, for `toggle`'s invoice. */
    place(toggle) {
        const Dropdown = window.Dropdown;
        const previous = this.owner && Dropdown.getInstance(this.owner);
        if (previous && previous._menu === this.menu) {
            previous.hide(); // the menu leaves the row it was open in
        }
        toggle.after(this.menu);
        for (const [link, href] of this.links) {
            link.setAttribute("href", href.replace("/invoice/0/", `/invoice/${toggle.value}/`));
        }
        const dispute = toggle.dataset.dispute;
        this.menu.querySelector(".o_payer_see_dispute").setAttribute("href", dispute || this.disputesHref);
        this.menu.querySelector(".o_payer_row_menu_disputed").classList.toggle("d-none", !dispute);
        for (const item of this.menu.querySelectorAll(".o_payer_row_menu_undisputed")) {
            item.classList.toggle("d-none", !!dispute);
        }
        this.owner = toggle;
        const dropdown = Dropdown.getInstance(toggle);
        if (dropdown && dropdown._menu !== this.menu) {
            dropdown.dispose(); // made while the menu was elsewhere: Bootstrap makes it again
        }
    }
}

registry.category("public.interactions").add("account_payer_portal.payer_row_menu", PayerRowMenu);
