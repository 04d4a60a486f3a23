"""Composition root: settings -> engine -> migrate -> services -> main window."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from acudesk import cli_export, cli_storage
from acudesk.settings import Settings

if TYPE_CHECKING:
    from acudesk.services.restore import StagedRestore

WINDOW_LOCK_WAIT_MS = 100

NO_DISPLAY_MESSAGE = (
    "AcuDesk needs a graphical display and none was found (DISPLAY is not set): "
    "start it from a desktop session, or run it on a virtual screen with `xvfb-run make run`."
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="acudesk", description="AcuDesk: the acupuncture treatment-room assistant."
    )
    parser.add_argument(
        "--database-url",
        help="SQLAlchemy URL of the database (default: ACUDESK_DATABASE_URL, "
        "then a file in the user data directory)",
    )
    parser.add_argument(
        "--audit-key-file",
        help="the audit key file of this clinic (default: ACUDESK_AUDIT_KEY_FILE, then next "
        "to the SQLite file or in the user data directory under the server's name)",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="start on a throwaway database holding a demo clinic",
    )
    # For installed copies and frozen bundles: start, reach the log-in screen, load the alarm
    # sound, exit (acudesk/ui/smoke.py).
    parser.add_argument(
        "--board",
        action="store_true",
        help="start as a wall screen showing the nurse-station board (initials only)",
    )
    parser.add_argument("--smoke-test", action="store_true", help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command")
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    leaves = [db_sub.add_parser("upgrade", help="apply the schema migrations")]
    server = sub.add_parser("server", help="the clinic's PostgreSQL server")
    server_sub = server.add_subparsers(dest="server_command", required=True)
    init = server_sub.add_parser(
        "init", help="create the schema and the role the workstations log in as (run once)"
    )
    init.add_argument("--app-role", default="acudesk_app", help="the workstations' role")
    init.add_argument(
        "--app-password-env",
        help="name of an environment variable holding the role's password (never on the "
        "command line, where other users of the server could read it)",
    )
    leaves.append(init)
    audit = sub.add_parser("audit", help="audit trail")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    leaves.append(audit_sub.add_parser("verify", help="check the audit trail's hash chain"))
    leaves += cli_storage.add_commands(sub, db_sub)
    leaves += cli_export.add_commands(sub)
    for p in leaves:
        p.add_argument("--database-url", dest="sub_database_url", help=argparse.SUPPRESS)
        p.add_argument("--audit-key-file", dest="sub_audit_key_file", help=argparse.SUPPRESS)
    return parser


def has_display() -> bool:
    if sys.platform != "linux":
        return True
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith(("xcb", "wayland")):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    url = getattr(args, "sub_database_url", None) or args.database_url
    key_file = getattr(args, "sub_audit_key_file", None) or args.audit_key_file
    if args.command is not None:
        from acudesk import cli

        return cli.run(args, Settings.resolve(url, audit_key_file=key_file))
    if not has_display():
        print(NO_DISPLAY_MESSAGE, file=sys.stderr)
        return 2
    if args.demo:
        return _run_demo(url, smoke_test=args.smoke_test, board=args.board)
    settings = replace(Settings.resolve(url, audit_key_file=key_file), board=args.board)
    return _run_gui(settings, smoke_test=args.smoke_test)


def _run_demo(url: str | None, *, smoke_test: bool = False, board: bool = False) -> int:
    with tempfile.TemporaryDirectory(prefix="acudesk-demo-") as tmp:
        demo_url = url or f"sqlite:///{Path(tmp) / 'demo.sqlite3'}"
        from acudesk import cli

        services = cli.open_services(demo_url)
        try:
            cli.seed_and_print_demo(services)
        finally:
            services.close()
        return _run_gui(
            Settings(database_url=demo_url, demo=True, board=board), smoke_test=smoke_test
        )


def _run_gui(settings: Settings, *, smoke_test: bool = False) -> int:
    """The window, until it closes; again on the restored records when the administrator
    restored a backup from it (the database closed first, then the backup put in place)."""
    restored = ""
    while True:
        code, staged = _one_window(settings, smoke_test=smoke_test, restored=restored)
        if staged is None:
            return code
        restored = _put_in_place(settings, staged)


def _one_window(
    settings: Settings, *, smoke_test: bool, restored: str
) -> tuple[int, StagedRestore | None]:
    from acudesk import cli
    from acudesk.ui.application import run_window, show_startup_problem

    # A throwaway demo database keeps no marker and makes no backups.
    data_dir = None if settings.demo else settings.data_dir
    problem = None if data_dir is None else cli.check_storage(settings)
    if problem is not None:  # before anything opens the file for writing
        print(problem, file=sys.stderr)
        return (1 if smoke_test else show_startup_problem(problem)), None
    try:
        services = cli.open_services(
            settings.database_url,
            settings.audit_key_file,
            data_dir=data_dir,
            # The window's thread never waits long for a record another workstation or program
            # holds: it says "busy, try again" instead (the alarms have a thread of their own).
            busy_timeout_ms=WINDOW_LOCK_WAIT_MS,
            lock_timeout_ms=WINDOW_LOCK_WAIT_MS,
        )
    except cli.StartupError as error:
        print(error, file=sys.stderr)
        return (1 if smoke_test else show_startup_problem(str(error))), None
    keeper = cli.remember_storage(settings, services) if data_dir is not None else None
    try:
        if restored and services.backups is not None:
            services.backups.record_restored({"report": restored})
        # The start-up check: only what was written since the last verified checkpoint. A
        # break is said on the terminal and, above every page, in the window.
        report = services.audit.verify_recent()
        records_problem = "" if report.intact else report.text
        if records_problem:
            print(records_problem, file=sys.stderr)
        return run_window(
            services,
            settings,
            smoke_test=smoke_test,
            records_problem=records_problem,
            restored=restored,
        )
    finally:
        if keeper is not None:
            keeper.stop()
        services.close()


def _put_in_place(settings: Settings, staged: StagedRestore) -> str:
    """The window has closed on the database: the checked copy goes in its place. What the
    next window says above every page (the restore, or why it did not happen)."""
    from acudesk.i18n import _
    from acudesk.services.backup_files import BackupError
    from acudesk.services.restore import finish_restore

    try:
        report = finish_restore(staged, settings.data_dir, key_path=settings.audit_key_file)
    except (BackupError, OSError) as error:
        staged.discard()
        text = _("The backup was not restored: {why}").format(why=error)
        print(text, file=sys.stderr)
        return text
    print(report.text)
    return _(
        "Restored from the backup made {when} ({file}). Records made after that moment are not "
        "in this database; the replaced one is kept aside: {aside}."
    ).format(
        when=report.backup_made_at,
        file=report.backup.name,
        aside=", ".join(p.name for p in report.set_aside) or "-",
    )


def run(argv: Sequence[str]) -> int:
    return main(list(argv[1:]))
