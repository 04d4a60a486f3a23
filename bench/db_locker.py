"""Child process: another workstation holding the database locked, for ``bench.alarm_probe``.

    python -m bench.db_locker --database-url URL --mode rows|tables --seconds 30 [--ids 3,4]

It talks to the database through the bare driver (sqlite3 or psycopg), not through AcuDesk, as a
maintenance tool or a hung program on another PC would, and without AcuDesk's bounded waits
(no ``idle_in_transaction_session_timeout``: the lock is held for the whole time). Once it holds
the lock it prints ``LOCKED <time.time()>``, after releasing it ``RELEASED <time.time()>``.

- SQLite, ``rows``: ``BEGIN EXCLUSIVE``. In WAL mode (as ``make_engine`` opens the file) that is
  the write lock: every writer waits (``busy_timeout``) and gives up; readers go on reading the
  last committed state. ``tables`` is refused: no second connection can keep WAL readers out
  while the window's own connections are open (``locking_mode=EXCLUSIVE`` then cannot lock).
- PostgreSQL, ``rows``: ``SELECT ... FOR UPDATE`` on the given sessions and their patients (the
  rows a needle action locks); readers are not held up. ``tables``: ``LOCK TABLE
  treatment_sessions, needle_insertions IN ACCESS EXCLUSIVE MODE``: the needle watch's read waits
  too, until its ``lock_timeout``.
"""

from __future__ import annotations

import argparse
import sys
import time

from sqlalchemy.engine import make_url


def _say(word: str) -> None:
    sys.stdout.write(f"{word} {time.time()!r}\n")
    sys.stdout.flush()


def hold_sqlite(path: str, mode: str, seconds: float) -> None:
    import sqlite3

    if mode != "rows":
        raise SystemExit("SQLite (WAL): another connection cannot keep readers out")
    connection = sqlite3.connect(path, isolation_level=None, timeout=10)
    try:
        connection.execute("BEGIN EXCLUSIVE")
        _say("LOCKED")
        time.sleep(seconds)
        connection.execute("ROLLBACK")
        _say("RELEASED")
    finally:
        connection.close()


def hold_postgresql(url: str, mode: str, seconds: float, ids: list[int]) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=False) as connection:
        if mode == "tables":
            connection.execute(
                "LOCK TABLE treatment_sessions, needle_insertions IN ACCESS EXCLUSIVE MODE"
            )
        else:
            connection.execute(
                "SELECT t.id, p.id FROM treatment_sessions t"
                " JOIN courses c ON c.id = t.course_id JOIN patients p ON p.id = c.patient_id"
                " WHERE t.id = ANY(%s) FOR UPDATE OF t, p",
                (ids,),
            )
        _say("LOCKED")
        time.sleep(seconds)
        connection.rollback()
        _say("RELEASED")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.db_locker")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--mode", choices=("rows", "tables"), default="rows")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--ids", default="", help="PostgreSQL rows: the sessions to lock")
    args = parser.parse_args()
    url = make_url(args.database_url)
    if url.get_backend_name() == "sqlite":
        assert url.database, "a SQLite file, not memory"
        hold_sqlite(url.database, args.mode, args.seconds)
    else:
        plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
        ids = [int(x) for x in args.ids.split(",") if x]
        hold_postgresql(plain, args.mode, args.seconds, ids)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
