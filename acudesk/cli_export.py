"""Command line: data exports and the demo clinic.

    acudesk export course ID --stricta FILE.json | --csv FILE | --pdf FILE
    acudesk export session ID --pdf FILE
    acudesk export stricta --from DATE --to DATE (--json FILE | --csv FILE)
    acudesk export sessions --from DATE --to DATE --csv FILE
    acudesk export needles --from DATE --to DATE --csv FILE
    acudesk demo seed                       write the demo clinic into an empty database

Every export needs a log-in (an administrator, acupuncturist or nurse): ``--user NAME``, and the
password typed at the prompt, or read from the environment variable named by
``--password-env`` (never on the command line), or one line on stdin when it is not a terminal.
Each export is audited under that account; files are created 0600.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import Any

from acudesk.domain.errors import AcuDeskError
from acudesk.domain.exports import ExportKind, ExportUnavailable, Period, parse_date
from acudesk.i18n import _
from acudesk.settings import Settings, describe_url

COMMANDS = ("export", "demo")


def add_commands(sub: Any) -> list[argparse.ArgumentParser]:
    """Add `export` and `demo`; returns the leaves that take --database-url."""
    export = sub.add_parser("export", help="export data: STRICTA 2010, CSV (and PDF papers)")
    export_sub = export.add_subparsers(dest="export_command", required=True)
    course = export_sub.add_parser("course", help="one course: STRICTA as JSON or CSV")
    course.add_argument("id", help="the course's number in the database (course_id in CSV)")
    what = course.add_mutually_exclusive_group(required=True)
    what.add_argument("--stricta", type=Path, metavar="FILE.json", help="STRICTA 2010, JSON")
    what.add_argument("--csv", type=Path, metavar="FILE", help="STRICTA 2010, CSV")
    what.add_argument("--pdf", type=Path, metavar="FILE", help="the course summary, PDF")
    session = export_sub.add_parser("session", help="one session's record as PDF")
    session.add_argument("id")
    session.add_argument("--pdf", type=Path, metavar="FILE", required=True)
    stricta = export_sub.add_parser("stricta", help="STRICTA 2010 of the sessions in a period")
    stricta_what = stricta.add_mutually_exclusive_group(required=True)
    stricta_what.add_argument("--json", type=Path, metavar="FILE")
    stricta_what.add_argument("--csv", type=Path, metavar="FILE")
    leaves = [course, session, stricta]
    for name, text in (("sessions", "one row per session"), ("needles", "one row per needle")):
        leaf = export_sub.add_parser(name, help=f"CSV, {text}, for a period")
        leaf.add_argument("--csv", type=Path, metavar="FILE", required=True)
        leaves.append(leaf)
    for leaf in (stricta, *leaves[3:]):
        leaf.add_argument("--from", dest="first", required=True, metavar="DATE")
        leaf.add_argument("--to", dest="last", required=True, metavar="DATE")
    for leaf in leaves:
        leaf.add_argument("--user", help="log-in name (asked when not given)")
        leaf.add_argument(
            "--password-env", help="name of an environment variable holding the password"
        )
    demo = sub.add_parser("demo", help="the demo clinic")
    demo_sub = demo.add_subparsers(dest="demo_command", required=True)
    leaves.append(demo_sub.add_parser("seed", help="write the demo clinic into an empty database"))
    return leaves


def handles(args: argparse.Namespace) -> bool:
    return args.command in COMMANDS


def run(args: argparse.Namespace, settings: Settings) -> int:
    from acudesk.cli import StartupError

    try:
        if args.command == "demo":
            return _seed(settings)
        return _export(args, settings)
    except StartupError as error:
        print(error, file=sys.stderr)
        return 1
    except AcuDeskError as error:
        print(str(error), file=sys.stderr)
        return 1


# -- the PDF papers: their renderer is called here ---------------------------------------------


def render_pdf(services: Any, user_id: int, what: str, record_id: int, path: Path) -> str:
    """``what`` is "session" or "course": the paper laid out by Qt's document stack (offscreen,
    no window), audited under ``user_id``, created 0600. Returns a line for stdout."""
    try:
        from acudesk.ui import papers  # Qt loads only for a PDF
    except ImportError as error:  # pragma: no cover - a broken Qt install
        raise ExportUnavailable(
            _(
                "PDF export needs Qt, which does not load here ({error}): nothing was written."
            ).format(error=error)
        ) from None
    write = papers.write_session_pdf if what == "session" else papers.write_course_pdf
    written = write(services, record_id, path, user_id)
    return _("PDF written to {path}").format(path=written)


# -- exports -----------------------------------------------------------------------------------


def _number(text: str, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        from acudesk.domain.errors import RuleViolation

        raise RuleViolation(
            "id_format",
            _("{what}: '{text}' is not a record number (a whole number above 0).").format(
                what=what, text=text
            ),
        )
    return value


def _export(args: argparse.Namespace, settings: Settings) -> int:
    from acudesk.cli import open_services
    from acudesk.services.exports import ExportRequest

    command = args.export_command
    period = None
    if command in ("stricta", "sessions", "needles"):
        period = Period(parse_date(args.first, "--from"), parse_date(args.last, "--to"))
    record_id = (
        _number(args.id, _("Course") if command == "course" else _("Session"))
        if (command in ("course", "session"))
        else None
    )
    services = open_services(settings.database_url, settings.audit_key_file)
    try:
        user = _log_in(services, args)
        if getattr(args, "pdf", None) is not None:
            assert record_id is not None
            print(render_pdf(services, user, command, record_id, args.pdf))
            return 0
        if command == "course":
            kind = ExportKind.STRICTA_JSON if args.stricta else ExportKind.STRICTA_CSV
            request = ExportRequest(kind, course_id=record_id)
            path = args.stricta or args.csv
        elif command == "stricta":
            kind = ExportKind.STRICTA_JSON if args.json else ExportKind.STRICTA_CSV
            request = ExportRequest(kind, period)
            path = args.json or args.csv
        else:
            kind = ExportKind.SESSIONS_CSV if command == "sessions" else ExportKind.NEEDLES_CSV
            request = ExportRequest(kind, period)
            path = args.csv
        result = services.exports.export(user, request, path)
    finally:
        services.close()
    print(result.text)
    return 0


def _log_in(services: Any, args: argparse.Namespace) -> int:
    """The account the export is recorded under: name and password, checked as at log-in."""
    username = args.user
    if not username:
        if not sys.stdin.isatty():
            raise ExportUnavailable(_("Give the log-in name with --user NAME."))
        username = input(_("Log-in name: "))
    if args.password_env:
        password = os.environ.get(args.password_env, "")
        if not password:
            raise ExportUnavailable(
                _("The environment variable {name} is empty or not set.").format(
                    name=args.password_env
                )
            )
    elif sys.stdin.isatty():
        password = getpass.getpass(_("Password for {user}: ").format(user=username))
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    user: int = services.auth.log_in(username, password).id
    return user


# -- the demo clinic ---------------------------------------------------------------------------


def _seed(settings: Settings) -> int:
    from acudesk.cli import open_services, seed_and_print_demo

    services = open_services(settings.database_url, settings.audit_key_file)
    try:
        if services.users.count() > 0:
            print(
                _(
                    "This database already holds a clinic ({url}): the demo was not written. "
                    "Give the address of a new, empty database."
                ).format(url=describe_url(settings.database_url)),
                file=sys.stderr,
            )
            return 1
        seed_and_print_demo(services)
    finally:
        services.close()
    print(_("The demo clinic is in {url}.").format(url=describe_url(settings.database_url)))
    return 0
