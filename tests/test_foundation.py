from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install", "payer_no_stripe")
class TestFoundation(TransactionCase):
    def test_module_installed_with_its_dependencies(self):
        module = self.env["ir.module.module"].search([("name", "=", "account_payer_portal")])
        self.assertEqual(module.state, "installed")
        deps = set(module.dependencies_id.mapped("name"))
        self.assertTrue({"account_payment", "portal"} <= deps)
        self.assertEqual(module.installed_version.split(".")[:2], ["19", "0"])


@tagged("post_install", "-at_install")
class TestFoundationTour(HttpCase):
    def test_portal_user_reaches_my(self):
        new_test_user(self.env, login="payer_tour_portal", groups="base.group_portal", name="Tour Customer")
        self.start_tour("/my", "account_payer_portal_login", login="payer_tour_portal")
