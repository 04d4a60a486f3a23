"""The audit trail's chain: each event is sealed with a key kept outside the database.

An event's seal is HMAC-SHA-256 over its sequence number, the seal before it and its content,
so nobody without the key can edit, insert, renumber or re-seal events unnoticed. Databases
written before the key existed carry a prefix sealed with plain SHA-256; the first keyed event
(the keying point) seals the end of that prefix. Deleting the newest events leaves no trace in
the database itself: the chain head anchored outside it (``acudesk.db.anchor``) catches that.

`ChainVerifier` walks the events in order and names each break it finds; it keeps a few
numbers per break, never the whole trail, so it runs over millions of events.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

GENESIS_HASH = "0" * 64
KEYED_PREFIX = b"acudesk-audit-v2\n"
# The keying point of a database that had events before the key: an event of its own.
KEYING_ACTION = "key audit trail"
KEYING_ENTITY = "audit trail"


@dataclass(frozen=True)
class AuditRecord:
    id: int
    at: datetime
    user_id: int | None
    workstation: str
    action: str
    entity: str
    entity_id: int | None
    patient_id: int | None
    before: str
    after: str
    prev_hash: str
    hash: str

    @property
    def content(self) -> str:
        return canonical(
            at=self.at,
            user_id=self.user_id,
            workstation=self.workstation,
            action=self.action,
            entity=self.entity,
            entity_id=self.entity_id,
            patient_id=self.patient_id,
            before=self.before,
            after=self.after,
        )

    @property
    def is_keying_point(self) -> bool:
        return self.action == KEYING_ACTION and self.entity == KEYING_ENTITY


def canonical(
    *,
    at: datetime,
    user_id: int | None,
    workstation: str,
    action: str,
    entity: str,
    entity_id: int | None,
    patient_id: int | None,
    before: str,
    after: str,
) -> str:
    return json.dumps(
        [
            at.isoformat(timespec="microseconds"),
            user_id,
            workstation,
            action,
            entity,
            entity_id,
            patient_id,
            before,
            after,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def seal(prev_hash: str, content: str) -> str:
    """The plain SHA-256 seal of events written before the audit key existed."""
    return hashlib.sha256(f"{prev_hash}\n{content}".encode()).hexdigest()


def keyed_seal(key: bytes, seq: int, prev_hash: str, content: str) -> str:
    message = KEYED_PREFIX + f"{seq}\n{prev_hash}\n{content}".encode()
    return hmac.digest(key, message, "sha256").hex()


def key_id(key: bytes) -> str:
    """A short name for a key that gives nothing of the key away."""
    return hmac.new(key, b"acudesk-audit-key-id", hashlib.sha256).hexdigest()[:16]


def seal_holds(key: bytes, record: AuditRecord) -> bool:
    expected = keyed_seal(key, record.id, record.prev_hash, record.content)
    return hmac.compare_digest(expected, record.hash)


class BreakKind(StrEnum):
    EDITED = "edited event"
    MISSING = "missing events"
    FORGED = "forged event"
    RESEALED = "chain recomputed without the key"
    REORDERED = "reordered events"
    BROKEN_LINK = "broken link"
    TAIL_DELETED = "tail deleted"
    ANCHOR = "anchor mismatch"
    KEYING = "keying point"
    KEY = "audit key"
    SIGNED_RECORD = "signed record changed"


@dataclass(frozen=True)
class Break:
    kind: BreakKind
    text: str
    first: int | None = None
    last: int | None = None


@dataclass(frozen=True)
class Head:
    seq: int
    mac: str


@dataclass(frozen=True)
class ChainReport:
    """What a check found. ``intact`` only when nothing at all is wrong."""

    events: int
    breaks: tuple[Break, ...] = ()
    head: Head | None = None
    sessions: int = 0
    notes: tuple[str, ...] = ()
    since: int = 0  # events after this sequence number were checked (0: the whole trail)

    @property
    def intact(self) -> bool:
        return not self.breaks

    @property
    def broken_at(self) -> int | None:
        return self.breaks[0].first if self.breaks else None

    @property
    def problem(self) -> str:
        return self.breaks[0].text if self.breaks else ""

    @property
    def lines(self) -> list[str]:
        scope = f"after event {self.since}" if self.since else "in the whole trail"
        signed = f" and {self.sessions} signed records" if self.sessions else ""
        if self.intact:
            head = [f"The audit trail is intact: {self.events} events {scope}{signed} checked."]
        else:
            count = len(self.breaks)
            head = [
                f"The audit trail is broken: {count} problem{'s' if count > 1 else ''} "
                f"({self.events} events {scope}{signed} checked)."
            ]
        return head + [f"- {b.text}" for b in self.breaks] + [f"Note: {n}" for n in self.notes]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass
class _Link:
    at: int  # the event whose prev_hash does not match
    expected: str  # the seal of the event before it
    found: str  # the seal it names as its predecessor


@dataclass
class _Run:
    """Consecutive events whose seals do not hold."""

    first: int
    last: int
    plain: int = 0  # how many are sealed with plain SHA-256, as a program without the key would


@dataclass
class ChainVerifier:
    """Checks events fed in ascending id order.

    ``keyed_from`` is the keying point of a database that had events before the key, or None:
    then the trail is keyed from event 1 if event 1's seal holds, else it was written before
    the key. ``start`` resumes after a verified checkpoint. ``known`` are events this
    workstation knows to have been genuine (the anchored head, the last checkpoint): each must
    still be there, unchanged; a bad seal after the newest is a forgery, before it a rewrite.
    """

    key: bytes | None
    keyed_from: int | None = None
    start: Head | None = None
    known: tuple[Head, ...] = ()
    events: int = 0
    legacy_events: int = 0
    _breaks: list[Break] = field(default_factory=list)
    _prev: str = GENESIS_HASH
    _expected: int | None = None
    _last: AuditRecord | None = None
    _links: list[_Link] = field(default_factory=list)
    _runs: list[_Run] = field(default_factory=list)
    _legacy: bool | None = None
    _legacy_bad: list[int] = field(default_factory=list)
    _keying_points: list[int] = field(default_factory=list)
    _replaced: list[Head] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.start is not None:
            self._prev = self.start.mac
            self._expected = self.start.seq + 1
            self._legacy = False

    @property
    def anchored(self) -> int:
        """The newest event known to have been genuine (0: none)."""
        return max((h.seq for h in self.known), default=0)

    @property
    def last(self) -> AuditRecord | None:
        return self._last

    @property
    def legacy(self) -> bool:
        """True while every event seen so far was written before the audit key."""
        return bool(self._legacy)

    def feed(self, record: AuditRecord) -> None:
        self.events += 1
        if self._legacy is None:
            self._legacy = self._starts_legacy(record)
            if not self._legacy:
                self._expected = 1
        if self._legacy and self.keyed_from is not None and record.id >= self.keyed_from:
            self._legacy = False
        if record.is_keying_point:
            self._check_keying_point(record)
        if self._legacy:
            self._feed_legacy(record)
        else:
            self._feed_keyed(record)
        for head in self.known:
            if head.seq == record.id and not hmac.compare_digest(head.mac, record.hash):
                self._replaced.append(head)
        self._prev = record.hash
        self._last = record

    def _starts_legacy(self, first: AuditRecord) -> bool:
        if self.keyed_from is not None:
            return first.id < self.keyed_from
        if self.key is not None and seal_holds(self.key, first):
            return False
        return seal(first.prev_hash, first.content) == first.hash

    def _check_keying_point(self, record: AuditRecord) -> None:
        self._keying_points.append(record.id)
        if len(self._keying_points) > 1:
            self._breaks.append(
                Break(
                    BreakKind.KEYING,
                    f"Event {record.id} claims to be a second keying point (the first is "
                    f"event {self._keying_points[0]}): the trail is keyed only once.",
                    record.id,
                    record.id,
                )
            )
            return
        try:
            facts = json.loads(record.after)
            count, head = int(facts["legacy_events"]), str(facts["legacy_head"])
        except (ValueError, KeyError, TypeError):
            return  # its seal decides whether it is genuine
        if self.start is None and head != self._prev:
            self._breaks.append(
                Break(
                    BreakKind.KEYING,
                    f"The events written before the audit key no longer end where the keying "
                    f"point (event {record.id}) sealed them: they were changed, removed or "
                    "recomputed after the key was introduced.",
                    record.id,
                    record.id,
                )
            )
        elif self.start is None and count != self.legacy_events:
            self._breaks.append(
                Break(
                    BreakKind.KEYING,
                    f"The keying point (event {record.id}) sealed {count} earlier events "
                    f"written before the audit key; the database now holds "
                    f"{self.legacy_events} of them: events before it were removed or added.",
                    record.id,
                    record.id,
                )
            )

    def _feed_legacy(self, record: AuditRecord) -> None:
        self.legacy_events += 1
        if record.prev_hash != self._prev:
            self._links.append(_Link(record.id, self._prev, record.prev_hash))
        if seal(record.prev_hash, record.content) != record.hash:
            self._legacy_bad.append(record.id)

    def _feed_keyed(self, record: AuditRecord) -> None:
        gap = self._expected is not None and record.id > self._expected
        if gap:
            assert self._expected is not None
            first, last = self._expected, record.id - 1
            self._breaks.append(
                Break(
                    BreakKind.MISSING,
                    f"Events {_span(first, last)} are missing: deleted from the database.",
                    first,
                    last,
                )
            )
        self._expected = record.id + 1
        if record.prev_hash != self._prev and not gap:
            self._links.append(_Link(record.id, self._prev, record.prev_hash))
        if self.key is None or seal_holds(self.key, record):
            return
        plain = seal(record.prev_hash, record.content) == record.hash
        previous = self._runs[-1] if self._runs else None
        if previous is not None and previous.last == record.id - 1 and not gap:
            previous.last = record.id
            previous.plain += plain
        else:
            self._runs.append(_Run(record.id, record.id, int(plain)))

    def finish(self) -> list[Break]:
        """Every break found, in the order of the events they concern; call after the last."""
        found = list(self._breaks)
        moved = self._reordered(found)

        def was_moved(event: int) -> bool:
            return any(a <= event <= b for a, b in moved)

        after_bad_seal = {r.last + 1 for r in self._runs}
        for link in self._links:
            if link.found in self._orphans() or link.at in after_bad_seal:
                continue
            found.append(self._describe_link(link))
        found.extend(
            Break(
                BreakKind.EDITED,
                f"Event {bad} (written before the audit key) was changed after it was written.",
                bad,
                bad,
            )
            for bad in self._legacy_bad
            if not was_moved(bad)
        )
        found.extend(
            self._describe(run)
            for run in self._runs
            if not (was_moved(run.first) and was_moved(run.last))
        )
        if self.known:
            found.extend(self._against_anchor(max(self.known, key=lambda h: h.seq)))
        for head in dict.fromkeys(self._replaced):
            if not any(r.first <= head.seq <= r.last for r in self._runs):
                found.append(self._replaced_break(head.seq))
        return sorted(found, key=lambda b: b.first if b.first is not None else 0)

    def _orphans(self) -> set[str]:
        """Seals no later event follows: where a moved row's successor points."""
        orphans = {link.expected for link in self._links}
        if self._last is not None:
            orphans.add(self._last.hash)
        return orphans

    def _reordered(self, found: list[Break]) -> list[tuple[int, int]]:
        """Links that name a seal which exists elsewhere in the trail: rows were moved."""
        orphans = self._orphans()
        moved_links = [link for link in self._links if link.found in orphans]
        if not moved_links:
            return []
        first = min(link.at for link in moved_links)
        last = max(link.at for link in moved_links)
        if self._last is None or self._last.hash not in {link.found for link in moved_links}:
            last = max(first, last - 1)  # the last broken link is the event after the moved ones
        found.append(
            Break(
                BreakKind.REORDERED,
                f"Events {_span(first, last)} are out of order: rows were moved "
                "(their ids changed places).",
                first,
                last,
            )
        )
        return [(first, last)]

    def _describe_link(self, link: _Link) -> Break:
        if self.keyed_from is not None and link.at == self.keyed_from:
            return Break(
                BreakKind.KEYING,
                f"The events written before the audit key no longer end where the keying "
                f"point (event {link.at}) sealed them: they were changed, removed or "
                "recomputed after the key was introduced.",
                link.at,
                link.at,
            )
        return Break(
            BreakKind.BROKEN_LINK,
            f"Event {link.at} does not follow the event before it: an event was removed or "
            "inserted there, or the one before it was re-sealed.",
            link.at,
            link.at,
        )

    def _describe(self, run: _Run) -> Break:
        span = _span(run.first, run.last)
        single = run.first == run.last
        if self.anchored and run.first > self.anchored:
            return Break(
                BreakKind.FORGED,
                f"Event{'' if single else 's'} {span} {'was' if single else 'were'} added "
                "without the audit key (forged"
                + (", sealed with plain SHA-256)." if run.plain else ").")
                + f" The newest event this workstation anchored is {self.anchored}.",
                run.first,
                run.last,
            )
        if single and run.plain and not self.anchored and self._last_id == run.last:
            return Break(
                BreakKind.FORGED,
                f"Event {span} is sealed with plain SHA-256, not with the audit key: it was "
                "added (forged) or re-sealed without the key.",
                run.first,
                run.last,
            )
        if single and run.plain:
            return Break(
                BreakKind.EDITED,
                f"Event {span} was changed and re-sealed with plain SHA-256, without the "
                "audit key.",
                run.first,
                run.last,
            )
        if single:
            return Break(
                BreakKind.EDITED,
                f"Event {span} was edited after it was written: its content no longer "
                "matches its seal.",
                run.first,
                run.last,
            )
        how = "with plain SHA-256" if run.plain == run.last - run.first + 1 else "without the key"
        return Break(
            BreakKind.RESEALED,
            f"Events {span} were re-sealed {how}: the chain was recomputed without the audit "
            f"key after event {run.first} was changed.",
            run.first,
            run.last,
        )

    @property
    def _last_id(self) -> int | None:
        return self._last.id if self._last is not None else None

    def _against_anchor(self, head: Head) -> list[Break]:
        last = self._last_id or (self.start.seq if self.start else 0)
        if head.seq <= last:
            return []
        first = last + 1
        return [
            Break(
                BreakKind.TAIL_DELETED,
                f"Events {_span(first, head.seq)} are missing at the end of the trail: the "
                f"anchor outside the database remembers event {head.seq}, the database ends "
                f"at {last or 'no event'} (the newest events were deleted, or an older copy "
                "was restored).",
                first,
                head.seq,
            )
        ]

    def check_anchored(self, record: AuditRecord | None, head: Head) -> Break | None:
        """For an event not fed (the checkpoint a check resumes after): is it the one known?"""
        if record is None or hmac.compare_digest(record.hash, head.mac):
            return None
        return self._replaced_break(head.seq)

    @staticmethod
    def _replaced_break(seq: int) -> Break:
        return Break(
            BreakKind.ANCHOR,
            f"Event {seq} is not the event this workstation anchored outside the database: "
            "the chain up to it was rewritten.",
            seq,
            seq,
        )


def verify(records: Iterable[AuditRecord], key: bytes | None = None) -> ChainReport:
    """Walk a whole trail with no anchor and no keying point (tests and tools)."""
    verifier = ChainVerifier(key)
    for record in records:
        verifier.feed(record)
    return ChainReport(verifier.events, tuple(verifier.finish()))


def _span(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}..{last}"
