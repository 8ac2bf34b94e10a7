import base64

from lxml import etree, html
from markupsafe import Markup

from odoo import api, models
from odoo.exceptions import UserError

from ..tools.upload_policy import (
    EMAIL_MAX_LENGTH,
    HTML_MAX_LENGTH,
    IMAGE_MAX_PIXELS,
    IMAGE_MAX_PIXELS_TOTAL,
    SUBJECT_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    UPLOAD_EXTENSIONS,
    UPLOAD_MAX_FILES,
    UPLOAD_MAX_SIZE,
    content_allowed,
    image_header,
)


class PayerCustomerPostMixin(models.AbstractModel):
    """The rules of what a customer may post on a document's conversation (the payer portal's
    disputes and invoices), held on ``message_post`` and ``_message_update_content``, which every way
    in goes through: our forms, Odoo's chatter routes (``/mail/message/post``), JSON-RPC. Uploads
    through ``/mail/attachment/upload`` are checked by ``ir.attachment`` with the same rules.

    A customer is whoever is not an internal user: a portal user, a public user or guest (signed
    link, access token), or a comment whose author is not an internal user. Internal users (account
    managers) are not bound by these rules. Incoming emails (mail gateway) are kept as received.
    """

    _name = "payer.customer.post.mixin"
    _inherit = ["mail.thread"]
    _description = "Customer posting rules (payer portal)"

    # ------------------------------------------------------------------ who

    def _payer_posting_is_customer(self, author_id=None, message_type=None):
        if not self.env.user._is_internal():
            return True
        if message_type != "comment" or not author_id:
            return False
        author = self.env["res.partner"].sudo().browse(getattr(author_id, "id", author_id)).exists()
        return bool(author) and not any(user._is_internal() for user in author.with_context(active_test=False).user_ids)

    def _payer_customer_post_refusal(self):
        """Why the customer may not post on this document now (a message), or ``None``."""
        self.ensure_one()
        return None

    # ------------------------------------------------------------------ checks

    @api.model
    def _payer_text_length(self, body):
        """Characters of text in ``body`` (plain text, or the text of an HTML ``Markup``)."""
        if not body:
            return 0
        if not isinstance(body, Markup):
            return len(body)
        try:
            return len(html.fragment_fromstring(str(body), create_parent="div").text_content())
        except (ValueError, TypeError, etree.LxmlError):
            return len(body)

    @api.model
    def _payer_check_customer_files(self, files):
        """Validate files sent by a customer; UserError with a clear message if one is refused.

        Nothing is decoded: pictures are measured from their header.

        :param files: list of ``(filename, content bytes)``
        """
        if len(files) > UPLOAD_MAX_FILES:
            raise UserError(self.env._("You can send at most %(count)s files at a time.", count=UPLOAD_MAX_FILES))
        total_pixels = 0
        for name, content in files:
            if not name or "/" in name or "\\" in name or name.startswith(".") or "\x00" in name:
                raise UserError(
                    self.env._("The file name %(name)r is not valid: send the file without folders.", name=name)
                )
            if len(content) > UPLOAD_MAX_SIZE:
                raise UserError(
                    self.env._(
                        "The file %(name)s is too large: files are limited to %(size)s MB.",
                        name=name,
                        size=UPLOAD_MAX_SIZE // (1024 * 1024),
                    )
                )
            _format, pixels = image_header(content)
            if pixels > IMAGE_MAX_PIXELS:
                raise UserError(
                    self.env._(
                        "The picture %(name)s is too large: pictures are limited to %(megapixels)s megapixels.",
                        name=name,
                        megapixels=IMAGE_MAX_PIXELS // 1_000_000,
                    )
                )
            total_pixels += pixels
            if not content_allowed(name, content):
                raise UserError(
                    self.env._(
                        "The file %(name)s cannot be accepted: send documents or pictures "
                        "(%(extensions)s); programs, web pages and SVG images are refused.",
                        name=name,
                        extensions=", ".join(sorted(UPLOAD_EXTENSIONS)),
                    )
                )
        if total_pixels > IMAGE_MAX_PIXELS_TOTAL:
            raise UserError(
                self.env._(
                    "These pictures are too large together: send at most %(megapixels)s megapixels at a time.",
                    megapixels=IMAGE_MAX_PIXELS_TOTAL // 1_000_000,
                )
            )

    @api.model
    def _payer_attachment_files(self, attachments):
        """``ir.attachment`` records -> ``(filename, content bytes)``."""
        return [(attachment.name, attachment.raw or b"") for attachment in attachments.sudo()]

    def _payer_check_customer_post(self, body="", files=(), attachments=None, subject=None, email_from=None):
        """The customer's rules for a message on this document, checked before anything is written:
        the document accepts messages (a closed dispute is final), the text and the files.

        :param body: plain text, or HTML ``Markup``
        :param files: list of ``(filename, content bytes)`` to be created
        :param attachments: ``ir.attachment`` records (already uploaded) the message will carry
        """
        self.ensure_one()
        refusal = self._payer_customer_post_refusal()
        if refusal:
            raise UserError(refusal)
        if len(body or "") > HTML_MAX_LENGTH or self._payer_text_length(body) > TEXT_MAX_LENGTH:
            raise UserError(self.env._("Messages are limited to %(limit)s characters.", limit=TEXT_MAX_LENGTH))
        if subject and len(subject) > SUBJECT_MAX_LENGTH:
            raise UserError(self.env._("Subjects are limited to %(limit)s characters.", limit=SUBJECT_MAX_LENGTH))
        if email_from and len(email_from) > EMAIL_MAX_LENGTH:
            raise UserError(self.env._("Email addresses are limited to %(limit)s characters.", limit=EMAIL_MAX_LENGTH))
        all_files = list(files or ())
        if attachments:
            all_files += self._payer_attachment_files(attachments)
        self._payer_check_customer_files(all_files)

    def _payer_check_customer_upload(self, files):
        """A customer's upload onto this document's conversation (Odoo's upload route)."""
        self.ensure_one()
        refusal = self._payer_customer_post_refusal()
        if refusal:
            raise UserError(refusal)
        self._payer_check_customer_files(files)

    # ------------------------------------------------------------------ mail.thread

    def message_post(
        self,
        *,
        body="",
        subject=None,
        message_type="notification",
        email_from=None,
        author_id=None,
        attachments=None,
        attachment_ids=None,
        **kwargs,
    ):
        # EXTENDS mail: the customer's rules, whatever the way in (forms, chatter routes, JSON-RPC).
        if self and self._payer_posting_is_customer(author_id, message_type):
            self.ensure_one()
            self._payer_check_customer_post(
                body=body,
                files=[self._payer_attachment_tuple(attachment) for attachment in attachments or ()],
                attachments=self.env["ir.attachment"].sudo().browse(attachment_ids or ()).exists(),
                subject=subject,
                email_from=email_from,
            )
        return super().message_post(
            body=body,
            subject=subject,
            message_type=message_type,
            email_from=email_from,
            author_id=author_id,
            attachments=attachments,
            attachment_ids=attachment_ids,
            **kwargs,
        )

    @api.model
    def _payer_attachment_tuple(self, attachment):
        name, content = attachment[0], attachment[1]
        if isinstance(content, str):
            content = content.encode()
        return name, content or b""

    def _message_update_content(
        self, message, /, *, body, attachment_ids=None, partner_ids=None, strict=True, **kwargs
    ):
        # EXTENDS mail: an edited message of a customer follows the same rules as a new one.
        if self._payer_posting_is_customer(message.author_id.id, message.message_type):
            attachments = message.sudo().attachment_ids
            if attachment_ids:
                attachments |= self.env["ir.attachment"].sudo().browse(attachment_ids).exists()
            self._payer_check_customer_post(body=body or "", attachments=attachments)
        return super()._message_update_content(
            message, body=body, attachment_ids=attachment_ids, partner_ids=partner_ids, strict=strict, **kwargs
        )

    @api.model
    def _payer_decode_datas(self, values):
        """Bytes of an ``ir.attachment`` create/write values (``raw`` or base64 ``datas``)."""
        raw = values.get("raw")
        if raw:
            return raw.encode() if isinstance(raw, str) else raw
        if values.get("datas"):
            return base64.b64decode(values["datas"])
        return b""
