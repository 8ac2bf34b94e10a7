from . import payer_statement_send
