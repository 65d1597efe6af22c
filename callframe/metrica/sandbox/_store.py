"""The sandbox's state: uploads in SQLite (a file when given a path, else in memory)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

__all__ = ["Store"]


_SCHEMA = """
CREATE TABLE IF NOT EXISTS uploads (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    counter_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    type TEXT NOT NULL,
    created REAL NOT NULL,
    comment TEXT,
    client_id_type TEXT,
    new_goal_name TEXT,
    source_quantity INTEGER NOT NULL,
    line_quantity INTEGER NOT NULL,
    static_calls INTEGER NOT NULL,
    rows_with_id INTEGER NOT NULL,
    filename TEXT,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    visible_at REAL NOT NULL DEFAULT 0,
    wrong_values INTEGER NOT NULL DEFAULT 0,
    columns TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS counters (
    counter_id INTEGER PRIMARY KEY,
    fresh INTEGER NOT NULL DEFAULT 0,
    available_at REAL,
    calls_extended INTEGER NOT NULL DEFAULT 0,
    basic_extended INTEGER NOT NULL DEFAULT 0
)
"""
_ADDED = {
    "visible_at": "REAL NOT NULL DEFAULT 0",
    "wrong_values": "INTEGER NOT NULL DEFAULT 0",
    "columns": "TEXT NOT NULL DEFAULT ''",
}
"""Columns newer than the first schema: added to a database file made before them."""


class Store:
    def __init__(self, db: str | Path | None) -> None:
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(
            ":memory:" if db is None else str(db), check_same_thread=False, isolation_level=None
        )
        self._conn.row_factory = sqlite3.Row
        with self._lock:
            self._conn.executescript(_SCHEMA)
            have = {r[1] for r in self._conn.execute("PRAGMA table_info(uploads)")}
            for name, decl in _ADDED.items():
                if name not in have:
                    self._conn.execute(f"ALTER TABLE uploads ADD COLUMN {name} {decl}")

    def add(self, row: dict[str, object]) -> int:
        names = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        with self._lock:
            cur = self._conn.execute(
                f"INSERT INTO uploads ({names}) VALUES ({marks})", tuple(row.values())
            )
            return int(cur.lastrowid or 0)

    def get(self, counter: int, kind: str, upload_id: int, now: float) -> dict[str, Any] | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT * FROM uploads WHERE id = ? AND counter_id = ? AND kind = ?"
                " AND visible_at <= ?",
                (upload_id, counter, kind, now),
            ).fetchone()
        return dict(row) if row else None

    def page(
        self, counter: int, kind: str, type: str | None, limit: int, offset: int, now: float
    ) -> list[dict[str, Any]]:
        sql = "SELECT * FROM uploads WHERE counter_id = ? AND kind = ? AND visible_at <= ?"
        args: list[object] = [counter, kind, now]
        if type is not None:
            sql += " AND type = ?"
            args.append(type)
        sql += " ORDER BY id LIMIT ? OFFSET ?"
        args += [limit, offset]
        with self._lock:
            return [dict(r) for r in self._conn.execute(sql, args).fetchall()]

    def all(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(r) for r in self._conn.execute("SELECT * FROM uploads ORDER BY id")]

    def counter(self, counter: int) -> dict[str, Any]:
        """A counter's threshold state (defaults when never set)."""
        with self._lock:
            row = self._conn.execute(
                "SELECT * FROM counters WHERE counter_id = ?", (counter,)
            ).fetchone()
        if row is None:
            return {
                "counter_id": counter,
                "fresh": 0,
                "available_at": None,
                "calls_extended": 0,
                "basic_extended": 0,
            }
        return dict(row)

    def set_counter(self, counter: int, **values: object) -> None:
        state = self.counter(counter) | values
        names = ", ".join(state)
        marks = ", ".join("?" for _ in state)
        with self._lock:
            self._conn.execute(
                f"INSERT OR REPLACE INTO counters ({names}) VALUES ({marks})",
                tuple(state.values()),
            )

    def close(self) -> None:
        with self._lock:
            self._conn.close()


# --- the app --------------------------------------------------------------------------------------
