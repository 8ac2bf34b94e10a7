from . import payer_portal_demo
from . import payer_portal_ledger
