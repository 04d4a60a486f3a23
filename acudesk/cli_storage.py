"""Command line: backups, their verification, restoring one, and starting a new clinic.

    acudesk backup [--to FOLDER] [--full]   make and verify a backup now
    acudesk backup verify [FILE] [--full]   check a backup again (default: the newest)
    acudesk restore FILE                    put a verified backup back in place
    acudesk db init [--new-clinic]          create the database; over a lost one only when asked

Progress goes to stderr as a bar, the result to stdout.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from acudesk.i18n import _
from acudesk.settings import Settings, describe_url

COMMANDS = ("backup", "restore")
_PHASES = {
    "copy": "copying",
    "check": "integrity_check",
    "audit": "audit chain",
    "sha256": "sha256",
    "final check": "integrity_check",
    "compress": "compressing",
    "decompress": "unpacking",
    "pg_restore": "pg_restore",
}


def add_commands(sub: Any, db_sub: Any) -> list[argparse.ArgumentParser]:
    """Add the storage subcommands; returns the leaves that take --database-url."""
    backup = sub.add_parser("backup", help="make and verify a backup of the database now")
    backup.add_argument("--to", type=Path, help="the folder (default: the backup folder set)")
    backup.add_argument(
        "--full",
        action="store_true",
        help="check the whole audit trail in the copy (default: from the previous backup's "
        "checkpoint; the whole trail at least weekly)",
    )
    backup.add_argument(
        "--uncompressed", action="store_true", help="keep the copy as a plain SQLite file"
    )
    backup_sub = backup.add_subparsers(dest="backup_command")
    verify = backup_sub.add_parser("verify", help="check a backup file again")
    verify.add_argument("file", nargs="?", type=Path, help="default: the newest backup")
    verify.add_argument(
        "--full",
        action="store_true",
        help="check the whole audit trail (default: what the backup's own check covered, "
        "when its manifest is sealed with the audit key)",
    )
    verify.add_argument("--json", action="store_true", help="the result as one line of JSON")
    verify.add_argument("--audit-from", help=argparse.SUPPRESS)  # SEQ:MAC, the window's copies
    restore = sub.add_parser("restore", help="put a verified backup in place of the database")
    restore.add_argument("file", type=Path)
    init = db_sub.add_parser("init", help="create the database (a new, empty clinic)")
    init.add_argument(
        "--new-clinic",
        action="store_true",
        help="start a new, empty clinic even where one existed (its file is kept aside)",
    )
    return [backup, verify, restore, init]


def handles(args: argparse.Namespace) -> bool:
    return args.command in COMMANDS or (
        args.command == "db" and getattr(args, "db_command", None) == "init"
    )


class Bar:
    """A progress bar on stderr: redrawn in place on a terminal, a line per tenth otherwise."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stderr
        self.tty = self.out.isatty()
        self.phase = ""
        self.last = -1
        self.started = time.perf_counter()

    def __call__(self, phase: str, done: int, total: int) -> None:
        fraction = done / total if total else 1.0
        tenth = int(fraction * 10)
        if phase == self.phase and not self.tty and tenth == self.last:
            return
        if phase != self.phase and self.phase and self.tty:
            self.out.write("\n")
        self.phase, self.last = phase, tenth
        filled = int(fraction * 30)
        line = (
            f"{_PHASES.get(phase, phase):>16} [{'#' * filled}{'.' * (30 - filled)}] "
            f"{fraction:4.0%}  {time.perf_counter() - self.started:6.1f} s"
        )
        self.out.write(("\r" + line) if self.tty else (line + "\n"))
        self.out.flush()

    def done(self) -> None:
        if self.tty and self.phase:
            self.out.write("\n")
            self.out.flush()


def run(args: argparse.Namespace, settings: Settings) -> int:
    from acudesk.domain.errors import AcuDeskError

    try:
        if args.command == "backup" and args.backup_command == "verify":
            return _verify(args, settings)
        if args.command == "backup":
            return _backup(args, settings)
        if args.command == "restore":
            return _restore(args, settings)
        return _init(args, settings)
    except AcuDeskError as error:
        print(str(error), file=sys.stderr)
        return 1


def _services(settings: Settings) -> Any:
    from acudesk.cli import open_services

    return open_services(settings.database_url, settings.audit_key_file, data_dir=settings.data_dir)


def _backup(args: argparse.Namespace, settings: Settings) -> int:
    services = _services(settings)
    bar = Bar()
    try:
        assert services.backups is not None
        services.backups.compress = not args.uncompressed
        info = services.backups.back_up(
            reason="by hand", folder=args.to, progress=bar, full=args.full
        )
    finally:
        bar.done()
        services.close()
    print(f"Backup: {info.file}")
    print(f"  {info.summary()}")
    print(f"  {info.size:,} bytes, sha256 {info.sha256}, {info.seconds.get('total', 0):.1f} s")
    print(f"  manifest: {info.file}.json")
    if info.compressed:
        print(
            "  "
            + _("compressed (gzip): {size:,} bytes of database in {packed:,}").format(
                size=info.content_size, packed=info.size
            )
        )
    for removed in info.removed:
        print("  " + _("removed the copy made before a migration: {file}").format(file=removed))
    return 0 if info.verified else 1


def _verify(args: argparse.Namespace, settings: Settings) -> int:
    from acudesk.services.backup import verify_backup
    from acudesk.services.backup_check import parse_head

    start = parse_head(args.audit_from) if args.audit_from else None
    file = args.file
    if file is None:
        services = _services(settings)
        try:
            assert services.backups is not None
            found = services.backups.backups()
        finally:
            services.close()
        if not found:
            print("There is no backup of this database to verify.", file=sys.stderr)
            return 1
        file = found[-1].path
    if args.json:  # for the window's backups, which check a new copy in this process
        import json
        from dataclasses import asdict

        result = verify_backup(
            file,
            key_path=settings.audit_key_file,
            full=args.full,
            start=start,
            server_url=settings.database_url,
        )
        print(json.dumps(asdict(result)))
        return 0 if result.ok else 1
    bar = Bar()
    try:
        result = verify_backup(
            file,
            progress=bar,
            key_path=settings.audit_key_file,
            full=args.full,
            start=start,
            server_url=settings.database_url,
        )
    finally:
        bar.done()
    if result.ok:
        print(f"{file}: verified. {result.audit}")
        if result.audit_from:
            print(
                _(
                    "The audit trail was checked after event {seq}, where the check of an "
                    "earlier verified backup ended; `acudesk backup verify --full {file}` "
                    "checks all of it."
                ).format(seq=result.audit_from, file=file)
            )
        return 0
    print(f"{file}: NOT a good backup:", file=sys.stderr)
    for problem in result.problems:
        print(f"  {problem}", file=sys.stderr)
    return 1


def _restore(args: argparse.Namespace, settings: Settings) -> int:
    from acudesk.services.restore import restore

    bar = Bar()
    try:
        report = restore(
            args.file,
            settings.database_url,
            settings.data_dir,
            progress=bar,
            key_path=settings.audit_key_file,
        )
    finally:
        bar.done()
    print(report.text)
    return 0


def _init(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import UTC, datetime

    from acudesk.db.engine import sqlite_path
    from acudesk.db.storage import shm_path, wal_path
    from acudesk.services.startup import StorageGuard

    guard = StorageGuard(settings.database_url, settings.data_dir)
    path = sqlite_path(settings.database_url)
    report = guard.check()
    has_data = path is not None and path.exists() and path.stat().st_size > 0
    if not args.new_clinic and (report.problem is not None or has_data):
        print(
            "There is (or was) a clinic on this database, so no new one was made: "
            f"{describe_url(settings.database_url)}.\n"
            + (report.problem.text if report.problem else "")
            + "\nTo abandon it and start a new, empty clinic: acudesk db init --new-clinic",
            file=sys.stderr,
        )
        return 1
    if path is not None and args.new_clinic:
        stamp = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
        for current in (path, wal_path(path), shm_path(path)):
            if current.exists():
                target = current.with_name(f"{current.name}.before-new-clinic-{stamp}")
                current.replace(target)
                print(f"Kept aside: {target}")
        guard.marker.forget(path)
    services = _services(settings)
    try:
        guard.remember(services.db, now=datetime.now(UTC))
    finally:
        services.close()
    print(f"A new, empty clinic database is ready: {describe_url(settings.database_url)}")
    return 0
