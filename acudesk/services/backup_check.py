"""Checking a backup copy: integrity_check, the main tables' counts, the audit chain.

The window's backups check a new copy in a child process at a lower priority (``verify_in_child``):
the audit chain's check is pure Python and, in a thread of the window's process, would hold the
interpreter lock against the window.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from acudesk.db import storage
from acudesk.db.anchor import AuditTrail
from acudesk.db.database import Database
from acudesk.db.engine import make_engine, open_read_only
from acudesk.domain.audit_chain import Head
from acudesk.i18n import _
from acudesk.services.audit import AuditService
from acudesk.services.backup_files import (
    MAIN_TABLES,
    BackupError,
    BackupProgress,
    decompress,
    disk_room,
    is_compressed,
    read_manifest,
)


@dataclass(frozen=True)
class Verification:
    ok: bool
    problems: list[str]
    counts: dict[str, int]
    audit: str
    audit_last_id: int
    audit_from: int = 0  # the check began after this event (0: the whole trail)
    audit_from_mac: str = ""
    checkpoint_seq: int = 0  # the newest event the check found intact
    checkpoint_mac: str = ""

    @property
    def checkpoint(self) -> Head | None:
        return Head(self.checkpoint_seq, self.checkpoint_mac) if self.checkpoint_seq else None


def copy_trail(key_path: Path | None) -> AuditTrail:
    """The audit trail of a copy: the source's key (the seals are checked with it), and no
    anchor (the anchor belongs to the live database, which has moved on since the copy)."""
    return AuditTrail(key_path, None, label="backup copy", background=False)


def source_key(source_path: str | Path) -> Path | None:
    """Where the audit key of the database a backup came from lives (beside that file)."""
    if not str(source_path):
        return None
    trail = AuditTrail.for_url(f"sqlite:///{source_path}")
    return trail.key_path


def verify_sqlite_copy(
    path: Path,
    *,
    expected: dict[str, int] | None = None,
    progress: BackupProgress | None = None,
    key_path: Path | None = None,
    start: Head | None = None,
) -> Verification:
    """integrity_check, the main tables' counts (against ``expected``), and the audit chain
    (its seals checked with the key at ``key_path``: the source database's): the events after
    ``start`` only, a checkpoint an earlier verification found intact, or the whole trail."""
    if progress:
        progress("check", 0, 1)
    problems = storage.check(path, full=True)
    if problems:
        return Verification(False, [f"integrity_check: {p}" for p in problems[:20]], {}, "", 0)
    if progress:
        progress("check", 1, 1)
    connection = open_read_only(path)
    try:
        present = storage.table_names(connection)
        counts = storage.count_rows(connection, [t for t in MAIN_TABLES if t in present])
        mark = storage.audit_mark(connection)
    finally:
        connection.close()
    if "audit_events" not in counts:
        problems.append("the copy holds no AcuDesk tables")
    if expected is not None and counts != expected:
        differ = sorted(t for t in set(expected) | set(counts) if expected.get(t) != counts.get(t))
        problems.extend(
            f"{t}: {counts.get(t, 0):,} in the copy, {expected.get(t, 0):,} in the source"
            for t in differ
        )
    if progress:
        progress("audit", 0, 1)
    db = Database(make_engine(f"sqlite:///{path}", read_only=True), trail=copy_trail(key_path))
    audit_progress = (lambda d, t: progress("audit", d, t)) if progress else None
    try:
        service = AuditService(db)
        if start is None:
            report = service.verify(audit_progress)
        else:
            report = service.verify_from(start, progress=audit_progress)
    finally:
        db.dispose()
    if progress:
        progress("audit", 1, 1)
    if not report.intact:
        problems.append(f"audit trail: {report.text}")
    head = report.head if report.intact else None
    return Verification(
        not problems,
        problems,
        counts,
        report.text,
        mark.last_id if mark else 0,
        audit_from=start.seq if start else 0,
        audit_from_mac=start.mac if start else "",
        checkpoint_seq=head.seq if head else 0,
        checkpoint_mac=head.mac if head else "",
    )


def child_command() -> list[str]:
    """This program as a command: the frozen bundle's executable, or ``python -m acudesk``."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "acudesk"]


def _lower_priority() -> None:  # pragma: no cover - runs in the child, before it starts
    os.nice(10)


def verify_in_child(
    path: Path,
    *,
    key_path: Path | None = None,
    start: Head | None = None,
    timeout_s: float = 6 * 3600,
) -> Verification:
    """verify_backup in a separate process at a lower priority: checking the audit chain is
    pure Python, and in a thread of the window's process it would hold the interpreter lock
    against the window (BENCHMARKS.md: a needle logged during a backup waited up to 0.4 s)."""
    kwargs: dict[str, object] = {}
    if sys.platform == "win32":
        kwargs["creationflags"] = getattr(subprocess, "BELOW_NORMAL_PRIORITY_CLASS", 0)
    else:
        kwargs["preexec_fn"] = _lower_priority
    result = subprocess.run(
        [
            *child_command(),
            "backup",
            "verify",
            str(path),
            "--json",
            *(["--audit-key-file", str(key_path)] if key_path else []),
            *(["--audit-from", f"{start.seq}:{start.mac}"] if start else ["--full"]),
        ],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        **kwargs,  # type: ignore[call-overload]
    )
    lines = result.stdout.strip().splitlines()
    try:
        data = json.loads(lines[-1]) if lines else {}
        return Verification(**data)
    except (ValueError, TypeError) as error:
        raise BackupError(
            "The backup could not be verified: the checking process ended without an "
            f"answer (exit {result.returncode}; {result.stderr.strip()[-300:]})."
        ) from error


def against_snapshot(check: Verification, expected: dict[str, int]) -> Verification:
    """The child's verification with the copy's counts compared to the source's snapshot."""
    if check.counts == expected or not check.counts:
        return check
    differ = sorted(
        t for t in set(expected) | set(check.counts) if expected.get(t) != check.counts.get(t)
    )
    problems = check.problems + [
        f"{t}: {check.counts.get(t, 0):,} in the copy, {expected.get(t, 0):,} in the source"
        for t in differ
    ]
    return Verification(
        False,
        problems,
        check.counts,
        check.audit,
        check.audit_last_id,
        check.audit_from,
        check.audit_from_mac,
        check.checkpoint_seq,
        check.checkpoint_mac,
    )


def parse_head(text: str) -> Head:
    """``SEQ:MAC`` as the window's backups hand a checkpoint to the checking process."""
    seq, _sep, mac = text.partition(":")
    return Head(int(seq), mac)


def verify_backup(
    path: Path,
    *,
    progress: BackupProgress | None = None,
    key_path: Path | None = None,
    full: bool = False,
    start: Head | None = None,
    plain_to: Path | None = None,
    server_url: str | None = None,
) -> Verification:
    """Check a backup file again, as `acudesk backup verify FILE` does: its sha256 against its
    manifest, then (SQLite) integrity, counts against the manifest and the audit chain, or
    (pg_dump) the archive restored into a throwaway database and checked there.

    The audit chain is checked from where the backup's own check began when its manifest is
    sealed with the audit key and its sha256 matches (the file is then exactly the one that
    was verified), else (``full``, an old or edited manifest) the whole trail; ``start``
    forces a checkpoint (the window's new copies, checked in a child process). A compressed
    copy is unpacked first: into ``plain_to`` (a restore keeps it) or a temporary file."""
    if not path.is_file():
        return Verification(False, [f"there is no file {path}"], {}, "", 0)
    info = read_manifest(path)
    problems: list[str] = []
    matches = False
    if info is not None and info.sha256:
        digest = storage.sha256_of(
            path, progress=(lambda d, t: progress("sha256", d, t)) if progress else None
        )
        matches = digest == info.sha256
        if not matches:
            problems.append(
                "the file is not the one that was made: its sha256 differs from its manifest's"
            )
    if info is not None and info.kind == "pg_dump":
        from acudesk.services.pg_backup import verify_archive_fully

        check = verify_archive_fully(
            path, server_url=server_url, key_path=key_path, progress=progress
        )
        problems.extend(check.problems)
        return Verification(
            not problems,
            problems,
            check.counts or info.source_counts,
            check.audit,
            check.audit_last_id or info.audit_last_id,
        )
    key = key_path or (source_key(info.source_path) if info is not None else None)
    if (
        start is None
        and not full
        and info is not None
        and matches
        and info.verified
        and info.sealed_with(copy_trail(key).key())
    ):
        start = info.start
    plain, scratch = path, None
    if is_compressed(path):
        size = info.content_size if info is not None else 0
        if plain_to is not None:
            plain = plain_to
        else:
            scratch = Path(tempfile.mkdtemp(prefix="acudesk-verify-"))
            plain = scratch / path.name.removesuffix(".gz")
        room = disk_room(plain.parent, size)
        if room is not None:
            if scratch is not None:
                shutil.rmtree(scratch, ignore_errors=True)
            return Verification(False, [room], {}, "", 0)
        try:
            decompress(path, plain, progress=progress, size=size)
        except BackupError as error:
            if scratch is not None:
                shutil.rmtree(scratch, ignore_errors=True)
            return Verification(False, [*problems, str(error)], {}, "", 0)
    try:
        check = verify_sqlite_copy(
            plain,
            expected=info.counts if info else None,
            progress=progress,
            key_path=key,
            start=start,
        )
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    problems.extend(check.problems)
    if (
        start is not None
        and info is not None
        and check.ok
        and info.checkpoint is not None
        and check.checkpoint != info.checkpoint
    ):
        problems.append(
            _(
                "the copy's newest audit event ({found}) is not the checkpoint its manifest "
                "names ({expected})"
            ).format(found=check.checkpoint_seq, expected=info.checkpoint_seq)
        )
    return Verification(
        not problems,
        problems,
        check.counts,
        check.audit,
        check.audit_last_id,
        check.audit_from,
        check.audit_from_mac,
        check.checkpoint_seq,
        check.checkpoint_mac,
    )
