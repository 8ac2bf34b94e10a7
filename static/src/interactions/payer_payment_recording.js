import { Interaction } from "@web/public/interaction";
import { registry } from "@web/core/registry";
import { rpc } from "@web/core/network/rpc";

// How often the confirmation screen asks where a large payment's recording stands.
const POLL_DELAY = 3000;

/**
 * The confirmation screen of a large payment being recorded off the request: it asks the
 * payment's status route every few seconds, updates the count of invoices recorded (in the
 * status region, read by screen readers) and reloads the page when the recording is over (the
 * receipt is then shown). Without JavaScript the page says the same, and a reload shows the end.
 */
export class PayerPaymentRecording extends Interaction {
    static selector = ".o_payer_payment_done[data-status='recording']";

    setup() {
        this.url = this.el.dataset.statusUrl;
    }

    start() {
        this.schedule();
    }

    schedule() {
        this.waitForTimeout(() => this.poll(), POLL_DELAY);
    }

    async poll() {
        let result;
        try {
            result = await this.waitFor(rpc(this.url, {}, { silent: true }));
        } catch {
            this.schedule(); // a network hiccup: ask again later
            return;
        }
        if (result.status !== "recording") {
            window.location.reload();
            return;
        }
        const recorded = this.el.querySelector(".o_payer_recorded");
        const total = this.el.querySelector(".o_payer_recorded_total");
        if (recorded && String(result.recorded) !== recorded.textContent) {
            recorded.textContent = String(result.recorded);
        }
        if (total) {
            total.textContent = String(result.total);
        }
        this.schedule();
    }
}

registry
    .category("public.interactions")
    .add("account_payer_portal.payer_payment_recording", PayerPaymentRecording);
