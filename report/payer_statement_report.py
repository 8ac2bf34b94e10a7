import io
import logging
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

import lxml.html
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from odoo import api, fields, models, modules, tools
from odoo.exceptions import UserError
from odoo.tools.pdf import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    PdfFileReader,
    PdfFileWriter,
    merge_pdf,
)

from ..models.payer_statement import PRINT_GROUPS

_logger = logging.getLogger(__name__)

REPORT_NAME = "account_payer_portal.report_payer_statement"
# Movements per wkhtmltopdf call of the statement PDF (system parameter
# ``account_payer_portal.statement_pdf_chunk``). wkhtmltopdf's time and memory grow faster than the
# document (a statement of 10,000 movements, 360 pages in one call, took 25 s and crashed one time
# in three): the PDF of a long statement is made of chunks of this many movements, one
# wkhtmltopdf call each, merged with Odoo's PDF tools.
PDF_CHUNK = 1000
# Seconds: a statement PDF still unfinished after this is given up between two chunks (well
# within Odoo's default request limit, ``limit_time_real`` 120 s).
PDF_TIME_LIMIT = 90
# wkhtmltopdf calls of one statement PDF running at once (each a process of its own).
PDF_PARALLEL = 2
CLASS_XPATH = "//*[contains(concat(' ', normalize-space(@class), ' '), ' {} ')]"


def _html_in_tests(env):
    """Odoo's own rule (``_pre_render_qweb_pdf``): in tests, a PDF report is rendered as HTML
    unless the context forces the rendering (``force_report_rendering``)."""
    return bool(modules.module.current_test or tools.config["test_enable"]) and not env.context.get(
        "force_report_rendering"
    )


def _done(result):
    """A future already done with ``result``."""
    future = Future()
    future.set_result(result)
    return future


def _without_page_numbers(footer):
    """The footer HTML of a report without its "Page x / y" (the layout's ``page`` and
    ``topage`` spans and what holds both): a chunk only knows its own pages, the merged
    statement is numbered afterwards (:meth:`_stamp_page_numbers`)."""
    root = lxml.html.fromstring(footer)
    for node in root.xpath(CLASS_XPATH.format("topage")):
        container = node
        while container.getparent() is not None and not container.xpath("." + CLASS_XPATH.format("page")):
            container = container.getparent()
        if container.getparent() is not None:
            container.getparent().remove(container)
    for node in root.xpath(CLASS_XPATH.format("page")):
        node.getparent().remove(node)
    return lxml.html.tostring(root, encoding="unicode", doctype="<!DOCTYPE html>")


def _pdf_stream(data):
    """A PDF content stream of ``data`` (bytes)."""
    stream = DecodedStreamObject()
    stream.set_data(data)
    return stream


class ReportPayerStatement(models.AbstractModel):
    """The PDF statement of account: one document per customer, for one company and period.

    ``data`` carries ``date_from`` and ``date_to`` (ISO dates) and optionally ``company_id``
    (default: the current company). ``payer_chunk`` and ``payer_chunk_size`` (set by
    :meth:`ir.actions.report._render_payer_statement_pdf`) render one chunk of the movements
    (1-based): the carried balances at its top and bottom, the title and address on the first.
    """

    _name = "report.account_payer_portal.report_payer_statement"
    _description = "Payer portal: statement of account (PDF)"

    @api.model
    def _statement_period(self, data):
        """(company, date_from, date_to) of the report's ``data`` (default: the current company,
        the last 12 months)."""
        company = self.env["res.company"].browse(data.get("company_id")) if data.get("company_id") else self.env.company
        date_from = fields.Date.to_date(data.get("date_from"))
        date_to = fields.Date.to_date(data.get("date_to"))
        if not date_from or not date_to:
            _key, _label, date_from, date_to = self.env["payer.statement"]._get_period_presets(
                self.env["payer.portal.ledger"]._today(company)
            )[-1]
        return company, date_from, date_to

    @api.model
    def _check_access(self, company, partners):
        # Odoo's generic /report routes do not check the report's groups: the statement is for
        # invoicing users of the company who read the customers in it (the portal renders it as
        # superuser, for its own customer; the cron as the user who queued it).
        if not self.env.su:
            self.env["payer.statement"]._check_statement_access(company, partners, groups=PRINT_GROUPS)

    @api.model
    def _get_report_values(self, docids, data=None):
        data = data or {}
        # With a period in ``data`` Odoo's web client leaves the record ids out of the report's
        # URL and sends them in the action's context (the statement wizard's Print).
        docids = docids or (data.get("context") or {}).get("active_ids") or []
        Statement = self.env["payer.statement"]
        company, date_from, date_to = self._statement_period(data)
        partners = self.env["res.partner"].browse(docids)
        self._check_access(company, partners)
        # in each customer's language, like the document (``t-lang``): the movements' labels too
        statements = {
            partner.id: Statement.with_context(lang=partner.lang or self.env.lang)._get_statement_data(
                partner,
                company,
                date_from,
                date_to,
                page=data.get("payer_chunk"),
                page_size=data.get("payer_chunk_size"),
            )
            for partner in partners
        }
        return {
            "doc_ids": docids,
            "doc_model": "res.partner",
            "docs": partners,
            # the header's company (``web.external_layout`` reads ``company``, and would take
            # ``company_id`` of ``data`` for a record)
            "company": company,
            "company_id": company,
            "statements": statements,
            "plain": self.env["payer.portal.ledger"]._plain,
        }


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _render_qweb_pdf(self, report_ref, res_ids=None, data=None):
        """The statement of account is rendered by :meth:`_render_payer_statement_pdf` (in
        chunks); every other report as Odoo does. Nothing is saved as an attachment (the report
        has none), so the portal's read-only routes can print it."""
        if _html_in_tests(self.env) or self._get_report(report_ref).report_name != REPORT_NAME:
            return super()._render_qweb_pdf(report_ref, res_ids=res_ids, data=data)
        data = dict(data or {})
        if isinstance(res_ids, int):
            res_ids = [res_ids]
        partner_ids = res_ids or (data.get("context") or {}).get("active_ids") or []
        return self._render_payer_statement_pdf(report_ref, partner_ids, data), "pdf"

    def _render_payer_statement_pdf(self, report_ref, partner_ids, data):
        """The statement PDF of each customer of ``partner_ids``, one after the other (bytes).

        A customer's statement of at most ``PDF_CHUNK`` movements is one wkhtmltopdf call, as
        Odoo prints any report. A longer one is rendered in chunks of ``PDF_CHUNK`` movements
        (the movements of the whole period in the statement's order, each chunk its own
        wkhtmltopdf call, with the balance brought forward at its top and carried forward at its
        bottom, the title and address on the first, each section's closing balance and aging
        where its last movement is), merged with Odoo's PDF tools and numbered "Page x / y" over
        the whole statement. While wkhtmltopdf prints a chunk, the next one is rendered (QWeb),
        and up to ``PDF_PARALLEL`` wkhtmltopdf calls run at once (in tests, one at a time).
        Memory and time per call are those of one chunk, and at most ``PDF_PARALLEL`` + 1 chunks
        are in memory as HTML; a chunk that fails (wkhtmltopdf crashing) is tried once more; a
        PDF that is not done after ``PDF_TIME_LIMIT`` seconds is given up (``UserError``)."""
        Report = self.env[f"report.{REPORT_NAME}"]
        Statement = self.env["payer.statement"]
        company, date_from, date_to = Report._statement_period(data)
        partners = self.env["res.partner"].browse(partner_ids)
        Report._check_access(company, partners)
        data = dict(data, report_type="pdf", debug=False)
        chunk_size = int(
            self.env["ir.config_parameter"].sudo().get_param("account_payer_portal.statement_pdf_chunk", PDF_CHUNK)
        )
        parallel = 1 if modules.module.current_test else PDF_PARALLEL
        deadline = time.monotonic() + PDF_TIME_LIMIT
        documents = []
        with ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="payer_statement_pdf") as pool:
            for partner in partners:
                lang = partner.lang or self.env.lang
                count = Statement.with_context(lang=lang)._get_movement_count(partner, company, date_from, date_to)
                chunks = max(1, -(-count // chunk_size))
                if chunks == 1:
                    job = self._prepare_payer_statement_chunk(report_ref, partner, data, renumber=False)
                    documents.append(self._run_payer_statement_job(job, partner))
                    continue
                futures = []
                try:
                    for chunk in range(1, chunks + 1):
                        running = [future for future in futures if not future.done()]
                        if len(running) >= parallel:
                            wait(running, timeout=max(deadline - time.monotonic(), 0), return_when=FIRST_COMPLETED)
                        self._check_payer_statement_deadline(deadline, chunk - 1, chunks)
                        for future in futures:
                            if future.done():
                                future.result()  # a failed chunk stops the statement
                        job = self._prepare_payer_statement_chunk(
                            report_ref, partner, dict(data, payer_chunk=chunk, payer_chunk_size=chunk_size)
                        )
                        if parallel == 1:
                            futures.append(_done(self._run_payer_statement_job(job, partner)))
                        else:
                            futures.append(pool.submit(self._run_payer_statement_job_in_thread, job, partner.id))
                    wait(futures, timeout=max(deadline - time.monotonic(), 0))
                    self._check_payer_statement_deadline(deadline, sum(f.done() for f in futures), chunks)
                    pdfs = [future.result() for future in futures]
                except BaseException:
                    for future in futures:
                        future.cancel()
                    raise
                documents.append(self._stamp_page_numbers(pdfs, self.with_context(lang=lang).env))
                _logger.info("Statement PDF of %s: %s movements in %s chunks of %s", partner, count, chunks, chunk_size)
        return documents[0] if len(documents) == 1 else merge_pdf(documents)

    def _check_payer_statement_deadline(self, deadline, done, chunks):
        if time.monotonic() > deadline:
            raise UserError(
                self.env._(
                    "The statement PDF took more than %(seconds)s seconds: stopped after %(done)s of "
                    "%(chunks)s parts.",
                    seconds=PDF_TIME_LIMIT,
                    done=done,
                    chunks=chunks,
                )
            )

    def _prepare_payer_statement_chunk(self, report_ref, partner, data, renumber=True):
        """The statement of ``partner`` for ``data`` (one chunk, or the whole statement) as the
        arguments of :meth:`_run_wkhtmltopdf`, without the layout's page numbers if ``renumber``."""
        report = self._get_report(report_ref).with_context(debug=False)
        html = self.with_context(debug=False, webp_as_jpg=True)._render_qweb_html(report_ref, partner.ids, data=data)[0]
        bodies, _res_ids, header, footer, paperformat_args = report._prepare_html(html, report_model=report.model)
        return {
            "bodies": bodies,
            "report_ref": report_ref,
            "header": header,
            "footer": _without_page_numbers(footer) if renumber else footer,
            "landscape": self.env.context.get("landscape"),
            "specific_paperformat_args": paperformat_args,
            "set_viewport_size": self.env.context.get("set_viewport_size"),
        }

    def _run_payer_statement_chunk(self, report_ref, partner, data, renumber):
        return self._run_payer_statement_job(
            self._prepare_payer_statement_chunk(report_ref, partner, data, renumber), partner
        )

    def _run_payer_statement_job(self, job, partner):
        """wkhtmltopdf of one chunk (:meth:`_prepare_payer_statement_chunk`), tried twice."""
        for attempt in (1, 2):
            try:
                return self._run_wkhtmltopdf(**job)
            except UserError:
                if attempt == 2:
                    raise
                _logger.warning("Statement PDF of %s: wkhtmltopdf failed, trying once more", partner)
        return None  # not reached

    def _run_payer_statement_job_in_thread(self, job, partner_id):
        """:meth:`_run_payer_statement_job` in a thread of the pool: its own (read-only) cursor;
        wkhtmltopdf fetches the report's assets without the visitor's session (they are public)."""
        with self.env.registry.cursor(readonly=True) as cr:
            env = api.Environment(cr, self.env.uid, self.env.context, su=self.env.su)
            return env["ir.actions.report"]._run_payer_statement_job(job, env["res.partner"].browse(partner_id))

    def _stamp_page_numbers(self, pdfs, env):
        """The chunks ``pdfs`` merged into one PDF numbered "Page x / y" at the bottom right of
        each page (in ``env``'s language), since wkhtmltopdf numbers the pages of one call only.

        Each page gets a content stream of its own (Helvetica, a standard PDF font), after its
        own content saved and restored: the pages' content is not parsed nor rewritten (PyPDF2's
        ``merge_page`` does, and takes minutes for a few hundred pages)."""
        writer = PdfFileWriter()
        pages = [page for pdf in pdfs for page in PdfFileReader(io.BytesIO(pdf), strict=False).pages]
        font = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
                NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
            }
        )
        save = writer._add_object(_pdf_stream(b"q\n"))
        for number, page in enumerate(pages, start=1):
            resources = page.get("/Resources")
            if resources is not None:
                resources = resources.get_object()
                if "/Font" not in resources:
                    resources[NameObject("/Font")] = DictionaryObject()
                resources["/Font"].get_object()[NameObject("/FPayerPage")] = font
                text = env._("Page %(page)s / %(pages)s", page=number, pages=len(pages))
                _left, bottom, right, _top = (float(value) for value in page.mediabox)
                literal = text.encode("cp1252", "replace")
                for char in (b"\\", b"(", b")"):
                    literal = literal.replace(char, b"\\" + char)
                x, y = right - 10 * mm - stringWidth(text, "Helvetica", 8), bottom + 6 * mm
                stamp = writer._add_object(
                    _pdf_stream(b"Q q BT /FPayerPage 8 Tf 0.45 g %.2f %.2f Td (%s) Tj ET Q\n" % (x, y, literal))
                )
                contents = page.raw_get("/Contents") if "/Contents" in page else None
                resolved = contents.get_object() if contents is not None else None
                if isinstance(resolved, ArrayObject):
                    contents = list(resolved)
                else:
                    contents = [contents] if contents is not None else []
                page[NameObject("/Contents")] = ArrayObject([save, *contents, stamp])
            writer.add_page(page)
        with io.BytesIO() as stream:
            writer.write(stream)
            return stream.getvalue()
