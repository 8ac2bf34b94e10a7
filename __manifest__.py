{
    "name": "Payer Portal",
    "summary": "Statement of account, aging, disputes and multi-invoice payment "
    "for your customers on the Odoo portal",
    "version": "19.0.1.0.0",
    "category": "Accounting/Accounting",
    "license": "LGPL-3",
    "author": "account_payer_portal contributors",
    "website": "https://github.com/account-payer-portal/account_payer_portal",
    "depends": ["account_payment", "payment_stripe", "portal"],
    "data": [
        "security/ir.model.access.csv",
        "views/payer_portal_templates.xml",
        "views/payer_portal_access_templates.xml",
        "views/res_partner_views.xml",
        "views/payer_statement_templates.xml",
        "report/payer_statement_report.xml",
        "data/payer_statement_mail_template.xml",
        "data/payer_statement_cron.xml",
        "wizard/payer_statement_send_views.xml",
        "security/payer_dispute_security.xml",
        "data/payer_dispute_data.xml",
        "data/payer_dispute_category_data.xml",
        "data/mail_template_data.xml",
        "views/payer_dispute_views.xml",
        "views/payer_dispute_templates.xml",
        "report/payer_dispute_report_views.xml",
        "data/payer_payment_data.xml",
        "views/payer_payment_views.xml",
        "views/payer_payment_templates.xml",
    ],
    "demo": [
        "demo/payer_portal_demo.xml",
    ],
    "assets": {
        "web.assets_frontend": [
            "account_payer_portal/static/src/scss/payer_portal.scss",
            "account_payer_portal/static/src/interactions/**/*",
        ],
        "web.assets_tests": [
            "account_payer_portal/static/tests/tours/**/*",
        ],
    },
}
