"""Issue 13: a large payer portal payment is recorded by a job, off the customer's request.

The threshold is lowered to 3 documents and the job's batches to 2 items so that the tests are
small: a payment of 6 invoices and a credit note is "large"."""

import threading
from unittest.mock import patch

from lxml import html

from odoo import SUPERUSER_ID, api
from odoo.http import request
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .test_payer_payment import PayerPaymentCommon
from .test_phone_a11y import PayerBrowserCommon

CRON = "account_payer_portal.ir_cron_payer_payment_record"


class LargePaymentCommon(PayerPaymentCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param("account_payer_portal.large_payment_documents", "3")
        params.set_param("account_payer_portal.large_payment_batch", "2")
        cls.Transaction = cls.env["payment.transaction"].sudo()

    def _large_selection(self):
        """Six invoices of 100, 110, ... 150 (earliest due first) and a credit note of 150: the
        credit pays the first invoice and 50 of the second; the card pays 615."""
        invoices = self.env["account.move"]
        for index in range(6):
            invoices |= self._invoice(100.0 + 10 * index, days_late=60 - index)
        credit_note = self._invoice(150.0, move_type="out_refund")
        payment = self._select(invoices, [credit_note])
        self.assertEqual((payment.amount_invoices, payment.amount_credits, payment.amount), (750.0, 150.0, 600.0))
        return payment, invoices, credit_note

    def _confirm(self, tx):
        """The provider confirms the payment (not post-processed yet: the poll or a cron does it)."""
        tx._process("demo", {"reference": tx.reference, "simulated_state": "done"})
        self.assertEqual(tx.state, "done")
        return tx

    def _run_job(self):
        self.env.flush_all()
        cron = self.env.ref(CRON).sudo()
        with self.enter_registry_test_mode():
            cron.method_direct_trigger()
        self.env.invalidate_all()

    def _triggered(self):
        return self.env["ir.cron.trigger"].sudo().search_count([("cron_id", "=", self.env.ref(CRON).id)])

    def _receipts(self, payment):
        return self.env["mail.mail"].sudo().search([("model", "=", "payer.payment"), ("res_id", "=", payment.id)])

    def _payment_matches(self, tx):
        """{invoice: [amounts the transaction's payment paid it]}: each reconciliation once."""
        line = tx.payment_id.move_id.line_ids.filtered(lambda aml: aml.account_id.account_type == "asset_receivable")
        matches = {}
        for partial in line.matched_debit_ids:
            matches.setdefault(partial.debit_move_id.move_id, []).append(partial.debit_amount_currency)
        return matches

    def _assert_recorded(self, payment, tx, invoices, credit_note):
        """Recorded exactly once, as the customer selected it."""
        self.assertEqual((payment.state, tx.is_post_processed, tx.payer_recording), ("done", True, False))
        payments = self.env["account.payment"].sudo().search([("payment_transaction_id", "=", tx.id)])
        self.assertEqual(payments, tx.payment_id, "one payment")
        self.assertEqual((payments.amount, payments.state in ("paid", "in_process")), (600.0, True))
        self.assertEqual(payments.memo, payment.name)
        self.assertEqual(payment.payment_id, payments)
        expected = {invoices[1]: [60.0], **{invoice: [invoice.amount_total] for invoice in invoices[2:]}}
        self.assertEqual(self._payment_matches(tx), expected, "each invoice paid once, for what was left of it")
        self.assertEqual(payment.setoff_ids.sorted("sequence").mapped("amount_applied"), [100.0, 50.0])
        for move in (*invoices, credit_note):
            self.assertEqual(self._open(move), 0.0, move.name)
        lines = {line.move_id: (line.amount_setoff, line.amount_paid) for line in payment.line_ids}
        self.assertEqual(lines[invoices[0]], (100.0, 0.0))
        self.assertEqual(lines[invoices[1]], (50.0, 60.0))
        self.assertEqual(lines[invoices[5]], (0.0, 150.0))
        receipt = self._receipts(payment)
        self.assertEqual(len(receipt), 1, "one receipt")
        self.assertIn("600.00", receipt.body_html)
        self.assertEqual(payment._portal_status_values(), {"status": "done", "recorded": 6, "total": 6})


@tagged("post_install", "-at_install", "payer_no_stripe")
class TestLargePayment(LargePaymentCommon):
    def test_poll_hands_the_payment_to_the_job_which_records_it_once(self):
        payment, invoices, credit_note = self._large_selection()
        tx = self._confirm(self._transaction(payment))
        triggered = self._triggered()
        tx._post_process()  # what /payment/status/poll does
        self.assertTrue(tx.payer_recording)
        self.assertEqual(self._triggered(), triggered + 1, "the job is woken up")
        self.assertFalse(tx.is_post_processed)
        self.assertFalse(tx.payment_id, "nothing recorded in the request")
        self.assertEqual([self._open(invoice) for invoice in invoices], [100.0, 110.0, 120.0, 130.0, 140.0, 150.0])
        self.assertEqual(payment.state, "processing")
        self.assertEqual(payment._portal_status_values(), {"status": "recording", "recorded": 0, "total": 6})
        self.assertFalse(self._receipts(payment))
        # Meanwhile the invoices and the credit are awaiting confirmation: not payable again.
        self.assertEqual(self.Ledger._awaiting_payment_moves(invoices | credit_note), invoices | credit_note)
        # Odoo's own post-processing cron (and a second poll) leave it to the job.
        odoo_cron = self.env.ref("payment.cron_post_process_payment_tx").sudo()
        odoo_cron.active = True
        self.env.flush_all()
        with self.enter_registry_test_mode():
            odoo_cron.method_direct_trigger()
        self.env.invalidate_all()
        tx._post_process()
        self.assertEqual((tx.is_post_processed, tx.payment_id.id), (False, False))
        self.assertEqual(self._triggered(), triggered + 1, "handed over once")

        self._run_job()
        self._assert_recorded(payment, tx, invoices, credit_note)
        for invoice in invoices:
            self.assertIn(tx.payment_id.name, "".join(invoice.message_ids.mapped("body")), invoice.name)
        self.assertFalse(self.Ledger._awaiting_payment_moves(invoices | credit_note))

        # Running it again, or Odoo's cron, changes nothing.
        self._run_job()
        with self.enter_registry_test_mode():
            odoo_cron.method_direct_trigger()
        self.env.invalidate_all()
        self._assert_recorded(payment, tx, invoices, credit_note)

    def test_crash_after_the_first_batch_then_a_rerun_completes(self):
        payment, invoices, credit_note = self._large_selection()
        tx = self._confirm(self._transaction(payment))
        tx._post_process()
        Line = self.registry["account.move.line"]
        reconcile = Line.reconcile
        calls = []

        def crash_in_second_batch(lines):
            # 2 set-off pairs (one batch), then the payment's batches of 2 invoices: the 4th call
            # is the second batch of invoices. It reconciles, then the worker dies before commit.
            calls.append(len(lines))
            result = reconcile(lines)
            if len(calls) >= 4:
                raise RuntimeError("worker killed")
            return result

        with (
            patch.object(Line, "reconcile", crash_in_second_batch),
            mute_logger("odoo.addons.account_payer_portal.models.payment_transaction"),
        ):
            self._run_job()
        self.assertEqual(calls[:4], [2, 2, 3, 3], "set-off pairs, then the payment's line and 2 invoice lines")
        # What the first batches did is kept, the second batch is undone: one payment, taken once.
        self.assertTrue(tx.payment_id)
        self.assertEqual(self._payment_matches(tx), {invoices[1]: [60.0], invoices[2]: [120.0]})
        self.assertEqual([self._open(invoice) for invoice in invoices[2:]], [0.0, 130.0, 140.0, 150.0])
        self.assertEqual((payment.state, tx.is_post_processed, tx.payer_recording), ("processing", False, True))
        self.assertEqual(payment._portal_status_values(), {"status": "recording", "recorded": 3, "total": 6})
        self.assertEqual(self.Ledger._awaiting_payment_moves(invoices[3:]), invoices[3:])
        self.assertFalse(self._receipts(payment), "no receipt before it is done")

        self._run_job()
        self._assert_recorded(payment, tx, invoices, credit_note)

    def test_job_stopped_after_each_batch_goes_on_where_it_stopped(self):
        payment, invoices, credit_note = self._large_selection()
        tx = self._confirm(self._transaction(payment))
        tx._post_process()
        # As when the cron's time is up after every batch: each run starts from what is recorded.
        progress = []
        while tx.payer_recording:
            self.assertLess(len(progress), 10)
            processed, finished = tx._payer_record_step()
            self.env.invalidate_all()
            progress.append((processed, finished, payment._recording_progress()[0]))
        self.assertEqual(
            progress,
            [(2, False, 0), (1, False, 0), (2, False, 3), (2, False, 5), (1, False, 6), (1, True, 6)],
            "set-off, payment, 3 batches of invoices, the end",
        )
        self._assert_recorded(payment, tx, invoices, credit_note)
        # A late poll or a stray run finds nothing to do.
        self._run_job()
        self._assert_recorded(payment, tx, invoices, credit_note)

    def test_small_payment_is_recorded_in_the_request(self):
        invoices = self._invoice(100.0, days_late=20) | self._invoice(50.0, days_late=10)
        credit_note = self._invoice(30.0, move_type="out_refund")
        payment = self._select(invoices, [credit_note])
        self.assertEqual(len(payment.line_ids), 3, "at the threshold, not above")
        triggered = self._triggered()
        tx = self._demo_pay(self._transaction(payment))
        self.assertEqual((payment.state, tx.is_post_processed, tx.payer_recording), ("done", True, False))
        self.assertEqual(tx.payment_id.amount, 120.0)
        self.assertEqual([self._open(move) for move in (*invoices, credit_note)], [0.0, 0.0, 0.0])
        self.assertEqual(len(self._receipts(payment)), 1)
        self.assertEqual(self._triggered(), triggered)


@tagged("post_install", "-at_install")
class TestLargePaymentPortal(LargePaymentCommon, HttpCase):
    def _csrf(self, payment):
        page = html.fromstring(self.url_open(f"/my/payer-portal/pay/{payment.id}").content)
        return page.xpath("//input[@name='csrf_token']/@value")[0]

    def _json(self, url, **params):
        response = self.url_open(url, json={"id": 0, "jsonrpc": "2.0", "method": "call", "params": params}).json()
        self.assertNotIn("error", response, url)
        return response["result"]

    def _done_page(self, payment):
        page = html.fromstring(self.url_open(f"/my/payer-portal/pay/{payment.id}/done").content)
        [screen] = page.xpath("//div[contains(@class, 'o_payer_payment_done')]")
        return screen

    def test_poll_answers_at_once_and_the_page_says_recording_then_done(self):
        self.authenticate("payer_paula", "payer_paula")
        payment, invoices, credit_note = self._large_selection()
        result = self._json(
            f"/my/payer-portal/pay/{payment.id}/transaction",
            provider_id=self.provider.id,
            payment_method_id=self.provider.payment_method_ids[:1].id,
            token_id=None,
            amount=600.0,
            flow="direct",
            tokenization_requested=False,
            landing_route="/anywhere",
            is_validation=False,
            csrf_token=self._csrf(payment),
        )
        tx = self.Transaction.search([("reference", "=", result["reference"])])
        self._confirm(tx)
        # Odoo's status page polls: it is answered at once, the payment is left to the job.
        poll = self._json("/payment/status/poll")
        self.assertEqual((poll["state"], poll["landing_route"]), ("done", f"/my/payer-portal/pay/{payment.id}/done"))
        self.assertTrue(tx.payer_recording)
        self.assertFalse(tx.payment_id)
        # The money is taken: the payment's own page sends to the confirmation, not back to paying.
        response = self.url_open(f"/my/payer-portal/pay/{payment.id}", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith(f"/my/payer-portal/pay/{payment.id}/done"))

        screen = self._done_page(payment)
        self.assertEqual(screen.get("data-status"), "recording")
        [status] = screen.xpath(".//*[@role='status']")
        text = " ".join(status.text_content().split())
        self.assertIn("your payment was taken and is being recorded", text)
        self.assertIn("Invoices recorded: 0 / 6", text)
        self.assertIn("the receipt is emailed then", text)
        self.assertEqual(screen.get("data-status-url"), f"/my/payer-portal/pay/{payment.id}/status")
        self.assertEqual(
            self._json(f"/my/payer-portal/pay/{payment.id}/status"), {"status": "recording", "recorded": 0, "total": 6}
        )
        # The invoices say so on the statement of account.
        rows = self.Ledger._get_rows(self.customer, self.company, self.usd, companies=self.company)
        self.assertEqual(
            {row["move"]: row["status"] for row in rows},
            dict.fromkeys(invoices | credit_note, "awaiting_payment"),
        )

        self.env.ref(CRON).sudo().method_direct_trigger()
        self.env.invalidate_all()
        self.assertEqual(
            self._json(f"/my/payer-portal/pay/{payment.id}/status"), {"status": "done", "recorded": 6, "total": 6}
        )
        screen = self._done_page(payment)
        self.assertEqual(screen.get("data-status"), "done")
        self.assertIn("Thank you, your payment is done.", screen.text_content())
        self._assert_recorded(payment, tx, invoices, credit_note)

    def test_status_route_is_the_customers_only(self):
        payment, _invoices, _credit_note = self._large_selection()
        self.authenticate("payer_nora", "payer_nora")
        response = self.url_open(
            f"/my/payer-portal/pay/{payment.id}/status",
            json={"id": 0, "jsonrpc": "2.0", "method": "call", "params": {}},
        ).json()
        self.assertIn("error", response)
        self.assertNotIn("result", response)


@tagged("post_install", "-at_install")
class TestLargePaymentPhone(LargePaymentCommon, PayerBrowserCommon, HttpCase):
    """The confirmation screen in Chromium on a phone while the job records the payment: it polls
    the status route, shows the count going up, then the payment done (axe-core on both)."""

    browser_size = "390x844"
    touch_enabled = True

    def test_confirmation_screen_follows_the_job(self):
        payment, invoices, credit_note = self._large_selection()
        tx = self._confirm(self._transaction(payment))
        tx._post_process()
        self.assertTrue(tx.payer_recording)
        PayerPayment = self.registry["payer.payment"]
        status_values = PayerPayment._portal_status_values
        polled, cursors, errors = threading.Event(), [], []

        def watched_status_values(record):
            if request and request.httprequest.path.endswith("/status"):
                cursors.append(record.env.cr.readonly)
            result = status_values(record)
            polled.set()
            return result

        def job():
            # The job's batches run between two polls of the page (as the cron does meanwhile).
            try:
                for steps in (3, None):  # set-off, payment, first batch of invoices; then the rest
                    self.assertTrue(polled.wait(30), "the page does not poll")
                    polled.clear()
                    with self.registry.cursor() as cr:
                        env = api.Environment(cr, SUPERUSER_ID, {})
                        job_tx = env["payment.transaction"].browse(tx.id)
                        done = 0
                        while job_tx.payer_recording and (steps is None or done < steps):
                            job_tx._payer_record_step()
                            done += 1
            except Exception as error:  # reported by the test
                errors.append(error)

        worker = threading.Thread(target=job)
        with patch.object(PayerPayment, "_portal_status_values", watched_status_values):
            worker.start()
            self.start_tour(
                f"/my/payer-portal/pay/{payment.id}/done", "account_payer_portal_pay_recording", login="payer_paula"
            )
            worker.join(30)
        self.assertFalse(errors)
        self.assertFalse(worker.is_alive())
        self.assertGreaterEqual(len(cursors), 2, "the page polls its status")
        self.assertTrue(all(cursors), "the page's polls run on a read-only cursor")
        self.env.invalidate_all()
        self._assert_recorded(payment, tx, invoices, credit_note)
