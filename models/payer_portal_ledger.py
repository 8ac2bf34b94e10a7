from datetime import datetime

import pytz

from odoo import api, models
from odoo.tools import SQL, float_repr, format_amount
from odoo.tools.misc import formatLang

# Documents TO PAY pays as invoices (an open sales receipt too); credits are any document whose
# open lines are all credits.
PAYABLE_INVOICE_TYPES = ("out_invoice", "out_receipt")
# Transactions that still may, or did, take the customer's money: they make a document unpayable
# until they end. Drafts and errors are replaced when the customer starts again (see
# ``payer.payment._release_stale_transactions``): at most one live transaction covers an invoice.
LIVE_TX_STATES = ("pending", "authorized")
STALE_TX_STATES = ("draft", "error")
# A transaction that took the money is live until Odoo has posted its payment: the rule as a domain
# (``LIVE_TX_DOMAIN``, for searches) and on a record (``is_live_transaction``).
LIVE_TX_DOMAIN = ["|", ("state", "in", LIVE_TX_STATES), "&", ("state", "=", "done"), ("is_post_processed", "=", False)]


def is_live_transaction(tx):
    """The transaction may have taken, or may take, the customer's money without a new action."""
    return tx.state in LIVE_TX_STATES or (tx.state == "done" and not tx.is_post_processed)


# The aging ranges, in the order the portal shows them, after "outstanding".
BUCKETS = ("amount_due", "days_0_30", "days_31_60", "days_61_90", "days_over_90")
# The cursor cache key of :meth:`PayerPortalLedger._plan_serially` (set for the transaction).
SERIAL_PLANS_KEY = "account_payer_portal.serial_plans"
FIGURES = ("outstanding", *BUCKETS, "credits", "balance_due")


class PayerPortalLedger(models.AbstractModel):
    """The one place that reads a customer's receivable position.

    Every figure of the payer portal (page, emails, reports, backend, statements) comes from
    here, read with SQL from the posted receivable move lines of the customer's commercial
    partner, per company and per currency of the document, **as of a day** (today for the
    portal): what is dated on or before that day counts, entries and reconciliations alike
    (a reconciliation is dated at the later of its two lines, Odoo's ``max_date``). Each line's
    residual as of the day is its stored residual plus what reconciliations dated after the day
    took from it (:meth:`_open_lines_as_of_sql`, the one definition):

    - a line with a positive residual is owed by the customer (an invoice or an installment of
      one, a debit entry); it is aged from its own due date (``date_maturity``);
    - a line with a negative residual is a credit (credit note, unallocated payment, overpayment);
    - ``balance_due`` is the sum of every residual: the customer's receivable balance.

    "Today" is the date in the company's timezone (the ``tz`` of the company's partner, UTC when
    unset), for every customer: aging is the company's view of its receivables.
    """

    _name = "payer.portal.ledger"
    _description = "Payer portal: receivable position of a customer"

    # ------------------------------------------------------------------ helpers

    @api.model
    def _today(self, company=None):
        """Today's date in the company's timezone (the one "today" of every aging figure)."""
        company = company or self.env.company
        return self._today_in(company.partner_id.tz)

    @api.model
    def _today_in(self, tz_name):
        """Today's date in the timezone ``tz_name`` (UTC when unset or unknown)."""
        tz_name = tz_name or "UTC"
        try:
            tz = pytz.timezone(tz_name)
        except pytz.UnknownTimeZoneError:
            tz = pytz.utc
        return datetime.now(tz).date()

    @api.model
    def _customer_companies(self, partner):
        """Companies whose documents a customer sees when it logs in (and in an account manager's
        preview, within the manager's companies): the companies of its portal users, else all.
        A signed link opens its own company only (``payer.portal.access``)."""
        users = (
            self.env["res.users"]
            .sudo()
            .search([("partner_id.commercial_partner_id", "=", partner.commercial_partner_id.id), ("share", "=", True)])
        )
        return users.company_ids or self.env["res.company"].sudo().search([("active", "=", True)])

    @api.model
    def _companies_for(self, partner, companies=None):
        """Companies whose documents may be shown: the given ones, else the user's."""
        return companies if companies is not None else self.env.user.company_ids

    @api.model
    def _plan_serially(self):
        """Plan the rest of the transaction's queries without parallel workers.

        The ledger's queries read one customer's lines through indexes: a few thousand rows at
        most. When PostgreSQL misjudges one (the reconciliations dated after today, on a database
        with few of them, were planned with two workers to find none), starting the workers
        costs more than the query, and under load takes the cores other requests need. Once per
        transaction (``SET LOCAL`` ends with it; a read replica's read-only transaction may set it).
        """
        cr = self.env.cr
        if cr.cache.get(SERIAL_PLANS_KEY):
            return
        cr.execute(SQL("SET LOCAL max_parallel_workers_per_gather = 0"))
        cr.cache[SERIAL_PLANS_KEY] = True
        for hook in (cr.postcommit, cr.postrollback):
            hook.add(lambda: cr.cache.pop(SERIAL_PLANS_KEY, None))

    @api.model
    def _flush(self):
        """Write pending ORM changes of everything our SQL reads (and plan it serially:
        :meth:`_plan_serially`)."""
        self._plan_serially()
        self.env["account.move.line"].flush_model(
            [
                "partner_id",
                "parent_state",
                "account_id",
                "reconciled",
                "amount_residual_currency",
                "amount_currency",
                "company_id",
                "currency_id",
                "date_maturity",
                "date",
                "move_id",
                "amount_residual_currency",
            ]
        )
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        self.env["account.account"].flush_model(["account_type"])
        self.env["account.partial.reconcile"].flush_model(
            [
                "debit_move_id",
                "credit_move_id",
                "debit_amount_currency",
                "credit_amount_currency",
                "max_date",
                "company_id",
            ]
        )

    @api.model
    def _receivable_scope(self, partner):
        """(receivable account ids, ids of every contact of the commercial partner): the keys of
        Odoo's partial index on open lines, ``(account_id, partner_id) WHERE reconciled IS NOT TRUE``."""
        accounts = self.env["account.account"].sudo().with_context(active_test=False)
        contacts = self.env["res.partner"].sudo().with_context(active_test=False)
        # Ordered by id: the accounts' own order (by code) costs more than the search.
        return (
            accounts.search([("account_type", "=", "asset_receivable")], order="id").ids or [0],
            contacts.search([("commercial_partner_id", "=", partner.commercial_partner_id.id)], order="id").ids or [0],
        )

    @api.model
    def _open_lines_where(self, partner, companies, company=None, currency=None, scope=None):
        """SQL condition selecting the open receivable lines of ``partner``'s account."""
        account_ids, partner_ids = scope or self._receivable_scope(partner)
        clauses = [
            SQL("aml.account_id = ANY(%s)", account_ids),
            SQL("aml.partner_id = ANY(%s)", partner_ids),
            SQL("aml.reconciled IS NOT TRUE"),
            SQL("aml.parent_state = 'posted'"),
            SQL("aml.amount_residual_currency != 0"),
            SQL("aml.company_id = ANY(%s)", companies.ids or [0]),
        ]
        if company:
            clauses.append(SQL("aml.company_id = %s", company.id))
        if currency:
            clauses.append(SQL("aml.currency_id = %s", currency.id))
        return SQL(" AND ").join(clauses)

    @api.model
    def _day_sql(self, column, days):
        """SQL of the day of a row: ``days`` (company id -> date) by the company id in ``column``
        (a constant for one company, which the planner compares with the indexes)."""
        if len(set(days.values())) == 1:
            return SQL("%s::date", next(iter(days.values())))
        return SQL(
            "(CASE %s %s END)",
            column,
            SQL(" ").join(SQL("WHEN %s THEN %s::date", cid, day) for cid, day in days.items()),
        )

    @api.model
    def _open_lines_as_of_sql(self, partner, companies, days, company=None, currency=None, scope=None):
        """The one definition of the position as of a day: a SQL query of ``partner``'s posted
        receivable lines open at the end of their company's day (``days``: company id -> date),
        with ``id, company_id, currency_id, move_id, due, residual, later``.

        A line counts when it is dated on or before the day; its ``residual`` (in its currency)
        is the stored one plus ``later``, what the reconciliations dated after the day (Odoo's
        ``max_date``, the later date of the two lines) took from it. Those reconciliations are
        read first (by ``max_date``, indexed here; usually there are none for today); the open
        lines are then read through Odoo's partial index on unreconciled lines, and a reconciled
        line only when such a reconciliation touches it.
        """
        account_ids, partner_ids = scope or self._receivable_scope(partner)
        company_ids = [company.id] if company else companies.ids or [0]
        days = {cid: day for cid, day in days.items() if cid in company_ids} or {0: min(days.values())}
        own = [
            SQL("aml.account_id = ANY(%s)", account_ids),
            SQL("aml.partner_id = ANY(%s)", partner_ids),
            SQL("aml.parent_state = 'posted'"),
            SQL("aml.company_id = ANY(%s)", company_ids),
        ]
        if currency:
            own.append(SQL("aml.currency_id = %s", currency.id))
        own = SQL(" AND ").join(own)
        later_sides = SQL(" UNION ALL ").join(
            SQL(
                """
                SELECT aml.id AS line_id, %(amount)s AS amount
                  FROM account_partial_reconcile p
                  JOIN account_move_line aml ON aml.id = p.%(side)s
                 WHERE p.max_date > %(first_day)s AND p.max_date > %(day)s AND %(own)s
                """,
                amount=amount,
                side=SQL.identifier(side),
                first_day=min(days.values()),
                day=self._day_sql(SQL("p.company_id"), days),
                own=own,
            )
            for side, amount in (
                ("debit_move_id", SQL("p.debit_amount_currency")),
                ("credit_move_id", SQL("-p.credit_amount_currency")),
            )
        )
        self._flush()
        later = self.env.execute_query(
            SQL("SELECT line_id, SUM(amount) FROM (%s) side GROUP BY line_id ORDER BY line_id", later_sides)
        )
        day = self._day_sql(SQL("aml.company_id"), days)
        columns = SQL(
            "aml.id, aml.company_id, aml.currency_id, aml.move_id, COALESCE(aml.date_maturity, aml.date) AS due"
        )
        if not later:
            return SQL(
                """
                SELECT %(columns)s, aml.amount_residual_currency AS residual, 0 AS later
                  FROM account_move_line aml
                 WHERE %(own)s AND aml.reconciled IS NOT TRUE AND aml.date <= %(day)s
                   AND aml.amount_residual_currency != 0
                """,
                columns=columns,
                own=own,
                day=day,
            )
        line_ids, amounts = [row[0] for row in later], [row[1] for row in later]
        return SQL(
            """
            SELECT * FROM (
                SELECT %(columns)s, aml.amount_residual_currency + COALESCE(later.amount, 0) AS residual,
                       COALESCE(later.amount, 0) AS later
                  FROM account_move_line aml
             LEFT JOIN unnest(%(line_ids)s::integer[], %(amounts)s::numeric[]) AS later(line_id, amount)
                    ON later.line_id = aml.id
                 WHERE %(own)s AND aml.reconciled IS NOT TRUE AND aml.date <= %(day)s
             UNION ALL
                SELECT %(columns)s, aml.amount_residual_currency + later.amount, later.amount
                  FROM unnest(%(line_ids)s::integer[], %(amounts)s::numeric[]) AS later(line_id, amount)
                  JOIN account_move_line aml ON aml.id = later.line_id
                 WHERE %(own)s AND aml.reconciled IS TRUE AND aml.date <= %(day)s
            ) open_line
             WHERE open_line.residual != 0
            """,
            columns=columns,
            line_ids=line_ids,
            amounts=amounts,
            own=own,
            day=day,
        )

    @api.model
    def _settled_later(self, moves, days):
        """The reconciliations of ``moves``' receivable lines dated after their company's day
        (``days``: company id -> date), by move: list of (reference of the other entry, date)."""
        if not moves:
            return {}
        query = SQL(
            """
            WITH p AS MATERIALIZED (
                -- the reconciliations dated after the first day (by their indexed date): few
                SELECT debit_move_id, credit_move_id, max_date
                  FROM account_partial_reconcile
                 WHERE max_date > %(first_day)s
            )
            SELECT DISTINCT aml.move_id, other_move.name, p.max_date
              FROM p
              JOIN account_move_line aml ON aml.id IN (p.debit_move_id, p.credit_move_id)
              JOIN account_move_line other ON other.id = CASE WHEN p.debit_move_id = aml.id
                                                              THEN p.credit_move_id ELSE p.debit_move_id END
              JOIN account_move other_move ON other_move.id = other.move_id
              JOIN account_account account ON account.id = aml.account_id
             WHERE aml.move_id = ANY(%(moves)s) AND account.account_type = 'asset_receivable'
               AND p.max_date > %(day)s
          ORDER BY aml.move_id, p.max_date, other_move.name
            """,
            moves=moves.ids,
            first_day=min(days.values()),
            day=self._day_sql(SQL("aml.company_id"), days),
        )
        self._flush()
        self.env["account.partial.reconcile"].flush_model(["debit_move_id", "credit_move_id", "max_date"])
        settled = {}
        for move_id, name, day in self.env.execute_query(query):
            settled.setdefault(move_id, []).append((name, day))
        return settled

    @api.model
    def _bucket_sql(self, residual, due, today):
        """SQL ``CASE`` naming the aging range of a receivable line: ``'credits'`` when its
        ``residual`` is negative, else the one of ``BUCKETS`` for its days past ``due`` on
        ``today`` (due today is not yet due). The one definition of the ranges: the portal's
        aging (today) and the statement's (as of its end) both use it."""
        late = SQL("(%s - %s)", today, due)
        return SQL(
            """CASE WHEN %(residual)s < 0 THEN 'credits'
                    WHEN %(late)s <= 0 THEN 'amount_due'
                    WHEN %(late)s <= 30 THEN 'days_0_30'
                    WHEN %(late)s <= 60 THEN 'days_31_60'
                    WHEN %(late)s <= 90 THEN 'days_61_90'
                    ELSE 'days_over_90' END""",
            residual=residual,
            late=late,
        )

    # ------------------------------------------------------------------ figures

    @api.model
    def _get_sections(self, partner, companies=None, today=None, scope=None):
        """The aging figures of ``partner``'s account as of ``today`` (default: each company's
        today), one section per company and currency. A statement's aging as of its end is
        this, with ``today`` its last day.

        :return: list of dicts, company currency first then by currency code, each with the
            ``company``, ``currency``, ``today``, the figures of ``FIGURES`` (floats in the
            section's currency, credits negative), ``invoice_count``, ``credit_count`` and
            ``document_count`` (open documents, for paging).

        ``scope``: :meth:`_receivable_scope` of ``partner`` when the caller has it (a page reads it
        once for the aging and the rows).
        """
        companies = self._companies_for(partner, companies)
        if not partner or not companies:
            return []
        by_company_today = {c.id: today or self._today(c) for c in companies}
        bucket = self._bucket_sql(
            SQL("open_line.residual"),
            SQL("open_line.due"),
            self._day_sql(SQL("open_line.company_id"), by_company_today),
        )
        # Per line: its bucket; then per company and currency (a document with a debit line is
        # an invoice, with a credit line a credit).
        query = SQL(
            """
            WITH lines AS (
                SELECT open_line.company_id, open_line.currency_id, open_line.move_id,
                       open_line.residual,
                       %(bucket)s AS bucket
                  FROM (%(open_lines)s) open_line
            )
            SELECT company_id, currency_id,
                   SUM(residual) FILTER (WHERE bucket = 'amount_due'),
                   SUM(residual) FILTER (WHERE bucket = 'days_0_30'),
                   SUM(residual) FILTER (WHERE bucket = 'days_31_60'),
                   SUM(residual) FILTER (WHERE bucket = 'days_61_90'),
                   SUM(residual) FILTER (WHERE bucket = 'days_over_90'),
                   SUM(residual) FILTER (WHERE bucket = 'credits'),
                   SUM(residual),
                   COUNT(DISTINCT move_id) FILTER (WHERE bucket != 'credits'),
                   COUNT(DISTINCT move_id) FILTER (WHERE bucket = 'credits'),
                   COUNT(DISTINCT move_id)
              FROM lines
          GROUP BY company_id, currency_id
            """,
            bucket=bucket,
            open_lines=self._open_lines_as_of_sql(partner, companies, by_company_today, scope=scope),
        )
        self._flush()
        rows = self.env.execute_query(query)
        Company = self.env["res.company"].sudo()
        Currency = self.env["res.currency"].sudo()
        sections = []
        for company_id, currency_id, *amounts, invoice_count, credit_count, document_count in rows:
            company, currency = Company.browse(company_id), Currency.browse(currency_id)
            values = dict(zip(BUCKETS, (currency.round(a or 0.0) for a in amounts[:5]), strict=True))
            values["outstanding"] = currency.round(sum(values[b] for b in BUCKETS))
            values["credits"] = currency.round(amounts[5] or 0.0)
            values["balance_due"] = currency.round(amounts[6] or 0.0)
            values.update(
                company=company,
                currency=currency,
                today=by_company_today[company_id],
                invoice_count=invoice_count,
                credit_count=credit_count,
                document_count=document_count,
            )
            sections.append(values)
        sections.sort(key=lambda s: (s["company"].sequence, s["company"].id, *self._currency_order(s)))
        return sections

    @api.model
    def _currency_order(self, section):
        """Company currency first, then the others by ISO code."""
        return (section["currency"] != section["company"].currency_id, section["currency"].name)

    # ------------------------------------------------------------------ documents and what is payable

    @api.model
    def _section_documents(
        self, partner, company, currency, companies, today, limit=None, offset=0, move_ids=None, scope=None
    ):
        """The open documents of one section as of ``today`` (or of ``move_ids`` only), sorted by
        (earliest open) due date: one SQL query, whatever their number. Each is a dict of plain
        values: ``move_id, name, move_type, date`` (invoice date, else accounting date), ``due,
        balance`` (residual as of today), ``amount`` (receivable total), ``settled_later`` (a
        reconciliation dated after today touches it), ``all_debit`` / ``all_credit`` (every open
        line owed / a credit), ``disputed``, ``payment_state``, ``is_payment`` (the entry of a
        payment or a bank statement line): the rows need no other field of the moves."""
        scope = scope or self._receivable_scope(partner)
        only = SQL("WHERE open_line.move_id = ANY(%s)", list(move_ids) or [0]) if move_ids is not None else SQL()
        query = SQL(
            """
            WITH docs AS (
                SELECT open_line.move_id,
                       MIN(open_line.due) AS due,
                       SUM(open_line.residual) AS balance,
                       BOOL_OR(open_line.later != 0) AS settled_later,
                       BOOL_AND(open_line.residual > 0) AS all_debit,
                       BOOL_AND(open_line.residual < 0) AS all_credit
                  FROM (%(open_lines)s) open_line
                  %(only)s
              GROUP BY open_line.move_id
              ORDER BY due, open_line.move_id
                 LIMIT %(limit)s OFFSET %(offset)s
            )
            SELECT docs.move_id, move.name, move.move_type, COALESCE(move.invoice_date, move.date), docs.due,
                   docs.balance, SUM(line.amount_currency), docs.settled_later, docs.all_debit, docs.all_credit,
                   COALESCE(move.payer_dispute_open, FALSE), move.payment_state,
                   move.origin_payment_id IS NOT NULL OR move.statement_line_id IS NOT NULL
              FROM docs
              JOIN account_move move ON move.id = docs.move_id
              JOIN account_move_line line
                ON line.move_id = docs.move_id
               AND line.account_id = ANY(%(accounts)s)
               AND line.currency_id = %(currency)s
               AND line.partner_id = ANY(%(partners)s)
          GROUP BY docs.move_id, docs.due, docs.balance, docs.settled_later, docs.all_debit, docs.all_credit, move.id
          ORDER BY docs.due, docs.move_id
            """,
            open_lines=self._open_lines_as_of_sql(
                partner, companies, {company.id: today}, company=company, currency=currency, scope=scope
            ),
            only=only,
            limit=limit,
            offset=offset,
            currency=currency.id,
            accounts=scope[0],
            partners=scope[1],
        )
        self._flush()
        self.env["account.move"].flush_model(
            [
                "name",
                "move_type",
                "date",
                "invoice_date",
                "payer_dispute_open",
                "payment_state",
                "origin_payment_id",
                "statement_line_id",
            ]
        )
        keys = (
            "move_id",
            "name",
            "move_type",
            "date",
            "due",
            "balance",
            "amount",
            "settled_later",
            "all_debit",
            "all_credit",
            "disputed",
            "payment_state",
            "is_payment",
        )
        docs = []
        for values in self.env.execute_query(query):
            doc = dict(zip(keys, values, strict=True))
            doc["balance"], doc["amount"] = currency.round(doc["balance"]), currency.round(doc["amount"])
            docs.append(doc)
        return docs

    @api.model
    def _document_states(self, docs, today):
        """The one definition of what a document of TO PAY is and whether it can be paid now.

        Adds to each document of :meth:`_section_documents` (two queries for all of them):

        - ``status``: ``settled_later`` (settled by an entry dated after today: open today, nothing
          left to pay), ``credit``, ``disputed``, ``awaiting_payment`` (an online payment of it, or
          that sets it off, may have taken the money), else ``overdue`` or ``due``;
        - ``pay_kind``: how TO PAY would take it: ``"invoice"`` (an invoice or sales receipt whose
          open lines are all owed), ``"credit"`` (every open line a credit), else ``None``;
        - ``payable``: it can be selected now (to pay, or to set off); else ``refusal``, the code of
          the reason (see :meth:`_refusal_text`);
        - ``payable_amount``, ``disputed_amount``, ``undisputed``: see :meth:`_payable_amounts`.
        """
        Move = self.env["account.move"].sudo()
        live = set(self._live_payment_moves(Move.browse([doc["move_id"] for doc in docs])).ids)
        credit_ids = [doc["move_id"] for doc in docs if doc["balance"] < 0 and doc["move_id"] not in live]
        reserved = set(self._reserved_credits(Move.browse(credit_ids)).ids)
        for doc in docs:
            balance, move_id = doc["balance"], doc["move_id"]
            if doc["settled_later"]:
                status = "settled_later"
            elif balance < 0:
                status = "awaiting_payment" if move_id in live or move_id in reserved else "credit"
            elif doc["disputed"]:
                status = "disputed"
            elif move_id in live or doc["payment_state"] == "in_payment":
                status = "awaiting_payment"
            else:
                status = "overdue" if (today - doc["due"]).days > 0 else "due"
            if balance > 0 and doc["all_debit"] and doc["move_type"] in PAYABLE_INVOICE_TYPES:
                pay_kind = "invoice"
            elif balance < 0 and doc["all_credit"]:
                pay_kind = "credit"
            else:
                pay_kind = None
            payable = pay_kind is not None and status in ("due", "overdue", "credit")
            # An online payment of it may have taken the money (what a disputed invoice hides).
            awaiting = balance > 0 and (move_id in live or doc["payment_state"] == "in_payment")
            refusal = None
            if not payable:
                if status in ("settled_later", "disputed"):
                    refusal = status
                elif status == "awaiting_payment":
                    refusal = "reserved" if move_id in reserved else "awaiting"
                else:
                    refusal = "not_payable"
            doc.update(status=status, pay_kind=pay_kind, payable=payable, refusal=refusal, awaiting=awaiting)
        return self._payable_amounts(docs)

    @api.model
    def _payable_amounts(self, docs):
        """The one definition of how much of each document of :meth:`_document_states` may be paid
        now: sets ``payable_amount`` (document currency, >= 0; 0 for credits and for what cannot be
        paid), ``disputed_amount`` (of its open dispute, else 0) and ``undisputed`` (paid for its
        undisputed part only).

        An open dispute of amount D on an invoice of balance R blocks D only: the invoice is payable
        for R - D (its undisputed part) unless an online payment of it is awaiting confirmation
        (then "awaiting"); a dispute of the whole balance blocks it ("disputed")."""
        disputed = self._disputed_amounts(
            self.env["account.move"].browse([doc["move_id"] for doc in docs if doc["status"] == "disputed"])
        )
        for doc in docs:
            dispute = disputed.get(doc["move_id"])
            doc.update(disputed_amount=dispute[0] if dispute else 0.0, undisputed=False)
            if dispute and doc["pay_kind"] == "invoice":
                undisputed = dispute[1].round(doc["balance"] - dispute[0])
                if dispute[1].compare_amounts(undisputed, 0.0) > 0:
                    if doc["awaiting"]:
                        doc["refusal"] = "awaiting"
                    else:
                        doc.update(payable=True, refusal=None, undisputed=True, payable_amount=undisputed)
                        continue
            doc["payable_amount"] = doc["balance"] if doc["payable"] and doc["pay_kind"] == "invoice" else 0.0
        return docs

    @api.model
    def _disputed_amounts(self, moves):
        """By move id: (amount of its open dispute, its currency), one query (:meth:`_open_disputes`)."""
        return {
            move_id: (dispute.amount, dispute.currency_id) for move_id, dispute in self._open_disputes(moves).items()
        }

    @api.model
    def _refusal_text(self, doc, kind, settled=None):
        """Why ``doc`` (a document of :meth:`_document_states`) cannot be paid (``kind``
        ``"invoice"``) or set off (``"credit"``) now; ``settled``: :meth:`_settled_later` of it."""
        name = doc["name"]
        if doc["refusal"] == "settled_later" and (settled or {}).get(doc["move_id"]):
            entry, day = settled[doc["move_id"]][0]
            return self.env._(
                "%(document)s is already settled by %(entry)s on %(date)s", document=name, entry=entry, date=day
            )
        if doc["pay_kind"] != kind:
            if kind == "invoice":
                if doc["balance"] > 0 and doc["move_type"] not in PAYABLE_INVOICE_TYPES:
                    return self.env._("%(document)s is not one of your invoices", document=name)
                return self.env._("%(invoice)s has nothing left to pay", invoice=name)
            return self.env._("%(credit)s has no credit left", credit=name)
        if doc["refusal"] == "disputed":
            return self.env._("%(invoice)s is under dispute", invoice=name)
        if doc["refusal"] == "reserved":
            return self.env._("%(credit)s is being used by another payment", credit=name)
        if doc["refusal"]:
            return self.env._("%(invoice)s is awaiting payment confirmation", invoice=name)
        return None

    @api.model
    def _payable_documents(self, partner, company, currency, companies, today=None):
        """What PAY ALL takes in a section: every document that can be paid now (invoices) or set
        off (credits), listed or not, and what it charges (the invoices, less the credits up to
        them). The amounts are the invoices' payable amounts (:meth:`_payable_amounts`: the
        residual, or the undisputed part of a partly disputed invoice) and the credits' residuals.

        :return: dict with ``invoices``, ``credit_docs``, ``undisputed_invoices`` (account.move), ``amount_invoices``,
            ``amount_credits``, ``amount`` and ``document_count`` (open documents of the section)
        """
        today = today or self._today(company)
        docs = self._document_states(self._section_documents(partner, company, currency, companies, today), today)
        return self._pay_all(docs, currency)

    @api.model
    def _pay_all(self, docs, currency):
        """:meth:`_payable_documents` of the section's documents ``docs`` (:meth:`_document_states`)."""
        Move = self.env["account.move"].sudo()
        invoices = [
            doc for doc in docs if doc["payable"] and doc["pay_kind"] == "invoice" and doc["payable_amount"] > 0
        ]
        credit_docs = [doc for doc in docs if doc["payable"] and doc["pay_kind"] == "credit"]
        amount_invoices = currency.round(sum(doc["payable_amount"] for doc in invoices))
        amount_credits = currency.round(min(-sum(doc["balance"] for doc in credit_docs), amount_invoices))
        return {
            "invoices": Move.browse([doc["move_id"] for doc in invoices]),
            # Paid for their undisputed part only (PAY ALL says so).
            "undisputed_invoices": Move.browse([doc["move_id"] for doc in invoices if doc["undisputed"]]),
            "credit_docs": Move.browse([doc["move_id"] for doc in credit_docs]),
            "amount_invoices": amount_invoices,
            "amount_credits": amount_credits,
            "amount": currency.round(amount_invoices - amount_credits),
            "document_count": len(docs),
        }

    @api.model
    def _selection_refusals(
        self, partner, company, currency, companies, invoices, credit_docs, today=None, amounts=None
    ):
        """Why each selected document cannot be paid (``invoices``) or set off (``credit_docs``)
        now, by move (empty when the whole selection can be): the server's check of a TO PAY
        selection, by the same definition as the rows' ``payable``; ``amounts``: see
        :meth:`_selection_check`."""
        return self._selection_check(
            partner, company, currency, companies, invoices, credit_docs, amounts=amounts, today=today
        )["refusals"]

    @api.model
    def _selection_check(self, partner, company, currency, companies, invoices, credit_docs, amounts=None, today=None):
        """:meth:`_selection_refusals` and what may be paid of each invoice (one read of the
        documents): ``{"refusals": {move: reason}, "payable_amounts": {move id: payable_amount}}``.
        ``amounts`` (move id -> amount chosen, in the section's currency): an amount above the
        invoice's ``payable_amount`` (its balance, or the undisputed part of a partly disputed
        invoice) refuses it too."""
        today = today or self._today(company)
        partner = partner.commercial_partner_id
        selected = invoices | credit_docs
        docs = self._document_states(
            self._section_documents(partner, company, currency, companies, today, move_ids=selected.ids), today
        )
        by_move = {doc["move_id"]: doc for doc in docs}
        settled = self._settled_later(
            selected.browse([doc["move_id"] for doc in docs if doc["refusal"] == "settled_later"]), {company.id: today}
        )
        refusals = {}
        for kind, moves in (("invoice", invoices), ("credit", credit_docs)):
            for move in moves:
                doc = by_move.get(move.id)
                if kind == "invoice" and (
                    move.move_type not in PAYABLE_INVOICE_TYPES or move.commercial_partner_id != partner
                ):
                    reason = self.env._("%(document)s is not one of your invoices", document=move.name)
                elif kind == "credit" and move.commercial_partner_id != partner:
                    reason = self.env._("%(document)s is not one of your credits", document=move.name)
                elif kind == "invoice" and (move.company_id != company or move.currency_id != currency):
                    reason = self.env._("%(invoice)s is not in %(currency)s", invoice=move.name, currency=currency.name)
                elif move.company_id != company or (move.currency_id != currency and not doc):
                    reason = self.env._("%(credit)s is not in %(currency)s", credit=move.name, currency=currency.name)
                elif not doc and move.date > today:
                    reason = self.env._("%(document)s is dated %(date)s", document=move.name, date=move.date)
                elif not doc:
                    reason = (
                        self.env._("%(invoice)s has nothing left to pay", invoice=move.name)
                        if kind == "invoice"
                        else self.env._("%(credit)s has no credit left", credit=move.name)
                    )
                else:
                    reason = self._refusal_text(doc, kind, settled)
                chosen = (amounts or {}).get(move.id)
                if (
                    not reason
                    and kind == "invoice"
                    and chosen is not None
                    and currency.compare_amounts(chosen, doc["payable_amount"]) > 0
                ):
                    most = self._format_amount(doc["payable_amount"], currency)
                    reason = (
                        self.env._(
                            "%(invoice)s is partly disputed: only its undisputed part, %(amount)s, can be paid now",
                            invoice=move.name,
                            amount=most,
                        )
                        if doc["undisputed"]
                        else self.env._("%(invoice)s can be paid up to %(amount)s", invoice=move.name, amount=most)
                    )
                if reason:
                    refusals[move] = reason
        payable_amounts = {move_id: doc["payable_amount"] for move_id, doc in by_move.items()}
        return {"refusals": refusals, "payable_amounts": payable_amounts}

    @api.model
    def _payable_amount_of(self, partner, move, companies=None, today=None):
        """What of ``move`` (one of ``partner``'s documents) TO PAY may pay now: its
        ``payable_amount`` (:meth:`_payable_amounts`), 0 when it cannot be paid."""
        companies = self._companies_for(partner, companies)
        if move.company_id not in companies:
            return 0.0
        today = today or self._today(move.company_id)
        docs = self._section_documents(
            partner.commercial_partner_id, move.company_id, move.currency_id, companies, today, move_ids=move.ids
        )
        return self._document_states(docs, today)[0]["payable_amount"] if docs else 0.0

    @api.model
    def _payable_lines(self, partner, company, currency, moves, companies):
        """Open receivable lines of ``moves`` in ``partner``'s account (one section), from the
        stored residuals (what a payment reconciles): list of dicts ``id, move_id, residual, due,
        account_id`` by due date."""
        query = SQL(
            """
            SELECT aml.id, aml.move_id, aml.amount_residual_currency, COALESCE(aml.date_maturity, aml.date),
                   aml.account_id
              FROM account_move_line aml
             WHERE %s AND aml.move_id = ANY(%s)
          ORDER BY COALESCE(aml.date_maturity, aml.date), aml.move_id, aml.id
            """,
            self._open_lines_where(partner, companies, company, currency),
            moves.ids or [0],
        )
        self._flush()
        return [
            {"id": line_id, "move_id": move_id, "residual": currency.round(residual), "due": due, "account_id": account}
            for line_id, move_id, residual, due, account in self.env.execute_query(query)
        ]

    @api.model
    def _live_payment_moves(self, moves):
        """Moves in an online payment that may have taken the money: pending or authorized, or
        done and not yet posted (one query)."""
        if not moves:
            return moves
        groups = (
            self.env["payment.transaction"]
            .sudo()
            ._read_group([("invoice_ids", "in", moves.ids), *LIVE_TX_DOMAIN], ["invoice_ids"])
        )
        return moves & self.env["account.move"].sudo().browse([g[0].id for g in groups])

    @api.model
    def _reserved_credits(self, credit_docs):
        """Credits set off by a TO PAY payment whose transaction is pending, authorized, or done
        and not yet posted (read from ``payer.payment.line``, one query)."""
        if not credit_docs:
            return credit_docs
        lines = (
            self.env["payer.payment.line"]
            .sudo()
            .search(
                [
                    ("move_id", "in", credit_docs.ids),
                    ("kind", "=", "credit"),
                    ("payer_payment_id.state", "=", "processing"),
                    ("payer_payment_id.transaction_ids", "any", LIVE_TX_DOMAIN),
                ]
            )
        )
        return lines.move_id

    # ------------------------------------------------------------------ rows

    @api.model
    def _get_rows(self, partner, company, currency, companies=None, today=None, limit=None, offset=0, scope=None):
        """The open documents of one section as of ``today``, sorted by (earliest open) due date.

        One row per document: an invoice with installments is one row, due at its earliest open
        installment. ``amount`` is the document's receivable total, ``balance`` its residual as of
        ``today`` and ``payment`` what was paid or set off by then; credits are negative. A
        document settled (wholly or partly) by an entry dated after ``today`` has the status
        ``settled_later`` and, in ``settled_later``, the (reference, date) of those settlements.
        ``question_open``: the customer asked a question on the document that is not answered yet
        (``account.move.payer_question_open``, read for all the rows in one query).
        ``payable``, ``pay_kind``: see :meth:`_document_states`; ``payable_amount``, the most the
        customer may pay of it now, ``disputed_amount``, ``undisputed``: see :meth:`_payable_amounts`;
        ``undisputed_label``: what TO PAY says of a partly disputed invoice; ``reason``: why it cannot be
        paid now (``None`` when it can); ``to_pay``: listed in TO PAY (an invoice, payable or
        not, or a credit that can be set off); ``dispute``: its open dispute. ``scope``: see
        :meth:`_get_sections`.
        """
        companies = self._companies_for(partner, companies)
        if company not in companies:
            return []
        today = today or self._today(company)
        docs = self._document_states(
            self._section_documents(
                partner, company, currency, companies, today, limit=limit, offset=offset, scope=scope
            ),
            today,
        )
        return self._rows_of(docs, company, currency, today)

    @api.model
    def _rows_of(self, docs, company, currency, today):
        """The rows (see :meth:`_get_rows`) of the documents ``docs`` (:meth:`_document_states`)."""
        moves = self.env["account.move"].sudo().browse([doc["move_id"] for doc in docs])
        settled_later = self._settled_later(
            moves.browse([doc["move_id"] for doc in docs if doc["settled_later"]]), {company.id: today}
        )
        question_open = moves.filtered("payer_question_open")  # one query for the rows
        disputes = self._open_disputes(moves.browse([doc["move_id"] for doc in docs if doc["disputed"]]))
        promises = self._promise_marks(moves)
        rows = []
        for doc, move in zip(docs, moves, strict=True):
            balance = doc["balance"]
            days = max((today - doc["due"]).days, 0)
            rows.append(
                {
                    "move": move,
                    "kind": self._document_kind(doc),
                    "date": doc["date"],
                    "activity": doc["name"],
                    "due_date": doc["due"],
                    "days_overdue": days if balance > 0 else 0,
                    "status": doc["status"],
                    "amount": doc["amount"],
                    "payment": currency.round(doc["amount"] - balance),
                    "balance": balance,
                    "currency": currency,
                    "settled_later": settled_later.get(move.id, []),
                    "question_open": move in question_open,
                    "payable": doc["payable"],
                    "payable_amount": doc["payable_amount"],
                    "disputed_amount": doc["disputed_amount"],
                    "undisputed": doc["undisputed"],
                    "undisputed_label": doc["undisputed"]
                    and self.env._(
                        "Undisputed part: %(undisputed)s of %(balance)s",
                        undisputed=self._format_amount(doc["payable_amount"], currency),
                        balance=self._format_amount(balance, currency),
                    ),
                    "pay_kind": doc["pay_kind"],
                    "reason": None
                    if doc["payable"]
                    else self._refusal_text(doc, doc["pay_kind"] or "invoice", settled_later),
                    "to_pay": doc["payable"] or (balance > 0 and doc["move_type"] in PAYABLE_INVOICE_TYPES),
                    "dispute": disputes.get(move.id),
                    "promise": promises.get(move.id),
                }
            )
        self._add_files(rows)
        return rows

    @api.model
    def _to_pay(self, partner, company, currency, companies=None, today=None, limit=None):
        """What the TO PAY tab of a section shows: its first ``limit`` documents to pay or set off
        (``rows``, each with its ``payable`` flag), and PAY ALL over every payable document of the
        section (``pay_all``: :meth:`_payable_documents`); ``limited``: not every one is listed."""
        companies = self._companies_for(partner, companies)
        if company not in companies:
            return {"rows": [], "pay_all": self._pay_all([], currency), "limited": False}
        today = today or self._today(company)
        # Every document of the section, read once: PAY ALL takes them all, the tab lists the first.
        docs = self._document_states(self._section_documents(partner, company, currency, companies, today), today)
        listed = docs if limit is None else docs[:limit]
        rows = self._rows_of(listed, company, currency, today)
        for row in rows:
            row["payable_amount_input"] = self._input_amount(row["payable_amount"], currency)
        decimal_point, thousands = self._lang_separators()
        return {
            "decimal_point": decimal_point,
            "thousands_sep": thousands,
            "preselected": {},
            "rows": [row for row in rows if row["to_pay"]],
            "pay_all": self._pay_all(docs, currency),
            "limited": len(listed) < len(docs),
        }

    @api.model
    def _document_kind(self, doc):
        """What a document of :meth:`_section_documents` is, as its row says."""
        move_type = doc["move_type"]
        if move_type == "out_invoice":
            return "invoice"
        if move_type == "out_receipt":
            return "receipt"
        if move_type == "out_refund":
            return "credit_note"
        if doc["is_payment"]:
            return "payment"
        return "other"

    @api.model
    def _disputed_moves(self, moves):
        """Moves with an open dispute (see ``payer.dispute``): shown "Disputed", whatever their
        due date or a pending payment."""
        if not moves:
            return moves
        return moves.sudo().filtered_domain([("payer_dispute_open", "=", True)])

    @api.model
    def _promised_moves(self, moves):
        """Moves with an open promise to pay (see ``payer.promise``)."""
        if not moves:
            return moves
        return moves.sudo().filtered_domain([("payer_promise_id", "!=", False)])

    @api.model
    def _unasked_moves(self, moves):
        """Moves the account status email does not ask for: disputed (an open dispute) and
        promised (an open promise to pay). The emails still show them, marked."""
        return self._disputed_moves(moves) | self._promised_moves(moves)

    @api.model
    def _promise_marks(self, moves):
        """What the portal says of each of ``moves``' promises to pay, by move id (one query):
        ``("promised", date)`` for an open promise, ``("broken", date)`` when its last promise
        was broken."""
        if not moves:
            return {}
        lines = (
            self.env["payer.promise.line"]
            .sudo()
            .search([("move_id", "in", moves.ids), ("replaced", "=", False)], order="promise_id desc")
        )
        marks = {}
        for line in lines:
            if line.move_id.id not in marks and line.promise_id.state in ("open", "broken"):
                state = "promised" if line.promise_id.state == "open" else "broken"
                marks[line.move_id.id] = (state, line.promise_id.date)
            marks.setdefault(line.move_id.id, None)
        return {move_id: mark for move_id, mark in marks.items() if mark}

    @api.model
    def _asked(self, partner, company):
        """What the account status email of ``company`` asks ``partner`` for, per section
        (:meth:`_get_sections`, today): ``requested``, what is outstanding less the invoices it
        does not ask for (:meth:`_unasked_moves`), and ``unasked``, those invoices (dicts
        ``move, balance, promised`` (the promised date or ``None``), ``disputed``)."""
        sections = self._get_sections(partner, company)
        candidates = (
            self.env["account.move"]
            .sudo()
            .search(
                [
                    ("commercial_partner_id", "=", partner.commercial_partner_id.id),
                    ("company_id", "=", company.id),
                    ("state", "=", "posted"),
                    "|",
                    ("payer_dispute_open", "=", True),
                    ("payer_promise_id", "!=", False),
                ]
            )
        )
        unasked = self._unasked_moves(candidates)
        disputed = self._disputed_moves(unasked)
        for section in sections:
            docs = []
            if unasked:
                docs = self._section_documents(
                    partner,
                    section["company"],
                    section["currency"],
                    company,
                    section["today"],
                    move_ids=unasked.ids,
                )
            section["unasked"] = [
                {
                    "move": unasked.browse(doc["move_id"]),
                    "balance": doc["balance"],
                    "disputed": doc["move_id"] in disputed.ids,
                    "promised": unasked.browse(doc["move_id"]).payer_promise_date,
                }
                for doc in docs
                if doc["balance"] > 0
            ]
            section["requested"] = section["currency"].round(
                section["outstanding"] - sum(doc["balance"] for doc in section["unasked"])
            )
        return sections

    @api.model
    def _open_disputes(self, moves):
        """The open dispute of each of ``moves``, by move id (one query)."""
        if not moves:
            return {}
        disputes = self.env["payer.dispute"].sudo().search([("move_id", "in", moves.ids), ("is_open", "=", True)])
        return {dispute.move_id.id: dispute for dispute in disputes.sorted("id", reverse=True)}

    @api.model
    def _awaiting_payment_moves(self, moves):
        """Moves with an online payment that is pending or authorized (not yet confirmed) or done
        but not yet posted, and credits that such a TO PAY payment sets off."""
        if not moves:
            return moves
        awaiting = self._live_payment_moves(moves)
        return awaiting | self._reserved_credits(moves - awaiting)

    @api.model
    def _visible_messages_domain(self):
        """Messages of a document that the portal chatter shows its customer (comments, not internal)."""
        return [
            ("model", "=", "account.move"),
            ("message_type", "in", ("comment", "email", "email_outgoing")),
            # by Odoo's cached look-up of the XML id (env.ref also reads the subtype, for each section)
            ("subtype_id", "=", self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_comment")),
            ("is_internal", "=", False),
            ("attachment_ids", "!=", False),
        ]

    @api.model
    def _customer_files(self, moves):
        """Supporting files the customer may see, by move id: the attachments of the documents'
        messages shown on the portal, besides the document's own PDF (offered separately)."""
        if not moves:
            return {}
        messages = (
            self.env["mail.message"].sudo().search([*self._visible_messages_domain(), ("res_id", "in", moves.ids)])
        )
        if not messages:  # most pages: no need to look for the documents' own PDFs
            return {}
        own_pdfs = moves.filtered(lambda move: move.id in set(messages.mapped("res_id"))).invoice_pdf_report_id
        files = {}
        for message in messages:
            files[message.res_id] = files.get(message.res_id, self.env["ir.attachment"].sudo()) | (
                message.attachment_ids - own_pdfs
            )
        return files

    @api.model
    def _add_files(self, rows):
        """Attach to each row its supporting files (one query for the whole page)."""
        moves = self.env["account.move"].sudo().browse([r["move"].id for r in rows])
        files = self._customer_files(moves)
        for row in rows:
            row["attachments"] = files.get(row["move"].id, self.env["ir.attachment"].sudo())
            row["has_pdf"] = row["kind"] in ("invoice", "receipt", "credit_note")

    @api.model
    def _check_document(self, partner, move_id, companies=None, move_types=("out_invoice", "out_refund")):
        """The posted invoice or credit note ``move_id`` (a document of ``move_types``) if it
        belongs to ``partner``'s account (in the given companies), else an empty recordset: the
        one access check of document routes."""
        companies = self._companies_for(partner, companies)
        move = self.env["account.move"].sudo().browse(int(move_id)).exists()
        if (
            not move
            or move.state != "posted"
            or move.move_type not in move_types
            or move.commercial_partner_id != partner.commercial_partner_id
            or move.company_id not in companies
        ):
            return self.env["account.move"]
        return move

    @api.model
    def _check_attachment(self, partner, attachment_id, companies=None):
        """The attachment if it is a customer-visible file of one of ``partner``'s documents."""
        attachment = self.env["ir.attachment"].sudo().browse(int(attachment_id)).exists()
        if not attachment:
            return attachment
        messages = (
            self.env["mail.message"]
            .sudo()
            .search([*self._visible_messages_domain(), ("attachment_ids", "in", attachment.ids)])
        )
        for move_id in set(messages.mapped("res_id")):
            move = self._check_document(partner, move_id, companies)
            if move and attachment in self._customer_files(move).get(move.id, ()):
                return attachment
        return self.env["ir.attachment"]

    # ------------------------------------------------------------------ formatting

    @api.model
    def _figure_labels(self):
        """The label of each figure, as the portal header, emails and statements show it."""
        return {
            "outstanding": self.env._("Outstanding"),
            "amount_due": self.env._("Amount Due"),
            "days_0_30": self.env._("0-30 Days"),
            "days_31_60": self.env._("31-60 Days"),
            "days_61_90": self.env._("61-90 Days"),
            "days_over_90": self.env._("Over 90 Days"),
            "credits": self.env._("Credits"),
            "balance_due": self.env._("Balance Due"),
        }

    @api.model
    def _format_amount(self, amount, currency):
        """An amount as the customer reads it in a message (Odoo's monetary format, in the
        language of the request): Odoo's ``format_amount``."""
        return format_amount(self.env, amount, currency)

    @api.model
    def _lang_separators(self, lang=None):
        """(decimal point, thousands separator) of the customer's language (``lang``: a code;
        default: the request's), as Odoo formats amounts in it."""
        Lang = self.env["res.lang"]
        data = Lang._get_data(code=lang or self.env.lang or "en_US") or Lang._get_data(code="en_US")
        return data.decimal_point or ".", data.thousands_sep or ""

    @api.model
    def _input_amount(self, amount, currency):
        """An amount as the customer types it in their language, without the currency (the
        value of TO PAY's amount inputs): ``1,234.50`` in English, ``1 234,50`` in French."""
        return formatLang(self.env, currency.round(amount), digits=currency.decimal_places)

    @api.model
    def _plain(self, amount, currency):
        """A plain decimal string (no grouping, no symbol) for ``data-`` attributes."""
        return float_repr(currency.round(amount), currency.decimal_places)
