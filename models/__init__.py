from . import payer_portal_demo
from . import payer_portal_ledger
from . import payer_portal_access
from . import ir_http
from . import res_partner
