"""The engine: SQLite (WAL, busy timeout, immediate write transactions) or PostgreSQL through psycopg 3."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import event, inspect, literal_column
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import configure_mappers, make_transient_to_detached
from sqlmodel import Session, create_engine

M = TypeVar("M")

MIGRATIONS = Path(__file__).parent / "migrations"
DEFAULT_URL = "sqlite:///./idesluss.db"


def normalise_url(url: str) -> str:
    """Accept `postgres://` and `postgresql://` and use psycopg 3 for them."""
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def create_db_engine(url: str, *, busy_timeout_ms: int = 10_000) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000})

        @event.listens_for(engine, "connect")
        def _sqlite_on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            # Let SQLAlchemy, not pysqlite, decide when transactions begin (so BEGIN IMMEDIATE below works).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()
            # SQLite has no time zones: figures group rows by local date with this (see local_date below).
            dbapi_connection.create_function("idesluss_local_date", 2, _sqlite_local_date, deterministic=True)

        @event.listens_for(engine, "begin")
        def _sqlite_on_begin(conn) -> None:  # type: ignore[no-untyped-def]
            # Take the write lock up front: two writers never deadlock on a lock upgrade, they queue.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


class Database:
    """The engine and a way to open a transaction. Service functions take the `Session` it yields."""

    def __init__(self, url: str = DEFAULT_URL) -> None:
        self.url = normalise_url(url)
        self.engine = create_db_engine(self.url)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back (nothing half-written) on error."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def upgrade(self) -> None:
        upgrade(self.engine)

    def ping(self) -> bool:
        with self.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        return True

    def dispose(self) -> None:
        self.engine.dispose()


def unindexed(column: Any) -> Any:
    """`column`, as an expression no index is chosen for (`column + 0`). Where a query should be driven by a
    small time window of another table (stage changes, votes, adoptions) or by another index, SQLite, which
    keeps no statistics, would otherwise walk every idea of the organisation through its `org_id` index and
    look the window up for each. Same result; PostgreSQL plans from its statistics either way. The 0 is
    written into the SQL, not bound, so the same expression in a GROUP BY is the same text to PostgreSQL."""
    return column + literal_column("0")


def insert_for(session: Session, model: type):  # type: ignore[no-untyped-def]
    """An INSERT construct of the session's dialect, for ON CONFLICT DO NOTHING / DO UPDATE.

    SQLite and PostgreSQL spell upserts alike, but SQLAlchemy keeps them in dialect modules.
    """
    from sqlalchemy.dialects import postgresql, sqlite

    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return module.insert(model)


def as_loaded(session: Session, model: type[M], row: Mapping[str, Any] | Sequence[Any]) -> M:
    """The `model` instance of a row read (or written) by a Core statement, in `session` as if the ORM had
    loaded it: persistent, history clean, the same object as any instance of that row already in the session.

    `row` holds every column of the table: by name (a mapping), or in the table's column order (a row of
    `select(table, …)`; what follows the table's columns is not looked at). The hottest requests (a capture)
    read and write a handful of rows; building them through the ORM's row loading or a model's validating
    __init__ cost more than the statements did.
    """
    mapper, keys, primary = _mapped(model)
    values = row if isinstance(row, Mapping) else dict(zip(keys, row, strict=False))
    found = session.identity_map.get(mapper.identity_key_from_primary_key([values[key] for key in primary]))
    if found is not None:
        return found  # type: ignore[no-any-return]
    instance = mapper.class_manager.new_instance()  # as the ORM makes one: model.__new__, no validation
    instance.__dict__.update(values)
    make_transient_to_detached(instance)
    session.add(instance)
    return instance  # type: ignore[no-any-return]


@lru_cache(maxsize=64)
def _mapped(model: type) -> tuple[Any, tuple[str, ...], tuple[str, ...]]:
    """A model's mapper, its attribute names in table column order, the names of its primary key."""
    configure_mappers()  # the ORM does this before its first query; `as_loaded` may come first (the CLI)
    mapper = inspect(model)
    keys = tuple(mapper.get_property_by_column(column).key for column in mapper.local_table.c)
    primary = tuple(mapper.get_property_by_column(column).key for column in mapper.primary_key)
    return mapper, keys, primary


class _Compiled(NamedTuple):
    sql: str
    positions: tuple[str, ...] | None  # the parameters' order, for a positional paramstyle (SQLite's qmark)
    fixed: dict[str, Any]  # values compiled into the statement (literals)
    processors: dict[str, Any]  # parameter conversions (SQLite: timestamps to text)
    results: list[Any] | None  # result conversions per column, None when there are none


class Prepared:
    """A Core statement compiled once per dialect and run on a DBAPI cursor of the session's connection (in its
    transaction), its parameters and result values converted by the columns' types as SQLAlchemy's own
    execution converts them (SQLite's text timestamps, booleans as integers).

    For the hottest path only (a capture runs ten statements): SQLAlchemy's per-execution work (the cache key,
    the execution context, the result's metadata built from the cursor's description) cost more per
    statement than SQLite took to run it. A driver error is raised as SQLAlchemy raises it (`DBAPIError`
    with the driver's error as `orig`, a lost connection invalidated: `is_transient` reads both); the
    engine's cursor events (before/after_cursor_execute) are not fired for these statements.
    `column_keys`: for an INSERT, the columns given (the others take their defaults).
    """

    def __init__(self, statement: Any, *, column_keys: Sequence[str] | None = None) -> None:
        self.statement = statement
        self.column_keys = list(column_keys) if column_keys is not None else None
        self._compiled: dict[str, _Compiled] = {}

    def _compile(self, dialect: Any) -> _Compiled:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            done = self.statement.compile(dialect=dialect, column_keys=self.column_keys)
            if "POSTCOMPILE" in done.string or done.escaped_bind_names:  # expanding IN, names needing quotes
                raise ValueError(f"not a statement Prepared can run: {done.string}")
            processors = {name: processor for bind, name in done.bind_names.items()
                          if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None}
            fixed = {name: bind.effective_value for bind, name in done.bind_names.items() if not bind.required}
            columns = getattr(self.statement, "exported_columns", ())
            results = [column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns]
            compiled = _Compiled(done.string, done.positiontup if dialect.positional else None, fixed, processors,
                                 results if any(results) else None)
            self._compiled[dialect.name] = compiled
        return compiled

    @staticmethod
    def _parameters(compiled: _Compiled, params: Mapping[str, Any]) -> Any:
        values = {**compiled.fixed, **params} if compiled.fixed else dict(params)  # a missing one: KeyError
        for name, processor in compiled.processors.items():
            values[name] = processor(values[name])
        return tuple(values[name] for name in compiled.positions) if compiled.positions is not None else values

    def rows(self, session: Session, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """Run it; its rows (none for a statement without a result), values as the columns' types make them."""
        connection = session.connection()
        compiled = self._compile(connection.dialect)
        rows = _run(connection, compiled.sql, self._parameters(compiled, params or {}), many=False)
        processors = compiled.results
        if not rows or processors is None:
            return rows
        return [tuple(value if convert is None else convert(value) for convert, value in zip(processors, row,
                                                                                                 strict=True))
                for row in rows]

    def run_many(self, session: Session, params: Sequence[Mapping[str, Any]]) -> None:
        """Run it once per parameter set, in one `executemany`."""
        connection = session.connection()
        compiled = self._compile(connection.dialect)
        _run(connection, compiled.sql, [self._parameters(compiled, one) for one in params], many=True)


def _run(connection: Any, sql: str, args: Any, *, many: bool) -> list[Any]:
    """`sql` on a DBAPI cursor of `connection`, a driver error raised as SQLAlchemy's `Connection` raises it."""
    from sqlalchemy.exc import DBAPIError

    dialect = connection.dialect
    cursor = connection.connection.cursor()
    try:
        if many:
            cursor.executemany(sql, args)
        else:
            cursor.execute(sql, args)
        return list(cursor.fetchall()) if cursor.description is not None else []
    except dialect.loaded_dbapi.Error as error:
        lost = dialect.is_disconnect(error, connection.connection, cursor)
        if lost:
            connection.invalidate(error)
        raise DBAPIError.instance(sql, args, error, dialect.loaded_dbapi.Error, connection_invalidated=lost,
                                  dialect=dialect) from error
    finally:
        cursor.close()


@lru_cache(maxsize=65_536)
def _local_day(hour_prefix: str, timezone: str) -> str:
    moment = datetime.fromisoformat(hour_prefix.replace(" ", "T") + ":00").replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(timezone)).date().isoformat()


def _sqlite_local_date(stamp: str | None, timezone: str) -> str | None:
    """The local date of a stored UTC timestamp. Offsets are whole hours, so the hour decides the date
    (cached per hour: a figures query over 100,000 ideas converts a few thousand distinct hours)."""
    if stamp is None:
        return None
    return _local_day(str(stamp)[:13], timezone)


@lru_cache(maxsize=256)
def offset_intervals(timezone: str, start: datetime, end: datetime) -> tuple[tuple[datetime, int], ...]:
    """The zone's UTC offsets between `start` and `end` (UTC): ((from when, offset in seconds), ...), exact to the
    second a clock change happens (found by bisection between two hours that disagree). Remembered: a digest
    run asks for the same period's offsets in each of its figures queries (the walk is hour by hour)."""
    zone = ZoneInfo(timezone)

    def offset(moment: datetime) -> int:
        delta = moment.astimezone(zone).utcoffset()
        return int(delta.total_seconds()) if delta is not None else 0

    hour = timedelta(hours=1)
    moment = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    intervals = [(moment, offset(moment))]
    while moment < end:
        following = moment + hour
        if offset(following) != intervals[-1][1]:
            low, high = moment, following
            while (high - low) > timedelta(seconds=1):
                middle = low + (high - low) / 2
                low, high = (middle, high) if offset(middle) == intervals[-1][1] else (low, middle)
            intervals.append((high.replace(microsecond=0), offset(following)))
        moment = following
    return tuple(intervals)


def local_date(session: Session, column: Any, timezone: str, *, start: datetime | None = None,
               end: datetime | None = None) -> Any:
    """A SQL expression for the local date (ISO text on SQLite, a DATE on PostgreSQL) of a UTC timestamp
    column in `timezone`, so queries can group by the day a person saw, exactly, on both databases.

    On SQLite, with the range of timestamps known (`start`, `end`), it is a CASE over the zone's offsets in
    that range evaluated by SQLite itself; without it, a registered Python function (slower per row)."""
    from sqlalchemy import Date, case, cast, func, literal

    if session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone(timezone, column), Date)
    if start is None or end is None:
        return func.idesluss_local_date(column, timezone)
    intervals = offset_intervals(timezone, start, end)
    shifted = [func.date(column, literal(f"{seconds:+d} seconds")) for _, seconds in intervals]
    if len(intervals) == 1:
        return shifted[0]
    whens = [(column < intervals[n + 1][0], shifted[n]) for n in range(len(intervals) - 1)]
    return case(*whens, else_=shifted[-1])


def is_transient(exc: BaseException) -> bool:
    """A failure that a second attempt of the same transaction may not meet (deadlock, lock timeout)."""
    from sqlalchemy.exc import DBAPIError

    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    code = getattr(exc.orig, "sqlstate", None)
    if code in ("40001", "40P01", "55P03"):  # serialization failure, deadlock, lock not available
        return True
    return "database is locked" in str(exc.orig)


def alembic_config(engine: Engine):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return cfg


def schema_is_current(engine: Engine) -> bool:
    """True when every migration head is applied."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(engine))
    with engine.connect() as connection:
        applied = set(MigrationContext.configure(connection).get_current_heads())
    return applied == set(script.get_heads())


# pg_advisory_lock key of schema upgrades ("idesluss" in ASCII): two operators upgrading at once queue.
UPGRADE_LOCK = 0x6964_6573_6C75_7373 & 0x7FFF_FFFF_FFFF_FFFF


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision (every head: feature branches may add their own).

    On PostgreSQL the upgrade holds an advisory lock, so a second `idesluss db upgrade` started at the same
    moment waits and then finds nothing left to do; on SQLite `BEGIN IMMEDIATE` already serialises writers.
    """
    from alembic import command

    cfg = alembic_config(engine)
    with engine.connect() as connection:
        postgres = connection.dialect.name == "postgresql"
        if postgres:
            connection.exec_driver_sql(f"SELECT pg_advisory_lock({UPGRADE_LOCK})")
        try:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "heads")
            connection.commit()
        finally:
            if postgres:
                connection.rollback()  # a failed migration leaves its transaction open: end it before unlocking
                connection.exec_driver_sql(f"SELECT pg_advisory_unlock({UPGRADE_LOCK})")
                connection.commit()
