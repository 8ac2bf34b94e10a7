from odoo.exceptions import UserError
from odoo.http import request, route

from odoo.addons.mail.controllers.attachment import AttachmentController


class PayerAttachmentController(AttachmentController):
    @route()
    def mail_attachment_upload(self, ufile, thread_id, thread_model, is_pending=False, **kwargs):
        # EXTENDS mail: an upload onto a dispute or an invoice names its document to
        # ``ir.attachment``, which applies the customer's rules (also to a pending upload, whose
        # values do not name the document). A refused file answers like Odoo's own refusals (a
        # message the chatter shows), never a 500; nothing is stored.
        if (
            str(thread_id).isdigit()
            and thread_model in request.env
            and isinstance(request.env[thread_model], request.env.registry["payer.customer.post.mixin"])
        ):
            request.update_context(payer_upload_thread=[thread_model, int(thread_id)])
        try:
            with request.env.cr.savepoint():
                return super().mail_attachment_upload(ufile, thread_id, thread_model, is_pending=is_pending, **kwargs)
        except UserError as error:
            return request.make_json_response({"error": error.args[0]})
