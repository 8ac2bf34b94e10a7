from werkzeug.exceptions import Forbidden

from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)


class PayerLinkInvalid(Forbidden):
    """A signed payer portal link that is wrong, truncated, revoked or expired (403)."""

    description = _lt("This link is invalid or has expired. Ask us for a new one, or log in.")
