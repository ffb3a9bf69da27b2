"""Statements written in SQLAlchemy, compiled once per dialect and run on the driver's cursor.

For the statements every ticket and every call runs (its number, its row, the counter's row,
the queue's heads, the mall's version and its event): SQLAlchemy's `Connection.execute`
spent about 60 µs of interpreter time around each of them where SQLite itself spent 7
(bench/RESULTS-server.md), and on PostgreSQL a ticket's row took 390 µs through it against
225 µs on the cursor. The statement is still written once, in SQLAlchemy; its values still
pass through the column types' bind conversions and its rows through their result
conversions (dates on SQLite, JSON), so they read back as `execute` would give them. Only the
per-execution bookkeeping is skipped.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Dialect, bindparam, literal
from sqlalchemy.sql.expression import Executable

# Called with (SQL, the driver's values) before a prepared statement runs: SQLAlchemy's own
# cursor events do not see these statements, and tests that check every read need them.
PREPARED_LISTENERS: list[Callable[[str, Any], None]] = []

Convert = Callable[[Any], Any]


@dataclass(frozen=True)
class _DriverForm:
    """A statement as its driver takes it: the SQL text, how to lay out its values and how
    to read its rows back."""

    sql: str
    # For each placeholder in order (or by name): the caller's key, or None for a literal,
    # the literal's value, and the column type's conversion for this driver.
    slots: tuple[tuple[str, str | None, Any, Convert | None], ...]
    positional: bool
    # True or False when the statement says whether it returns rows; None for plain text,
    # whose cursor is asked. Asking costs: psycopg builds the description anew each time.
    returns_rows: bool | None
    row_type: Any  # a named tuple of the result's columns, or None for plain tuples
    converts: tuple[Convert | None, ...]  # each result column's conversion, if it has one

    def values(self, params: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        laid_out = []
        for name, key, fixed, convert in self.slots:
            value = fixed if key is None else params[key]
            laid_out.append((name, convert(value) if convert and value is not None else value))
        if self.positional:
            return [value for _, value in laid_out]
        return dict(laid_out)

    def read(self, cursor: Any) -> list[Any]:
        if self.returns_rows is False or (self.returns_rows is None and not cursor.description):
            return []
        rows = cursor.fetchall()
        if self.row_type is None:
            return rows
        make = self.row_type._make
        if not any(self.converts):
            return [make(row) for row in rows]
        converts = self.converts
        return [
            make(
                convert(value) if convert is not None and value is not None else value
                for convert, value in zip(converts, row, strict=True)
            )
            for row in rows
        ]


class Prepared:
    """A Core statement compiled once per dialect and run on the driver's own cursor.

    Rows come back as named tuples (`row.status`, or unpacked like any tuple). What the
    shortcut cannot do is refused when the statement is first used: expanding `IN` lists,
    which SQLAlchemy compiles per call. SQLAlchemy's statement events and echo do not see
    these statements, and their errors are the driver's own exceptions, not wrapped by
    SQLAlchemy. A connection the driver lost still fails the transaction's rollback, which
    SQLAlchemy sees: it replaces every pooled connection opened before (core/engine.py).
    """

    def __init__(
        self,
        statement: Executable,
        *,
        columns: Sequence[str] | None = None,
        sqlite: Executable | None = None,
    ) -> None:
        """`columns`: for an INSERT or UPDATE without `.values()`, the columns it sets, by
        name; each execution gives their values under those names. `sqlite`: the same
        statement as SQLite should run it (where its planner needs telling which index)."""
        self.statement = statement
        self.sqlite = sqlite
        self.columns = list(columns) if columns is not None else None
        self._forms: dict[str, _DriverForm] = {}

    def rows(self, conn: Connection, params: Mapping[str, Any]) -> list[Any]:
        form = self._form(conn.dialect)
        values = form.values(params)
        for listener in PREPARED_LISTENERS:
            listener(form.sql, values)
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(form.sql, values)
            return form.read(cursor)
        finally:
            cursor.close()

    def first(self, conn: Connection, params: Mapping[str, Any]) -> Any:
        """The first row, or None when there is none."""
        rows = self.rows(conn, params)
        return rows[0] if rows else None

    def run(self, conn: Connection, params: Mapping[str, Any]) -> None:
        self.rows(conn, params)

    def start(self, conn: Connection, params: Mapping[str, Any]) -> Any:
        """Send the statement and hand back the driver's cursor, its rows not yet read: in
        psycopg's pipeline they come once the pipeline is sent. The caller closes it."""
        form = self._form(conn.dialect)
        values = form.values(params)
        for listener in PREPARED_LISTENERS:
            listener(form.sql, values)
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(form.sql, values)
        return cursor

    def scalar(self, conn: Connection, params: Mapping[str, Any]) -> Any:
        """The first column of the one row the statement returns."""
        rows = self.rows(conn, params)
        if len(rows) != 1:
            raise LookupError(f"expected one row, got {len(rows)}: {self._form(conn.dialect).sql}")
        return rows[0][0]

    def run_many(self, conn: Connection, many: Sequence[Mapping[str, Any]]) -> None:
        """Run the statement once per mapping with one driver call (no rows come back)."""
        form = self._form(conn.dialect)
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(form.sql, [form.values(params) for params in many])
        finally:
            cursor.close()

    def _form(self, dialect: Dialect) -> _DriverForm:
        form = self._forms.get(dialect.name)
        if form is None:
            form = self._forms[dialect.name] = self._compile(dialect)
        return form

    def _compile(self, dialect: Dialect) -> _DriverForm:
        statement = self.statement
        if dialect.name == "sqlite" and self.sqlite is not None:
            statement = self.sqlite
        compiled = statement.compile(dialect=dialect, column_keys=self.columns)
        by_name = {name: bind for bind, name in compiled.bind_names.items()}
        if any(bind.expanding for bind in by_name.values()):
            raise TypeError("expanding IN parameters are compiled per call; use execute")
        names = compiled.positiontup if compiled.positional else list(by_name)
        slots = []
        for name in names or ():
            bind = by_name[name]
            convert = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if bind.required:
                slots.append((name, bind.key, None, convert))
            else:
                slots.append((name, None, bind.effective_value, convert))
        returns_rows, row_type, converts = _result_shape(statement, dialect)
        return _DriverForm(
            compiled.string, tuple(slots), compiled.positional, returns_rows, row_type, converts
        )


def _result_shape(statement: Executable, dialect: Dialect) -> tuple[bool | None, Any, tuple]:
    """Whether the statement returns rows, their named-tuple type and each column's
    conversion on `dialect` (None where the driver's value is already the right one)."""
    exported = getattr(statement, "exported_columns", None)
    if exported is None:  # plain text: the cursor will say
        return None, None, ()
    columns = list(exported)
    if not columns:  # an INSERT or UPDATE without RETURNING
        return False, None, ()
    row_type = namedtuple("PreparedRow", list(exported.keys()), rename=True)  # type: ignore[misc]
    converts = tuple(
        column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
    )
    return True, row_type, converts


def one_of(column: Any, values: Iterable[Any]) -> Any:
    """`column IN (...)` of values fixed when the statement is written, as literals a
    prepared statement can carry (`in_` of a plain list is expanded per call)."""
    return column.in_([literal(value, column.type) for value in values])


def any_of(column: Any, key: str, count: int) -> Any:
    """`column IN (:key_0, ..., :key_{count-1})`: a list of `count` values given per call
    under `key` (see `PreparedPerCount`)."""
    return column.in_([bindparam(f"{key}_{i}", type_=column.type) for i in range(count)])


class PreparedPerCount:
    """A statement with a list of values (`key`), prepared once for each length of the list
    it is run with: a play of the wait estimate asks for one group of services or counters,
    and a mall has few group sizes. `build(n)` writes the statement for a list of n, with
    `any_of(column, key, n)` where the list goes, as a condition every row must meet."""

    def __init__(self, build: Callable[[int], Executable], key: str) -> None:
        self.build = build
        self.key = key
        self._by_count: dict[int, Prepared] = {}

    def rows(self, conn: Connection, params: Mapping[str, Any]) -> list[Any]:
        values = list(params[self.key])
        if not values:  # `IN ()` matches nothing, and SQL has no way to write it
            return []
        prepared = self._by_count.get(len(values))
        if prepared is None:
            prepared = self._by_count[len(values)] = Prepared(self.build(len(values)))
        laid_out = {name: value for name, value in params.items() if name != self.key}
        laid_out.update({f"{self.key}_{i}": value for i, value in enumerate(values)})
        return prepared.rows(conn, laid_out)
