from . import payer_portal_demo
