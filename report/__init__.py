from . import payer_statement_report
from . import payer_dispute_report
