"""A clinic server's database as a `pg_dump -Fc` archive, when pg_dump is installed.

The archive is a logical copy at one moment (pg_dump's own snapshot); it is checked by reading
its table of contents with pg_restore. A clinic server also needs continuous archiving for
point-in-time recovery (README, "A clinic server's backups"); this is the workstation's
on-demand copy.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import subprocess
import time
from datetime import UTC
from pathlib import Path

from sqlalchemy import func, inspect, select, table, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from acudesk.db import storage
from acudesk.db.anchor import AuditTrail
from acudesk.db.database import Database
from acudesk.db.engine import make_engine
from acudesk.domain.clock import Clock
from acudesk.i18n import _
from acudesk.services.audit import AuditService
from acudesk.services.backup import MAIN_TABLES, BackupError, BackupInfo, _free_name
from acudesk.services.backup_check import Verification, copy_trail
from acudesk.services.backup_files import BackupProgress

PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"
DUMP_TIMEOUT_S = 6 * 3600


def find_tool(name: str) -> Path | None:
    """pg_dump or pg_restore on PATH, else the newest in Debian's /usr/lib/postgresql."""
    found = shutil.which(name)
    if found:
        return Path(found)

    def version(candidate: str) -> int:
        number = Path(candidate).parent.parent.name
        return int(number) if number.isdigit() else 0

    candidates = sorted(glob.glob(f"{PG_BIN_GLOB}/{name}"), key=version)
    return Path(candidates[-1]) if candidates else None


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The URL as libpq takes it (no driver name), and the password in the environment (never
    on a command line, where other accounts can read it)."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None, query={})
    return plain.render_as_string(hide_password=False), env


def dump(
    db: Database, url: str, source: str, folder: Path, reason: str, clock: Clock
) -> BackupInfo:
    pg_dump = find_tool("pg_dump")
    if pg_dump is None:
        raise BackupError(
            "pg_dump is not installed on this computer, so AcuDesk cannot archive the clinic "
            "server's database from here. Install the PostgreSQL client (Debian: "
            "`apt-get install postgresql-client`) or back up on the server itself (README, "
            "'A clinic server's backups')."
        )
    made = clock.now().astimezone(UTC)
    name = _free_name(folder, f"clinic-{made:%Y%m%dT%H%M%SZ}", ".dump")
    final = folder / name
    partial = folder / f".{name}.partial"
    storage.create_private(partial)  # 0600 before pg_dump writes into it
    libpq_url, env = _libpq(url)
    started = time.perf_counter()
    try:
        result = subprocess.run(
            [str(pg_dump), "-Fc", "--no-password", "-f", str(partial), "-d", libpq_url],
            env=env,
            capture_output=True,
            text=True,
            timeout=DUMP_TIMEOUT_S,
        )
        if result.returncode != 0:
            raise BackupError(
                f"pg_dump failed ({pg_dump}): {result.stderr.strip().splitlines()[-1:]}"
            )
        dumped = time.perf_counter()
        problems = verify_archive(partial)
        digest = storage.sha256_of(partial)
        os.replace(partial, final)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    counts = _counts(db)
    return BackupInfo(
        file=str(final),
        made_at=made.isoformat(),
        kind="pg_dump",
        source=source,
        source_path="",
        reason=reason,
        size=final.stat().st_size,
        sha256=digest,
        verified=not problems,
        problems=problems,
        counts={},
        source_counts=counts,
        audit="not checked when made: `acudesk backup verify FILE` restores the archive into "
        "a throwaway database and checks its audit trail",
        audit_last_id=0,
        seconds={
            "copy": round(dumped - started, 3),
            "total": round(time.perf_counter() - started, 3),
        },
    )


def verify_archive(path: Path) -> list[str]:
    pg_restore = find_tool("pg_restore")
    if pg_restore is None:
        return ["pg_restore is not installed, so the archive could not be read back"]
    result = subprocess.run(
        [str(pg_restore), "--list", str(path)], capture_output=True, text=True, timeout=600
    )
    if result.returncode != 0:
        return [f"pg_restore cannot read the archive: {result.stderr.strip()[:300]}"]
    missing = [t for t in MAIN_TABLES if f" TABLE DATA public {t} " not in result.stdout]
    return [f"the archive holds no data section for {t}" for t in missing]


def _counts(db: Database) -> dict[str, int]:
    with db.reading() as s:
        present = set(inspect(s.connection()).get_table_names())
        return {
            t: int(s.scalar(select(func.count()).select_from(table(t))) or 0)
            for t in MAIN_TABLES
            if t in present
        }


SCRATCH_PREFIX = "acudesk_verify_"


def verify_archive_fully(
    path: Path,
    *,
    server_url: str | None,
    key_path: Path | None = None,
    progress: BackupProgress | None = None,
) -> Verification:
    """A pg_dump archive checked as a SQLite backup is: restored with pg_restore into a
    throwaway database on ``server_url``'s server, whose audit chain (against the clinic's
    key) and signed records are then checked, and which is dropped afterwards."""
    problems = verify_archive(path)
    if problems:
        return Verification(False, problems, {}, "", 0)
    if server_url is None or make_url(server_url).get_backend_name() != "postgresql":
        return Verification(
            False,
            [
                _(
                    "the archive's table of contents is readable, but its audit trail was not "
                    "checked: that needs a PostgreSQL server to restore it into a throwaway "
                    "database. Run `acudesk backup verify FILE --database-url "
                    "postgresql://OWNER@SERVER/DATABASE` (a role that may create databases)"
                )
            ],
            {},
            "",
            0,
        )
    pg_restore = find_tool("pg_restore")
    assert pg_restore is not None  # verify_archive said so otherwise
    key = key_path or AuditTrail.for_url(server_url).key_path
    scratch = f"{SCRATCH_PREFIX}{secrets.token_hex(5)}"
    admin = make_engine(server_url, statement_timeout_ms=0, lock_timeout_ms=0).execution_options(
        isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{scratch}"'))
    except SQLAlchemyError as error:
        admin.dispose()
        reason = str(getattr(error, "orig", error)).strip().splitlines()[0]
        return Verification(
            False,
            [
                _(
                    "the archive's audit trail could not be checked: a throwaway database "
                    "could not be created on the server ({reason}). Run it as a role that may "
                    "create databases (the server's owner)."
                ).format(reason=reason)
            ],
            {},
            "",
            0,
        )
    scratch_url = make_url(server_url).set(database=scratch).render_as_string(hide_password=False)
    try:
        if progress:
            progress("pg_restore", 0, 1)
        libpq_url, env = _libpq(scratch_url)
        result = subprocess.run(
            [
                str(pg_restore),
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--no-password",
                "-d",
                libpq_url,
                str(path),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=DUMP_TIMEOUT_S,
        )
        if progress:
            progress("pg_restore", 1, 1)
        if result.returncode != 0:
            return Verification(
                False,
                [f"pg_restore could not restore the archive: {result.stderr.strip()[-300:]}"],
                {},
                "",
                0,
            )
        db = Database(make_engine(scratch_url, statement_timeout_ms=0), trail=copy_trail(key))
        try:
            counts = _counts(db)
            report = AuditService(db).verify(
                (lambda d, t: progress("audit", d, t)) if progress else None
            )
            with db.reading() as s:
                last = int(s.scalar(text("SELECT max(id) FROM audit_events")) or 0)
        finally:
            db.dispose()
        found = [] if report.intact else [f"audit trail: {report.text}"]
        head = report.head if report.intact else None
        return Verification(
            not found,
            found,
            counts,
            report.text,
            last,
            checkpoint_seq=head.seq if head else 0,
            checkpoint_mac=head.mac if head else "",
        )
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
        admin.dispose()
