"""Command-line entry: database upgrade, audit verification and the demo clinic."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from acudesk.db.anchor import AuditKeyError, AuditTrail
from acudesk.db.database import Database
from acudesk.db.engine import make_engine
from acudesk.db.migrate import upgrade
from acudesk.domain.errors import AcuDeskError
from acudesk.services.audit import Progress
from acudesk.services.container import Services
from acudesk.services.demo import DEMO_USERS, seed_demo
from acudesk.settings import Settings, describe_url

if TYPE_CHECKING:
    from acudesk.services.startup import MarkerKeeper


log = logging.getLogger(__name__)


class StartupError(Exception):
    """The database could not be opened; the message says which and why, in plain words."""


def open_services(
    url: str,
    key_file: Path | None = None,
    *,
    data_dir: Path | None = None,
    **engine_options: Any,
) -> Services:
    """Open, migrate and key the database's audit trail (checking an old one once).
    ``data_dir``: where this workstation keeps its backups and storage marker (None: none)."""
    services: Services | None = None
    try:
        services = Services.open(
            url,
            trail=AuditTrail.for_url(url, key_file=key_file),
            data_dir=data_dir,
            **engine_options,
        )
        if not services.db.read_only:  # keying writes; a read-only file is read as it is
            services.audit.prepare()
        return services
    except AuditKeyError as error:
        if services is not None:
            services.close()
        raise StartupError(str(error)) from error
    except AcuDeskError as error:  # a read-only file too old to open, a full disk, ...
        if services is not None:
            services.close()
        raise StartupError(
            f"AcuDesk could not open the database ({describe_url(url)}): {error}"
        ) from error
    except OSError as error:  # the folder cannot be created or entered
        raise StartupError(
            f"AcuDesk could not open the database ({describe_url(url)}): "
            f"{error.strerror or error} ({error.filename or 'its folder'}). Check that the "
            "folder exists and this account may write to it."
        ) from error
    except OperationalError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise StartupError(
            f"AcuDesk could not open the database ({describe_url(url)}): {reason}"
        ) from error
    except SQLAlchemyError as error:
        raise StartupError(
            f"AcuDesk could not open the database ({describe_url(url)}): {error}"
        ) from error


def seed_and_print_demo(services: Services) -> None:
    seed_demo(services)
    print("AcuDesk demo clinic (throwaway database; these accounts exist only in the demo):")
    print(f"  {'log-in':<10} {'PIN':<6} {'password':<16} name and role")
    for user in DEMO_USERS:
        roles = ", ".join(r.value for r in user.roles)
        print(f"  {user.username:<10} {user.pin:<6} {user.password:<16} {user.full_name} ({roles})")
    sys.stdout.flush()


def check_storage(settings: Settings) -> str | None:
    """The start-up checks (acudesk.services.startup): what is wrong, or None."""
    from acudesk.services.startup import StorageGuard

    try:
        report = StorageGuard(settings.database_url, settings.data_dir).check()
    except OSError as error:
        return (
            f"AcuDesk cannot examine the database file: {error.strerror or error} "
            f"({error.filename or describe_url(settings.database_url)}). Check that this "
            "account may read it and its folder."
        )
    return report.problem.text if report.problem else None


def remember_storage(settings: Settings, services: Services) -> MarkerKeeper:
    """After a good start: record the file in the storage marker, and keep it up to date
    after every saved action until the keeper is stopped."""
    from acudesk.services.startup import MarkerKeeper, StorageGuard

    guard = StorageGuard(settings.database_url, settings.data_dir)
    try:
        guard.remember(services.db, now=datetime.now(UTC))
    except (OSError, AcuDeskError):  # a read-only data folder must not stop the room
        log.warning("the storage marker could not be written", exc_info=True)
    return MarkerKeeper(guard, services.db, services.clock).start()


def run(args: argparse.Namespace, settings: Settings) -> int:
    from acudesk import cli_export, cli_storage

    if cli_storage.handles(args):
        return cli_storage.run(args, settings)
    if cli_export.handles(args):
        return cli_export.run(args, settings)
    try:
        if args.command == "db" and args.db_command == "upgrade":
            problem = check_storage(settings)
            if problem is not None:
                print(problem, file=sys.stderr)
                return 1
            engine = make_engine(settings.database_url)
            backup = upgrade(engine)
            engine.dispose()
            if backup is not None:
                print(f"Copied the database aside before migrating: {backup}")
            print(f"Database is up to date: {describe_url(settings.database_url)}")
            return 0
        if args.command == "audit" and args.audit_command == "verify":
            return verify_audit(settings)
        if args.command == "server" and args.server_command == "init":
            return init_clinic_server(settings, args.app_role, args.app_password_env)
    except SQLAlchemyError as error:
        print(f"Database error ({describe_url(settings.database_url)}): {error}", file=sys.stderr)
        return 1
    print("Unknown command.", file=sys.stderr)
    return 2


def init_clinic_server(settings: Settings, role: str, password_env: str | None) -> int:
    """`acudesk server init`: the clinic administrator sets up the server's database once."""
    from acudesk.db.server import init_server

    password = os.environ.get(password_env) if password_env else None
    if password_env and not password:
        print(f"The environment variable {password_env} is empty or not set.", file=sys.stderr)
        return 2
    engine = make_engine(settings.database_url, statement_timeout_ms=0)
    try:
        steps = init_server(engine, role, password)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    for step in steps:
        print(f"- {step}")
    url = make_url(settings.database_url).set(username=role, password=None)
    print(
        "Point every workstation at the server as this role:\n"
        f"  acudesk --database-url {url.render_as_string(hide_password=True)}"
    )
    return 0


def verify_audit(settings: Settings, err: TextIO | None = None) -> int:
    """`acudesk audit verify`: the whole check; exit status 1 when anything is wrong."""
    stream = err or sys.stderr
    trail = AuditTrail.for_url(settings.database_url, key_file=settings.audit_key_file)
    db = Database.open(settings.database_url, trail=trail)
    started = time.monotonic()
    try:
        report = Services.build(db).audit.verify(progress_bar(stream))
    finally:
        db.dispose()
    if stream.isatty():
        stream.write("\n")
    stream.write(
        f"Checked {report.events} audit events and {report.sessions} signed records in "
        f"{time.monotonic() - started:.1f} s.\n"
    )
    stream.flush()
    print(report.text)
    return 0 if report.intact else 1


def progress_bar(stream: TextIO, width: int = 30) -> Progress:
    """A one-line bar redrawn in place, only on a terminal."""
    shown = [-1]

    def show(done: int, total: int) -> None:
        if not stream.isatty():
            return
        percent = 100 if total <= 0 else min(100, done * 100 // total)
        if percent == shown[0]:
            return
        shown[0] = percent
        filled = percent * width // 100
        stream.write(
            f"\rChecking the audit trail [{'#' * filled}{'.' * (width - filled)}] {percent:3d}%"
        )
        stream.flush()

    return show
