import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("account_payer_portal_login", {
    url: "/my",
    steps: () => [
        {
            content: "The portal home of the logged-in customer is shown",
            trigger: ".o_portal_my_home",
            run: () => {},
        },
    ],
});
