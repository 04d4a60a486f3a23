"""What the audit trail keeps outside the database: its key and its anchor.

The key seals every audit event (HMAC-SHA-256). For a treatment room's SQLite file it is a file
next to the database, created readable by its owner only; for a clinic's PostgreSQL server every
workstation needs the same key, in the file ``ACUDESK_AUDIT_KEY_FILE`` names or in the user data
directory under the server's name (the README says how to copy it and back it up).

The anchor is a small JSON file next to the key that remembers the newest event this
workstation committed (sequence number and seal), the keying point, and the last event a
verification found intact (the checkpoint the start-up check resumes from). It is written after
every commit that appends events: a temporary file, fsync, rename over the old one, fsync of
the folder, so a crash leaves the old anchor or the new one, never half of one. Nothing in the
database can move it back: deleting the newest events shows as an anchor ahead of the database.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from acudesk.db.engine import sqlite_path
from acudesk.domain.audit_chain import Head, key_id
from acudesk.domain.errors import AcuDeskError

log = logging.getLogger(__name__)

KEY_FILE_ENV = "ACUDESK_AUDIT_KEY_FILE"
KEY_BYTES = 32
# Where a unit of work leaves the newest event it appended, for the anchor after its commit.
HEAD_INFO = "acudesk.audit_head"
KEYED_INFO = "acudesk.audit_keyed_from"
ANCHOR_VERSION = 1


class AuditKeyError(AcuDeskError):
    """The audit key is missing, unreadable or not the one the trail was sealed with."""


@dataclass(frozen=True)
class AnchorState:
    head: Head | None = None
    checked: Head | None = None
    keyed_from: int | None = None
    key_id: str = ""
    sealed: bool = True  # False when the file's own seal does not hold (it was edited)
    set_aside: tuple[str, ...] = ()  # earlier anchors found edited, kept for investigation


class AuditTrail:
    """The key and the anchor of one database, as seen from this workstation.

    Paths are injected (tests give a temporary folder); `for_url` derives them from where the
    database lives. With ``anchor_path`` None nothing is anchored (an in-memory database).

    With ``background`` (the default) the anchor is written by a thread of its own right after
    each commit, so the user's action does not wait for two fsyncs; commits that come faster
    than the disk are folded into one write of the newest head. `read` and `flush` wait for it.
    """

    def __init__(
        self,
        key_path: Path | None,
        anchor_path: Path | None,
        *,
        key: bytes | None = None,
        label: str = "",
        background: bool = True,
    ) -> None:
        self.key_path = key_path
        self.anchor_path = anchor_path
        self.label = label
        self.background = background
        self.keyed_from: int | None = None  # known once this process has checked the trail
        self.last_error: str | None = None  # the last anchor write that failed, if any
        self._key = key
        self._lock = threading.RLock()  # the key and the anchor file
        self._pending_lock = threading.Condition()
        self._pending: tuple[Head | None, int | None] | None = None
        self._writing = False
        self._writer: threading.Thread | None = None

    @classmethod
    def for_url(
        cls, url: str, *, data_dir: Path | None = None, key_file: Path | None = None
    ) -> AuditTrail:
        """A SQLite file keeps both next to itself; a server's live in the user data directory
        under a folder named after it. ``ACUDESK_AUDIT_KEY_FILE`` overrides the key's place."""
        env = os.environ.get(KEY_FILE_ENV)
        chosen_key = key_file or (Path(env).expanduser() if env else None)
        path = sqlite_path(url)
        if path is not None:
            return cls(
                chosen_key or path.with_name(path.name + ".audit-key"),
                path.with_name(path.name + ".audit-anchor"),
                label=str(path),
            )
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            return cls.in_memory()
        if data_dir is None:
            from acudesk.settings import default_data_dir

            data_dir = default_data_dir()
        folder = data_dir / "servers" / server_folder_name(url)
        return cls(
            chosen_key or folder / "audit.key",
            folder / "audit-anchor.json",
            label=parsed.render_as_string(hide_password=True),
        )

    @classmethod
    def in_memory(cls) -> AuditTrail:
        return cls(None, None, key=secrets.token_bytes(KEY_BYTES), label="in memory")

    # -- the key ---------------------------------------------------------------------------

    def key(self, *, create: bool = False) -> bytes | None:
        """The key, read once; with ``create`` a new one is made when there is no file yet."""
        with self._lock:
            if self._key is not None:
                return self._key
            path = self.key_path
            if path is None:
                return None
            try:
                self._key = _read_key(path)
            except FileNotFoundError:
                if not create:
                    return None
                self._key = _create_key(path)
            return self._key

    # -- the anchor ------------------------------------------------------------------------

    def read(self) -> AnchorState | None:
        """What the anchor holds once every commit so far is in it."""
        self.flush()
        return self._read()

    def _read(self) -> AnchorState | None:
        if self.anchor_path is None:
            return None
        try:
            raw = self.anchor_path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            data = json.loads(raw)
            body = data["body"]
            state = AnchorState(
                head=_head(body.get("head")),
                checked=_head(body.get("checked")),
                keyed_from=body.get("keyed_from"),
                key_id=str(body.get("key_id", "")),
                set_aside=self._set_aside(),
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return AnchorState(sealed=False, set_aside=self._set_aside())
        key = self.key()
        if key is not None and not hmac.compare_digest(_seal_body(key, body), data.get("mac", "")):
            return replace(state, sealed=False)
        return state

    def committed(self, head: Head | None, keyed_from: int | None) -> None:
        """After a commit that appended events: the anchor moves on (only ever forward)."""
        if keyed_from is not None:
            self.keyed_from = keyed_from
        if self.anchor_path is None:
            return
        if not self.background:
            self._write_head(head, keyed_from)
            return
        with self._pending_lock:
            if self._pending is not None:
                old_head, old_keyed = self._pending
                if head is None or (old_head is not None and old_head.seq > head.seq):
                    head = old_head
                keyed_from = old_keyed if old_keyed is not None else keyed_from
            self._pending = (head, keyed_from)
            if self._writer is None or not self._writer.is_alive():
                self._writer = threading.Thread(
                    target=self._write_pending, name="acudesk-audit-anchor", daemon=True
                )
                self._writer.start()
            self._pending_lock.notify_all()

    def flush(self, timeout: float = 10.0) -> None:
        """Wait until the anchor holds every commit made so far in this process."""
        if threading.current_thread() is self._writer:
            return
        with self._pending_lock:
            self._pending_lock.wait_for(
                lambda: self._pending is None and not self._writing, timeout
            )

    def _write_pending(self) -> None:
        while True:
            with self._pending_lock:
                if not self._pending_lock.wait_for(lambda: self._pending is not None, 30.0):
                    self._writer = None  # idle: the next commit starts another
                    return
                assert self._pending is not None
                head, keyed_from = self._pending
                self._pending, self._writing = None, True
            try:
                self._write_head(head, keyed_from)
            except OSError as error:
                self.last_error = (
                    f"The audit anchor {self.anchor_path} could not be written: {error}"
                )
                log.error(self.last_error)
            finally:
                with self._pending_lock:
                    self._writing = False
                    self._pending_lock.notify_all()

    def _write_head(self, head: Head | None, keyed_from: int | None) -> None:
        def change(s: AnchorState) -> AnchorState | None:
            new = s
            if head is not None and _newer(head, s.head):
                new = replace(new, head=head)
            if keyed_from is not None and s.keyed_from is None:
                new = replace(new, keyed_from=keyed_from)
            return None if new == s else new

        self._update(change)
        self.last_error = None

    def record_checkpoint(self, checked: Head) -> None:
        """A verification found the trail intact up to ``checked``: the next one starts there."""
        self.flush()

        def change(s: AnchorState) -> AnchorState | None:
            if not _newer(checked, s.checked):
                return None
            head = s.head if s.head is not None and s.head.seq >= checked.seq else checked
            return replace(s, checked=checked, head=head)

        self._update(change)

    def _set_aside(self) -> tuple[str, ...]:
        path = self.anchor_path
        if path is None or not path.parent.exists():
            return ()
        return tuple(sorted(str(p) for p in path.parent.glob(f"{path.name}.damaged-*")))

    def _update(self, change: Any) -> None:
        path = self.anchor_path
        if path is None:
            return
        key = self.key()
        with self._lock:
            current = self._read() or AnchorState()
            if not current.sealed:
                # An edited anchor is not built on; it is kept aside for whoever investigates.
                stamp = time.strftime("%Y%m%dT%H%M%S")
                path.replace(path.with_name(f"{path.name}.damaged-{stamp}"))
                current = AnchorState()
            new = change(current)
            if new is None:
                return
            body: dict[str, Any] = {
                "version": ANCHOR_VERSION,
                "database": self.label,
                "key_id": key_id(key) if key is not None else "",
                "keyed_from": new.keyed_from,
                "head": _head_json(new.head),
                "checked": _head_json(new.checked),
            }
            data = {"body": body, "mac": _seal_body(key, body) if key is not None else ""}
            _write_durably(path, json.dumps(data, indent=1, sort_keys=True).encode() + b"\n")


def server_folder_name(url: str) -> str:
    """A folder name a person recognises, unique per server and database."""
    parsed = make_url(url)
    plain = parsed.render_as_string(hide_password=True)
    digest = hashlib.sha256(plain.encode()).hexdigest()[:10]
    name = f"{parsed.host or 'local'}-{parsed.port or ''}-{parsed.database or ''}"
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_-") + f"-{digest}"


def _newer(new: Head, old: Head | None) -> bool:
    return old is None or new.seq > old.seq or (new.seq == old.seq and new.mac != old.mac)


def _head(value: Any) -> Head | None:
    if value is None:
        return None
    return Head(int(value["seq"]), str(value["mac"]))


def _head_json(head: Head | None) -> dict[str, Any] | None:
    return None if head is None else {"seq": head.seq, "mac": head.mac}


def _seal_body(key: bytes, body: dict[str, Any]) -> str:
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hmac.new(key, b"acudesk-anchor-v1\n" + text.encode(), hashlib.sha256).hexdigest()


def _read_key(path: Path) -> bytes:
    text = path.read_text(encoding="ascii").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise AuditKeyError(
            f"The audit key file {path} is damaged: it must hold {KEY_BYTES * 2} hexadecimal "
            "digits. Restore it from the backup."
        )
    return key


def _create_key(path: Path) -> bytes:
    """A new random key, in a file only its owner can read, appearing whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(KEY_BYTES)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, key.hex().encode() + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(temporary, path)  # fails if another process made the key first
    except FileExistsError:
        return _read_key(path)
    finally:
        temporary.unlink()
    _fsync_folder(path.parent)
    return key


def _write_durably(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, path)
    _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
