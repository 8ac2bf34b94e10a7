from odoo import api, models
from odoo.exceptions import UserError

from ..tools.upload_policy import IMAGE_MAX_PIXELS, image_header


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    @api.model
    def _payer_upload_thread(self):
        """The document of the payer portal (dispute, invoice) a customer uploads onto through Odoo's
        upload route (``payer_upload_thread`` = ``[model, id]``, set by the route, also for pending
        uploads, whose values do not name the document yet), or ``None``."""
        target = self.env.context.get("payer_upload_thread")
        if not target or self.env.user._is_internal():
            return None
        model, res_id = target
        if model not in self.env or not isinstance(self.env[model], self.env.registry["payer.customer.post.mixin"]):
            return None
        return self.env[model].sudo().browse(int(res_id)).exists() or None

    @api.model_create_multi
    def create(self, vals_list):
        # EXTENDS base: a customer's upload onto a dispute or an invoice follows the customer's
        # rules (size, count, type by content, picture size; a closed dispute takes no file),
        # checked before anything is written or decoded.
        thread = self._payer_upload_thread()
        if thread is not None:
            Mixin = self.env["payer.customer.post.mixin"]
            thread._payer_check_customer_upload(
                [(vals.get("name") or "", Mixin._payer_decode_datas(vals)) for vals in vals_list]
            )
        for vals in vals_list:
            self._payer_check_thumbnail(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._payer_check_thumbnail(vals)
        return super().write(vals)

    @api.model
    def _payer_check_thumbnail(self, vals):
        # A thumbnail (set by the chatter for PDFs, also by customers) is an image Odoo decodes.
        if vals.get("thumbnail") and not self.env.user._is_internal():
            _format, pixels = image_header(
                self.env["payer.customer.post.mixin"]._payer_decode_datas({"datas": vals["thumbnail"]})
            )
            if pixels > IMAGE_MAX_PIXELS:
                raise UserError(self._payer_image_too_large_message())

    def _payer_image_too_large_message(self):
        return self.env._(
            "This picture is too large: pictures are limited to %(megapixels)s megapixels.",
            megapixels=IMAGE_MAX_PIXELS // 1_000_000,
        )

    def _postprocess_contents(self, values):
        # EXTENDS base: Odoo decodes pictures to resize them. One over the bound is never decoded:
        # refused from a customer (portal, public, guest), kept as sent from an internal user or the
        # mail gateway (a picture so large would otherwise cost seconds and hundreds of MB, or a 500).
        mimetype = self._compute_mimetype(values)
        if mimetype.startswith("image/"):
            _format, pixels = image_header(self.env["payer.customer.post.mixin"]._payer_decode_datas(values))
            if pixels > IMAGE_MAX_PIXELS:
                if not self.env.user._is_internal():
                    raise UserError(self._payer_image_too_large_message())
                values["mimetype"] = mimetype
                return values
        return super()._postprocess_contents(values)
