"""Bulk writing on PostgreSQL: COPY, ids reserved from the tables' sequences, indexes and foreign
keys restored once at the end, django-sequences' counters advanced once, a progress line."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterable
from datetime import datetime

from django.core.management.base import CommandError
from django.db import connection, models


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


class Progress:
    """A one-line progress bar on stderr (a line per 10 % when stderr is not a terminal)."""

    def __init__(self, label: str, total: int, stream=None) -> None:
        self.label, self.total, self.done = label, max(total, 1), 0
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.started = time.monotonic()
        self._last_decile = -1

    def advance(self, n: int) -> None:
        self.done += n
        share = min(self.done / self.total, 1.0)
        elapsed = time.monotonic() - self.started
        if self.tty:
            bar = "#" * int(share * 30)
            self.stream.write(
                f"\r{self.label:<9} [{bar:<30}] {share:4.0%} {self.done:,}/{self.total:,} "
                f"{elapsed:5.1f}s"
            )
            if self.done >= self.total:
                self.stream.write("\n")
            self.stream.flush()
        elif int(share * 10) > self._last_decile:
            self._last_decile = int(share * 10)
            self.stream.write(f"{self.label}: {share:4.0%} {self.done:,}/{self.total:,}\n")


class Table:
    """COPY rows into a model's table: the listed attnames in order, defaults for the rest."""

    def __init__(self, model: type[models.Model], attnames: list[str], now: datetime) -> None:
        self.model = model
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = set(attnames) - set(fields)
        if unknown:
            raise CommandError(f"{model.__name__} has no field(s) {sorted(unknown)}.")
        # Columns not listed take Django's default; an id not listed comes from the table.
        rest = [
            f
            for name, f in fields.items()
            if name not in attnames and not (f.primary_key and isinstance(f, models.AutoField))
        ]
        self.tail = tuple(_default(f, now) for f in rest)
        columns = [fields[a].column for a in attnames] + [f.column for f in rest]
        quoted = ", ".join(quote(c) for c in columns)
        self.sql = f"COPY {quote(model._meta.db_table)} ({quoted}) FROM STDIN"
        self.rows = 0

    def copy(self, rows: Iterable[tuple]) -> None:
        tail = self.tail
        with connection.cursor() as cursor, cursor.cursor.copy(self.sql) as copy:
            for row in rows:
                copy.write_row(row + tail)
                self.rows += 1


def _default(f: models.Field, now: datetime):
    """The value Django would store for a field the loader does not set."""
    if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
        return now
    if f.has_default():
        value = f.get_default()
        return json.dumps(value) if isinstance(f, models.JSONField) else value
    if f.null:
        return None
    if f.empty_strings_allowed:
        return ""
    raise CommandError(f"{f.model.__name__}.{f.name} needs a value; teach the loader it.")


def reserve_ids(model: type[models.Model], n: int) -> int:
    """The first of `n` consecutive ids taken from the table's sequence (the table is locked)."""
    if n <= 0:
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
        seq = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s)", [seq])
        start = cursor.fetchone()[0]
        if n > 1:
            cursor.execute("SELECT setval(%s, %s)", [seq, start + n - 1])
    return start


class DeferredChecks:
    """Drop a table's foreign keys and secondary indexes for a bulk load, then restore them.

    Building an index once and validating a foreign key with one join are far cheaper than
    maintaining them row by row (and PostgreSQL would queue every deferred foreign-key check to
    the commit). Constraints and indexes come back with their exact definitions, under the same
    names, inside the same transaction; unique and primary keys stay in place throughout.
    """

    def __init__(self, models_: list[type[models.Model]]) -> None:
        self.tables = [m._meta.db_table for m in models_]
        self.foreign_keys: list[tuple[str, str, str]] = []
        self.indexes: list[tuple[str, str]] = []

    def __enter__(self) -> DeferredChecks:
        with connection.cursor() as cursor:
            for table in self.tables:
                cursor.execute(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
                    [table],
                )
                self.foreign_keys += [(table, name, sql) for name, sql in cursor.fetchall()]
                cursor.execute(
                    "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
                    "JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = %s::regclass "
                    "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"
                    " ORDER BY i.relname",
                    [table],
                )
                self.indexes += cursor.fetchall()
            for table, name, _sql in self.foreign_keys:
                cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
            for name, _sql in self.indexes:
                cursor.execute(f"DROP INDEX {quote(name)}")
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            return  # the transaction rolls back, and the drops with it
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for _name, sql in self.indexes:
                cursor.execute(sql)
            for table, name, sql in self.foreign_keys:
                cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {sql}")


class Counters:
    """django-sequences' counters (the domain's numbering), read under a lock and advanced once
    at the end: the bulk form of `get_next_value`."""

    def __init__(self) -> None:
        self.last: dict[str, int] = {}

    def next(self, name: str) -> int:
        if name not in self.last:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT last FROM sequences_sequence WHERE name = %s FOR UPDATE", [name]
                )
                row = cursor.fetchone()
            self.last[name] = row[0] if row else 0
        self.last[name] += 1
        return self.last[name]

    def save(self) -> None:
        with connection.cursor() as cursor:
            for name, last in sorted(self.last.items()):
                cursor.execute(
                    "INSERT INTO sequences_sequence (name, last) VALUES (%s, %s) "
                    "ON CONFLICT (name) DO UPDATE SET last = EXCLUDED.last",
                    [name, last],
                )
