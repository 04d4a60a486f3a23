"""Command-line entry: database upgrade, audit verification and the demo clinic."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.exc import OperationalError, SQLAlchemyError

from acudesk.db.database import Database
from acudesk.db.engine import make_engine
from acudesk.db.migrate import upgrade
from acudesk.domain.errors import AcuDeskError
from acudesk.services.container import Services
from acudesk.services.demo import DEMO_USERS, seed_demo
from acudesk.settings import Settings, describe_url

if TYPE_CHECKING:
    from acudesk.services.startup import MarkerKeeper


log = logging.getLogger(__name__)


class StartupError(Exception):
    """The database could not be opened; the message says which and why, in plain words."""


def open_services(url: str, *, data_dir: Path | None = None) -> Services:
    """``data_dir``: where this workstation keeps its backups and storage marker (None: none)."""
    try:
        return Services.open(url, data_dir=data_dir)
    except AcuDeskError as error:  # a read-only file too old to open, a full disk, ...
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
    from acudesk import cli_storage

    if cli_storage.handles(args):
        return cli_storage.run(args, settings)
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
            db = Database.open(settings.database_url)
            report = Services.build(db).audit.verify()
            db.dispose()
            print(report.text)
            return 0 if report.intact else 1
    except SQLAlchemyError as error:
        print(f"Database error ({describe_url(settings.database_url)}): {error}", file=sys.stderr)
        return 1
    print("Unknown command.", file=sys.stderr)
    return 2
