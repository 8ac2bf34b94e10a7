from . import payer_statement_report
