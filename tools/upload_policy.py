"""What a customer may send on the payer portal: limits and content checks over the bytes of a file.

Pure functions, no ORM: the model ``payer.customer.post.mixin`` applies them on every path by which a
customer posts (our forms, Odoo's mail routes, JSON-RPC) and ``ir.attachment`` on the uploads.

Types are an allowlist: a file is accepted only if its content is what its extension says (the
type sniffed by Odoo's ``guess_mimetype`` must be one the extension allows, and our own stricter
check of the content must pass: whole-file checks where ``guess_mimetype`` reads only 2 KB).
"""

import io
import re
import sys
import warnings
import zipfile

from PIL import Image

from odoo.tools.mimetypes import guess_mimetype

TEXT_MAX_LENGTH = 5000  # a description, a message, a question (characters of text)
HTML_MAX_LENGTH = 10 * TEXT_MAX_LENGTH  # the markup of a message sent as HTML (Odoo's chatter)
CATEGORY_OTHER_MAX_LENGTH = 100
SUBJECT_MAX_LENGTH = 200
EMAIL_MAX_LENGTH = 254  # RFC 5321

UPLOAD_MAX_SIZE = 10 * 1024 * 1024  # 10 MB per file
UPLOAD_MAX_FILES = 10
# Decoding a picture costs memory and time in proportion to its pixels, whatever its file size:
# bounded from the header, before anything decodes it.
IMAGE_MAX_PIXELS = 40_000_000  # per picture
IMAGE_MAX_PIXELS_TOTAL = 200_000_000  # per message or request

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OLE_MIMETYPES = {
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-outlook",
    "application/vnd.ms-powerpoint",
    "application/cdfv2",
    "application/x-ole-storage",
    "application/octet-stream",
}
_ZIP_MIMETYPES = {"application/zip", "application/octet-stream"}
_OOXML = {
    "docx": ("word/", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ("xl/", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
_ODF = {
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}
_IMAGES = {
    "png": ("PNG", {"image/png"}),
    "jpg": ("JPEG", {"image/jpeg"}),
    "jpeg": ("JPEG", {"image/jpeg"}),
    "gif": ("GIF", {"image/gif"}),
    "webp": ("WEBP", {"image/webp"}),
    # Odoo's own sniffing (without libmagic) does not know TIFF: the header check decides.
    "tif": ("TIFF", {"image/tiff", "application/octet-stream"}),
    "tiff": ("TIFF", {"image/tiff", "application/octet-stream"}),
}
_PIL_FORMATS = ["PNG", "JPEG", "GIF", "BMP"]  # the plugins Odoo lets PIL load (odoo.tools.image)
_TEXT_EXTENSIONS = {"txt", "csv", "eml"}
_OLE_EXTENSIONS = {"doc", "xls", "msg"}

UPLOAD_EXTENSIONS = frozenset({"pdf", *_IMAGES, *_OOXML, *_ODF, *_OLE_EXTENSIONS, *_TEXT_EXTENSIONS})

# Sniffed types that are never text a person wrote (libmagic names scripts and markup precisely).
_CODE_MIMETYPE = re.compile(
    r"html|xml|svg|script|php|python|perl|ruby|x-sh|shellscript|batch|javascript|java|lua|tcl|awk|executable|"
    r"dosexec|msdownload|mach|elf"
)
# Markup, scripts and programs anywhere in a text file (case-insensitive).
_TEXT_MARKERS = re.compile(
    r"<\s*/?\s*(?:html|head|body|script|iframe|frame|frameset|svg|object|embed|applet|meta|link|style|img|image|"
    r"form|input|base|math|xml|xsl|a\s)"  # HTML, SVG, XML elements
    r"|<[!?%]"  # <!DOCTYPE, <!--, <?php, <?xml, <% (ASP, JSP)
    r"|\b(?:java|vb|live)script\s*:"
    r"|\A\s*#!"  # a Unix script (shebang)
    r"|^\s*@?\s*echo\s+off\b|%comspec%|\bcmd(?:\.exe)?\s+/c\b|^\s*(?:set\s+/[pa]|goto\s+:?\w|call\s+:\w)"  # batch
    r"|\bwscript\s*\.|\bcscript\b|\bcreateobject\s*\(|\bgetobject\s*\(|\bexecuteglobal\b|\bmsgbox\b"  # VBScript
    r"|\bpowershell\b|\binvoke-expression\b|\biex\s*\(|-encodedcommand\b",  # PowerShell
    re.IGNORECASE | re.MULTILINE,
)
# Python source (case-sensitive: "Import duties were charged twice" is a sentence).
_PYTHON_MARKERS = re.compile(
    r"^\s*(?:import\s+[A-Za-z_][\w.]*(?:\s+as\s+\w+)?\s*(?:,\s*[A-Za-z_][\w.]*\s*)*$"
    r"|from\s+[\w.]+\s+import\s+[\w*(]"
    r"|def\s+\w+\s*\(.*\)\s*(?:->.*)?:\s*$"
    r"|class\s+\w+\s*(?:\(.*\))?:\s*$)"
    r"|\b(?:__import__|exec|eval|compile)\s*\(|\bos\.system\b|\bsubprocess\b",
    re.MULTILINE,
)
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def extension_of(name):
    return name.rsplit(".", 1)[-1].lower() if name and "." in name else ""


def _webp_pixels(content):
    """Canvas of a WEBP from its first chunk (VP8, VP8L or VP8X), 0 if unreadable."""
    kind = content[12:16]
    if kind == b"VP8 " and len(content) >= 30 and content[23:26] == b"\x9d\x01\x2a":
        width = int.from_bytes(content[26:28], "little") & 0x3FFF
        height = int.from_bytes(content[28:30], "little") & 0x3FFF
    elif kind == b"VP8L" and len(content) >= 25 and content[20] == 0x2F:
        bits = int.from_bytes(content[21:25], "little")
        width, height = (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    elif kind == b"VP8X" and len(content) >= 30:
        width = int.from_bytes(content[24:27], "little") + 1
        height = int.from_bytes(content[27:30], "little") + 1
    else:
        return 0
    return width * height


def _tiff_pixels(content, max_pages=1000):
    """Pixels of every page of a TIFF from its directories (IFD), 0 if unreadable."""
    order = "little" if content[:2] == b"II" else "big"

    def number(offset, size):
        if offset + size > len(content):
            raise ValueError(offset)
        return int.from_bytes(content[offset : offset + size], order)

    total, offset, pages = 0, number(4, 4), 0
    try:
        while offset and pages < max_pages:
            count = number(offset, 2)
            width = height = 0
            for index in range(count):
                entry = offset + 2 + 12 * index
                tag, kind = number(entry, 2), number(entry + 2, 2)
                value = number(entry + 8, 2) if kind == 3 else number(entry + 8, 4) if kind == 4 else 0
                if tag == 256:
                    width = value
                elif tag == 257:
                    height = value
            if not (width and height):
                return 0
            total += width * height
            pages += 1
            offset = number(offset + 2 + 12 * count, 4)
    except ValueError:
        return 0
    return total


def image_header(content, formats=None):
    """``(format, pixels)`` read from the picture's header only, without decoding it; ``(None, 0)``
    if it is not a picture (of one of ``formats``).

    PNG, JPEG, GIF and BMP through PIL, which reads the header when it opens a file (decoding
    waits for ``load``); WEBP and TIFF by their own headers, as Odoo keeps PIL's plugins for them
    unloaded. A picture so large that PIL refuses even to open it counts as ``sys.maxsize`` pixels.
    """
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        image_format, pixels = "WEBP", _webp_pixels(content)
    elif content[:4] in (b"II*\x00", b"MM\x00*"):
        image_format, pixels = "TIFF", _tiff_pixels(content)
    else:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                with Image.open(io.BytesIO(content), formats=_PIL_FORMATS) as image:
                    width, height = image.size
                    image_format, pixels = image.format, width * height
        except Image.DecompressionBombError:
            image_format, pixels = None, sys.maxsize
        except Exception:  # PIL raises many kinds of errors on a malformed header
            return None, 0
    if formats and image_format not in formats and pixels != sys.maxsize:
        return None, 0
    return image_format, pixels


def _zip_names(content):
    try:
        with io.BytesIO(content) as stream, zipfile.ZipFile(stream) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return None


def _is_ooxml(content, extension):
    folder, _mimetype = _OOXML[extension]
    names = _zip_names(content)
    if not names or "[Content_Types].xml" not in names:
        return False
    # Macros (vbaProject.bin) make a .docm / .xlsm, whatever the name says.
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        return False
    return any(name.startswith(folder) for name in names)


def _is_odf(content, extension):
    try:
        with io.BytesIO(content) as stream, zipfile.ZipFile(stream) as archive:
            names = archive.namelist()
            if "mimetype" not in names or archive.getinfo("mimetype").file_size > 256:
                return False
            if archive.read("mimetype").decode("ascii", "replace").strip() != _ODF[extension]:
                return False
    except (zipfile.BadZipFile, ValueError, OSError, KeyError):
        return False
    # Macros live in Basic/ and Scripts/.
    return not any(name.startswith(("Basic/", "Scripts/")) for name in names)


def _decode_text(content):
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "cp1252")
    for encoding in encodings:
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def is_plain_text(content):
    """Text a person wrote: decodable, no NUL nor control characters, and no markup, script or
    program markers anywhere in the file (not only in its first 2 KB)."""
    text = _decode_text(content)
    if text is None or _CONTROL_CHARACTERS.search(text):
        return False
    return not (_TEXT_MARKERS.search(text) or _PYTHON_MARKERS.search(text))


def content_allowed(name, content):
    """Whether ``content`` is what the extension of ``name`` says, among the allowed types."""
    extension = extension_of(name)
    if extension not in UPLOAD_EXTENSIONS or not content:
        return False
    sniffed = (guess_mimetype(content, default="application/octet-stream") or "").lower()
    if extension == "pdf":
        return sniffed == "application/pdf" and content.startswith(b"%PDF-")
    if extension in _IMAGES:
        expected_format, mimetypes = _IMAGES[extension]
        image_format, pixels = image_header(content, formats=[expected_format])
        return sniffed in mimetypes and image_format == expected_format and pixels > 0
    if extension in _OOXML:
        return sniffed in _ZIP_MIMETYPES | {_OOXML[extension][1]} and _is_ooxml(content, extension)
    if extension in _ODF:
        return sniffed in _ZIP_MIMETYPES | {_ODF[extension]} and _is_odf(content, extension)
    if extension in _OLE_EXTENSIONS:
        return sniffed in _OLE_MIMETYPES and content.startswith(OLE_MAGIC)
    # txt, csv, eml
    sniffed_is_text = sniffed.startswith("text/") or sniffed in {"message/rfc822", "application/csv"}
    return sniffed_is_text and not _CODE_MIMETYPE.search(sniffed) and is_plain_text(content)
