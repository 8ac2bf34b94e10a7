import io

import xlsxwriter
from dateutil.relativedelta import relativedelta

from odoo import api, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, format_date
from odoo.tools.misc import formatLang

from .payer_portal_ledger import BUCKETS

# A statement period may not span more than this many years.
MAX_YEARS = 10

# Movements per page of the statement page (the PDF and the spreadsheet hold the whole period).
PAGE_SIZE = 200

# Who may print statements of account, and who may send them (post them on the customer).
PRINT_GROUPS = "account.group_account_invoice,account.group_account_readonly"
SEND_GROUPS = "account.group_account_invoice"


class PayerStatement(models.AbstractModel):
    """The statement of account of a customer for a period: the one place that builds it.

    For the customer's commercial partner, one company and a period ``[date_from, date_to]``
    (accounting dates of posted receivable move lines), per currency of the documents, in that
    currency (``amount_currency``):

    - the **opening balance**: every movement dated before ``date_from``;
    - the **movements** of the period in date order, with a running balance: one per journal
      entry, and one per **settlement across sections**, a reconciliation of one of the
      section's lines with a line of another currency (or of another account), dated at the
      reconciliation (``max_date``): "Settled by" the payment in the invoice's currency, "Applied
      to" the invoice in the payment's currency, each in its own section's amount;
    - the **closing balance**: opening balance plus movements, which is the aging's Balance Due
      as of ``date_to``;
    - the **aging** of what was open at ``date_to``: the ledger's position as of ``date_to``
      (:meth:`~payer.portal.ledger._get_sections` with ``today=date_to``), the same definition
      as the portal's of today.

    The HTML page, the PDF and the spreadsheet all render the result of
    :meth:`_get_statement_data`.
    """

    _name = "payer.statement"
    _description = "Payer portal: statement of account of a customer"

    # ------------------------------------------------------------------ checks

    @api.model
    def _check_period(self, company, date_from, date_to):
        """Raise a ``UserError`` with a message for the customer if the period is not valid."""
        if not date_from or not date_to:
            raise UserError(self.env._("Choose the first and the last day of the statement."))
        if date_from > date_to:
            raise UserError(self.env._("The start of the period must be on or before its end."))
        if (date_to.year - date_from.year, date_to.month, date_to.day) >= (MAX_YEARS, date_from.month, date_from.day):
            raise UserError(self.env._("A statement covers at most %(years)s years.", years=MAX_YEARS))
        self.env["account.move"].flush_model(["company_id", "state", "date"])
        first_date = self._first_move_date(company)
        if not first_date:
            raise UserError(self.env._("%(company)s has no accounting yet.", company=company.name))
        if date_to < first_date:
            raise UserError(
                self.env._(
                    "%(company)s has no accounting before %(date)s: choose a later period.",
                    company=company.name,
                    date=first_date,
                )
            )

    @api.model
    def _check_statement_access(self, company, partners, groups=SEND_GROUPS):
        """Raise an ``AccessError`` unless the current user may print (``groups=PRINT_GROUPS``)
        or send the statements of ``partners`` for ``company``: a user of ``groups`` who works in
        ``company`` and reads each of these customers with that company's record rules.

        Checked as the user even in sudo (the cron checks the user who queued the statements)."""
        user = self.env.user
        if not user.has_groups(groups) or company not in user.company_ids:
            raise AccessError(self.env._("You are not allowed to send or print this company's statements of account."))
        partners = partners.with_user(user).with_company(company)
        if partners._filtered_access("read") != partners:
            raise AccessError(
                self.env._("You are not allowed to send or print the statements of some of these customers.")
            )

    @api.model
    def _flush_ledger(self):
        """Write pending ORM changes of what the statement's SQL reads."""
        self.env["account.move"].flush_model(
            ["company_id", "state", "date", "name", "ref", "move_type", "origin_payment_id", "statement_line_id"]
        )
        self.env["account.move.line"].flush_model(
            [
                "partner_id",
                "parent_state",
                "account_id",
                "company_id",
                "currency_id",
                "date",
                "date_maturity",
                "amount_currency",
                "name",
                "move_id",
            ]
        )
        self.env["account.partial.reconcile"].flush_model(
            ["debit_move_id", "credit_move_id", "debit_amount_currency", "credit_amount_currency", "max_date"]
        )

    @api.model
    def _plan_without_jit(self):
        """Run the rest of the transaction's queries without PostgreSQL's JIT compilation. The
        statement's queries (a window over every movement of the period) are estimated expensive
        enough for PostgreSQL to compile them, which took 1.7 s of a 1.9 s page at 10,000
        movements (measured by `make bench`); they run in 0.15 s without it. A read-only
        transaction (a read replica) may change it: ``SET LOCAL`` ends with the transaction."""
        self.env.cr.execute(SQL("SET LOCAL jit = off"))

    @api.model
    def _first_move_date(self, company):
        """The date of the company's first posted journal entry (``None`` if there is none)."""
        rows = self.env.execute_query(
            SQL(
                "SELECT MIN(date) FROM account_move WHERE company_id = %s AND state = 'posted'",
                company.id,
            )
        )
        return rows[0][0]

    # ------------------------------------------------------------------ data

    @api.model
    def _lines_where(self, partner, company):
        """SQL condition selecting every posted receivable line of ``partner``'s account.

        The customer's contacts and the receivable accounts are searched with the ORM (the
        ledger's :meth:`~payer.portal.ledger._receivable_scope`), which writes pending changes
        first: a customer created in the same transaction, whose ``commercial_partner_id`` is
        not yet in the database, keeps its lines."""
        account_ids, partner_ids = self.env["payer.portal.ledger"]._receivable_scope(partner)
        return SQL(" AND ").join(
            [
                SQL("aml.partner_id = ANY(%s)", partner_ids),
                SQL("aml.account_id = ANY(%s)", account_ids),
                SQL("aml.parent_state = 'posted'"),
                SQL("aml.company_id = %s", company.id),
            ]
        )

    @api.model
    def _get_statement_data(self, partner, company, date_from, date_to, page=None, page_size=None):
        """Everything a statement shows; see the class docstring.

        Three SQL queries whatever the number of movements (balances, period totals and movement
        counts, the movements with their running balance by a window function, the aging as of
        ``date_to``); Python only labels the movements.

        With ``page_size``, only the movements of page ``page`` (1-based, clamped to the pages
        there are) are read: ``page_size`` movements of the whole period in the order of the
        statement (the sections in their order, each in date order), by ``LIMIT``/``OFFSET``
        after the running balance is summed over the whole period in SQL. The other figures
        (opening, totals, closing, aging) are always those of the whole period. Without it, every
        movement of the period (the PDF and the spreadsheet).

        :return: dict with ``partner`` (commercial), ``company``, ``date_from``, ``date_to``,
            ``page``, ``page_count``, ``page_size`` (``None`` when not paged),
            ``movement_count`` (of the whole period) and ``sections``: a list (company currency
            first, then by code) of dicts with ``currency``, ``opening``, ``closing``,
            ``debit``, ``credit`` (period totals), ``lines`` (of the page), ``line_count`` (of
            the period), ``brought_forward`` (the running balance before the page's first line
            when earlier lines are on other pages, else ``None``), ``carried_forward`` (the
            running balance after the page's last line when later lines are on other pages,
            else ``None``), ``starts_on_page`` / ``ends_on_page`` (the section's first / last
            movement is on this page, or it has none and its place in the order is on this
            page) and ``aging`` (a dict with the keys of the ledger's ``FIGURES``). Each line
            has ``move_id``, ``date``, ``reference``, ``description``, ``kind``, ``due_date``,
            ``debit``, ``credit`` and ``balance`` (running). Amounts are floats: exact sums (in
            SQL) of the stored amounts; credits are positive in ``credit``, negative in the aging.
        """
        partner = partner.commercial_partner_id
        self._check_period(company, date_from, date_to)
        self._flush_ledger()
        self._plan_without_jit()
        where = self._lines_where(partner, company)
        balances = self._get_balances(where, date_from, date_to)
        aging = {
            section["currency"].id: section
            for section in self.env["payer.portal.ledger"]._get_sections(partner, company, today=date_to)
        }
        Currency = self.env["res.currency"].sudo()
        currencies = Currency.browse(set(balances) | set(aging)).sorted(lambda c: (c != company.currency_id, c.name))
        counts = {currency_id: amounts[4] for currency_id, amounts in balances.items()}
        movement_count = sum(counts.values())
        page_count = max(1, -(-movement_count // page_size)) if page_size else 1
        page = min(max(int(page or 1), 1), page_count) if page_size else 1
        offset = (page - 1) * page_size if page_size else 0
        limit = page_size or movement_count
        movements = self._get_movements(where, date_from, date_to, currencies.ids, offset=offset, limit=page_size)
        sections = []
        start = 0  # position of the section's first movement in the whole statement
        for currency in currencies:
            opening, closing, debit, credit = (currency.round(a) for a in balances.get(currency.id, (0.0,) * 4)[:4])
            figures = self._aging_figures(currency)
            figures.update({key: aging[currency.id][key] for key in figures if currency.id in aging})
            lines = movements.get(currency.id, [])
            count = counts.get(currency.id, 0)
            end = start + max(count, 1) - 1  # position of its last movement (or of its place)
            sections.append(
                {
                    "currency": currency,
                    "opening": opening,
                    "closing": closing,
                    "debit": debit,
                    "credit": credit,
                    "lines": lines,
                    "line_count": count,
                    "brought_forward": lines[0]["before"] if lines and start < offset else None,
                    "carried_forward": lines[-1]["balance"] if lines and start + count > offset + limit else None,
                    "starts_on_page": min(start // limit, page_count - 1) == page - 1 if limit else True,
                    "ends_on_page": min(end // limit, page_count - 1) == page - 1 if limit else True,
                    "aging": figures,
                }
            )
            start += count
        return {
            "partner": partner,
            "company": company,
            "date_from": date_from,
            "date_to": date_to,
            "page": page,
            "page_count": page_count,
            "page_size": page_size,
            "movement_count": movement_count,
            "sections": sections,
        }

    @api.model
    def _get_movement_count(self, partner, company, date_from, date_to):
        """The number of movements of the period (what :meth:`_get_statement_data` would list):
        one SQL query, for the PDF to know its chunks before rendering them."""
        partner = partner.commercial_partner_id
        self._check_period(company, date_from, date_to)
        self._flush_ledger()
        self._plan_without_jit()
        balances = self._get_balances(self._lines_where(partner, company), date_from, date_to)
        return sum(amounts[4] for amounts in balances.values())

    @api.model
    def _entries_sql(self, where, date_from, date_to):
        """The movements up to ``date_to``, per currency: ``currency_id``, ``move_id``, ``date``,
        ``in_period``, ``partial_id``, ``label``, ``due``, ``amount``, and for a settlement the
        other side's ``other_move_id``, ``other_currency_id`` and ``other_amount``.

        - one row per journal entry and currency: ``label`` of its first line, ``due`` its
          earliest due date, ``amount`` its receivable lines summed (``partial_id`` NULL);
        - one row per reconciliation (``partial_id``) of one of these lines with a line that is
          not of the same section (another currency, or not the customer's receivable), dated
          at the reconciliation (``max_date``): the amount it took from the line, in the line's
          currency (negative for an invoice settled, positive for a payment applied).

        Every row has one date, so it is either before the period or in it."""
        return SQL(
            """
            WITH line AS MATERIALIZED (
                SELECT aml.id, aml.currency_id, aml.move_id, aml.date, aml.name, aml.date_maturity,
                       aml.amount_currency
                  FROM account_move_line aml
                 WHERE %(where)s AND aml.date <= %(date_to)s
            ), side AS (
                SELECT line.id AS line_id, line.currency_id, line.move_id, p.id AS partial_id, p.max_date,
                       -p.debit_amount_currency AS amount, p.credit_move_id AS other_id,
                       p.credit_amount_currency AS other_amount
                  FROM line
                  JOIN account_partial_reconcile p ON p.debit_move_id = line.id AND p.max_date <= %(date_to)s
             UNION ALL
                SELECT line.id, line.currency_id, line.move_id, p.id, p.max_date,
                       p.credit_amount_currency, p.debit_move_id, p.debit_amount_currency
                  FROM line
                  JOIN account_partial_reconcile p ON p.credit_move_id = line.id AND p.max_date <= %(date_to)s
            )
            SELECT line.currency_id, line.move_id, line.date, line.date >= %(date_from)s AS in_period,
                   NULL::integer AS partial_id, MIN(line.name) AS label, MIN(line.date_maturity) AS due,
                   SUM(line.amount_currency) AS amount,
                   NULL::integer AS other_move_id, NULL::integer AS other_currency_id, NULL::numeric AS other_amount
              FROM line
          GROUP BY line.currency_id, line.move_id, line.date
         UNION ALL
            SELECT side.currency_id, side.move_id, side.max_date, side.max_date >= %(date_from)s,
                   side.partial_id, NULL, NULL, side.amount,
                   other.move_id, other.currency_id, side.other_amount
              FROM side
              JOIN account_move_line other ON other.id = side.other_id
         LEFT JOIN line own_other ON own_other.id = side.other_id
             WHERE (own_other.id IS NULL OR other.currency_id != side.currency_id)
               AND side.amount != 0
            """,
            where=where,
            date_from=date_from,
            date_to=date_to,
        )

    @api.model
    def _get_balances(self, where, date_from, date_to):
        """Per currency id with any movement up to ``date_to``: (opening, closing, debit, credit,
        count), the period's debits and credits being the movements' net amounts, ``count`` the
        number of movements of the period that :meth:`_get_movements` lists."""
        rows = self.env.execute_query(
            SQL(
                """
                WITH entry AS (%s)
                SELECT currency_id,
                       COALESCE(SUM(amount) FILTER (WHERE NOT in_period), 0),
                       SUM(amount),
                       COALESCE(SUM(amount) FILTER (WHERE in_period AND amount > 0), 0),
                       COALESCE(-SUM(amount) FILTER (WHERE in_period AND amount < 0), 0),
                       COUNT(*) FILTER (WHERE in_period AND amount != 0)
                  FROM entry
              GROUP BY currency_id
                """,
                self._entries_sql(where, date_from, date_to),
            )
        )
        return {currency_id: amounts for currency_id, *amounts in rows}

    @api.model
    def _get_movements(self, where, date_from, date_to, currency_ids, offset=0, limit=None):
        """The movements of the period per currency id, in date order (then by entry, the entry
        before its settlements), with the running balance (opening balance plus the movements so
        far, summed in SQL) and ``before``, the running balance before the movement. Entries that
        net to zero in the currency (e.g. exchange differences, booked in the company currency
        only) are left out: they do not move the balance.

        The sections come in the order of ``currency_ids``; ``offset`` and ``limit`` take a page
        of the movements in that order (the running balances are summed over the whole period
        first, so a page's are those of the whole statement)."""
        rows = self.env.execute_query(
            SQL(
                """
                WITH entry AS (%(entries)s),
                opening AS (
                    SELECT currency_id, SUM(amount) AS amount FROM entry WHERE NOT in_period GROUP BY currency_id
                )
                SELECT entry.currency_id, entry.move_id, entry.date, move.name, move.ref, move.move_type,
                       move.origin_payment_id IS NOT NULL OR move.statement_line_id IS NOT NULL,
                       entry.label, entry.due, entry.amount,
                       COALESCE(opening.amount, 0) + SUM(entry.amount) OVER running,
                       COALESCE(opening.amount, 0) + SUM(entry.amount) OVER running - entry.amount,
                       entry.partial_id, other_move.name, entry.other_currency_id, entry.other_amount
                  FROM entry
                  JOIN account_move move ON move.id = entry.move_id
             LEFT JOIN account_move other_move ON other_move.id = entry.other_move_id
             LEFT JOIN opening ON opening.currency_id = entry.currency_id
                 WHERE entry.in_period AND entry.amount != 0
                WINDOW running AS (
                           PARTITION BY entry.currency_id
                           ORDER BY entry.date, move.name, entry.move_id, entry.partial_id NULLS FIRST
                           ROWS UNBOUNDED PRECEDING
                       )
              ORDER BY array_position(%(currency_ids)s::integer[], entry.currency_id),
                       entry.date, move.name, entry.move_id, entry.partial_id NULLS FIRST
                OFFSET %(offset)s
                 LIMIT %(limit)s
                """,
                entries=self._entries_sql(where, date_from, date_to),
                currency_ids=list(currency_ids),
                offset=offset,
                limit=limit,
            )
        )
        kind_labels = {
            "invoice": self.env._("Invoice"),
            "credit_note": self.env._("Credit Note"),
            "payment": self.env._("Payment"),
            "other": self.env._("Other"),
        }
        Currency = self.env["res.currency"].sudo()
        movements = {}
        for (
            currency_id,
            move_id,
            date,
            name,
            ref,
            move_type,
            is_payment,
            label,
            due,
            amount,
            balance,
            before,
            partial_id,
            other_name,
            other_currency_id,
            other_amount,
        ) in rows:
            if partial_id:
                other = self._format_amount(Currency.browse(other_currency_id), other_amount)
                if amount < 0:
                    description = self.env._("Settled by %(entry)s (%(amount)s)", entry=other_name, amount=other)
                else:
                    description = self.env._("Applied to %(entry)s (%(amount)s)", entry=other_name, amount=other)
                kind, due = "settlement", None
            else:
                if move_type == "out_invoice":
                    kind = "invoice"
                elif move_type == "out_refund":
                    kind = "credit_note"
                else:
                    kind = "payment" if is_payment else "other"
                details = ref or (label if kind in ("payment", "other") else None)
                description = f"{kind_labels[kind]}: {details}" if details and details != name else kind_labels[kind]
            movements.setdefault(currency_id, []).append(
                {
                    "move_id": move_id,
                    "date": date,
                    "reference": name,
                    "description": description,
                    "kind": kind,
                    "due_date": due if kind == "invoice" or (kind != "settlement" and amount > 0) else None,
                    "debit": amount if amount > 0 else 0.0,
                    "credit": -amount if amount < 0 else 0.0,
                    "balance": balance,
                    "before": before,
                }
            )
        return movements

    @api.model
    def _format_amount(self, currency, amount):
        """``EUR 1,000.00``: the ISO code and the amount in the user's language (no symbol, so
        that two currencies with the same symbol are told apart)."""
        return f"{currency.name} {formatLang(self.env, currency.round(amount), digits=currency.decimal_places)}"

    @api.model
    def _aging_figures(self, currency, amounts=None):
        """The ledger's figures (outstanding, buckets, credits, balance due) from the bucket sums."""
        amounts = amounts or (0.0,) * (len(BUCKETS) + 1)
        figures = dict(zip(BUCKETS, (currency.round(a or 0.0) for a in amounts[: len(BUCKETS)]), strict=True))
        figures["outstanding"] = currency.round(sum(figures.values()))
        figures["credits"] = currency.round(amounts[len(BUCKETS)] or 0.0)
        figures["balance_due"] = currency.round(figures["outstanding"] + figures["credits"])
        return figures

    # ------------------------------------------------------------------ periods

    @api.model
    def _get_period_presets(self, today):
        """The periods offered by the Get Statement dialog: list of (key, label, from, to)."""
        month_start = today.replace(day=1)
        quarter_start = month_start.replace(month=3 * ((today.month - 1) // 3) + 1)
        last_quarter_start = quarter_start - relativedelta(months=3)
        return [
            ("this_month", self.env._("This month"), month_start, today),
            (
                "last_month",
                self.env._("Last month"),
                month_start - relativedelta(months=1),
                month_start - relativedelta(days=1),
            ),
            ("this_quarter", self.env._("This quarter"), quarter_start, today),
            ("last_quarter", self.env._("Last quarter"), last_quarter_start, quarter_start - relativedelta(days=1)),
            ("this_year", self.env._("This year"), today.replace(month=1, day=1), today),
            ("last_12_months", self.env._("Last 12 months"), today - relativedelta(years=1, days=-1), today),
        ]

    # ------------------------------------------------------------------ spreadsheet

    @api.model
    def _xlsx_date_format(self):
        """The spreadsheet's date format in the language of the statement (``dd/mm/yyyy`` in French)."""
        pattern = self.env["res.lang"]._get_data(code=self.env.lang or "en_US").date_format or "%Y-%m-%d"
        directives = (("%d", "dd"), ("%m", "mm"), ("%Y", "yyyy"), ("%y", "yy"), ("%b", "mmm"), ("%B", "mmmm"))
        for directive, excel in directives:
            pattern = pattern.replace(directive, excel)
        return pattern if "%" not in pattern else "yyyy-mm-dd"

    @api.model
    def _get_statement_xlsx(self, data):
        """The statement ``data`` (of :meth:`_get_statement_data`) as an XLSX file (bytes): one
        sheet per currency, amounts as numbers in the currency's precision.

        Every text (names, references, labels) is written as text with ``write_string``, never
        with ``write``, which would turn a customer named ``=HYPERLINK(...)`` into a formula."""
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(
            output, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
        )
        bold = workbook.add_format({"bold": True})
        title = workbook.add_format({"bold": True, "font_size": 14})
        date_format = workbook.add_format({"num_format": self._xlsx_date_format()})
        headers = [
            self.env._("Date"),
            self.env._("Reference"),
            self.env._("Description"),
            self.env._("Due Date"),
            self.env._("Debit"),
            self.env._("Credit"),
            self.env._("Balance"),
        ]
        labels = self.env["payer.portal.ledger"]._figure_labels()
        # the aging rows of the page and the PDF
        aging_labels = [(key, labels[key]) for key in (*BUCKETS, "credits", "balance_due")]
        sections = data["sections"] or [
            {
                "currency": data["company"].currency_id,
                "opening": 0.0,
                "closing": 0.0,
                "lines": [],
                "aging": self._aging_figures(data["company"].currency_id),
            }
        ]
        for section in sections:
            currency = section["currency"]
            number_format = "#,##0" + ("." + "0" * currency.decimal_places if currency.decimal_places else "")
            money = workbook.add_format({"num_format": number_format})
            money_bold = workbook.add_format({"bold": True, "num_format": number_format})
            sheet = workbook.add_worksheet(currency.name)
            sheet.set_column(0, 0, 12)
            sheet.set_column(1, 1, 20)
            sheet.set_column(2, 2, 40)
            sheet.set_column(3, 3, 12)
            sheet.set_column(4, 6, 15)
            sheet.write_string(0, 0, self.env._("Statement of account"), title)
            sheet.write_string(1, 0, data["company"].name)
            sheet.write_string(2, 0, data["partner"].name or "", bold)
            sheet.write_string(3, 0, self.env._("From"))
            sheet.write_datetime(3, 1, data["date_from"], date_format)
            sheet.write_string(3, 2, self.env._("To"))
            sheet.write_datetime(3, 3, data["date_to"], date_format)
            sheet.write_string(4, 0, self.env._("Currency"))
            sheet.write_string(4, 1, currency.name)
            row = 6
            for column, header in enumerate(headers):
                sheet.write_string(row, column, header, bold)
            row += 1
            sheet.write_datetime(row, 0, data["date_from"], date_format)
            sheet.write_string(row, 2, self.env._("Opening balance"), bold)
            sheet.write_number(row, 6, section["opening"], money_bold)
            for line in section["lines"]:
                row += 1
                sheet.write_datetime(row, 0, line["date"], date_format)
                sheet.write_string(row, 1, line["reference"] or "")
                sheet.write_string(row, 2, line["description"] or "")
                if line["due_date"]:
                    sheet.write_datetime(row, 3, line["due_date"], date_format)
                if line["debit"]:
                    sheet.write_number(row, 4, line["debit"], money)
                if line["credit"]:
                    sheet.write_number(row, 5, line["credit"], money)
                sheet.write_number(row, 6, line["balance"], money)
            row += 1
            sheet.write_datetime(row, 0, data["date_to"], date_format)
            sheet.write_string(row, 2, self.env._("Closing balance"), bold)
            sheet.write_number(row, 4, section.get("debit", 0.0), money_bold)
            sheet.write_number(row, 5, section.get("credit", 0.0), money_bold)
            sheet.write_number(row, 6, section["closing"], money_bold)
            row += 2
            sheet.write_string(
                row, 0, self.env._("Aging as of %(date)s", date=format_date(self.env, data["date_to"])), bold
            )
            for key, label in aging_labels:
                row += 1
                sheet.write_string(row, 2, label)
                sheet.write_number(row, 6, section["aging"][key], money)
        workbook.close()
        return output.getvalue()
