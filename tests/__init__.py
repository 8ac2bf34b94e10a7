from . import test_foundation
from . import test_payer_statement
from . import test_payer_portal_ledger
from . import test_payer_portal_page
from . import test_payer_portal_access
from . import test_payer_dispute
from . import test_payer_payment
from . import test_payer_payment_review
