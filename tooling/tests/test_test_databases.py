"""`make test` runs the addon's tests in two databases: with payment_stripe, and without it.

Run by `make test` (or `make test TAGS=tooling:TestTestDatabases`), with the machine's python3.
"""

import unittest

import dev


class TestTestDatabases(unittest.TestCase):
    def test_without_tags_both_databases_and_the_tooling_run(self):
        odoo, tooling = dev.split_tags(None)
        self.assertEqual(odoo, {"stripe": [f"/{dev.MODULE}"], "no_stripe": [f"payer_no_stripe/{dev.MODULE}"]})
        self.assertEqual(tooling, ["tooling"])

    def test_only_the_database_without_stripe_lacks_payment_stripe(self):
        with_stripe, without = dev.TEST_DATABASES["stripe"][1], dev.TEST_DATABASES["no_stripe"][1]
        self.assertIn("payment_stripe", with_stripe.split(","))
        self.assertNotIn("payment_stripe", without.split(","))
        self.assertIn("payment_demo", without.split(","))

    def test_tags_go_to_the_database_they_name(self):
        odoo, tooling = dev.split_tags(
            f"/{dev.MODULE}:TestFoundation,payer_no_stripe/{dev.MODULE}:TestProviderNeutral,tooling:TestWheel"
        )
        self.assertEqual(
            odoo,
            {
                "stripe": [f"/{dev.MODULE}:TestFoundation"],
                "no_stripe": [f"payer_no_stripe/{dev.MODULE}:TestProviderNeutral"],
            },
        )
        self.assertEqual(tooling, ["tooling:TestWheel"])
        self.assertEqual(dev.split_tags("tooling"), ({}, ["tooling"]))
