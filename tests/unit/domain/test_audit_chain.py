"""The chain verifier on its own: every change to a keyed trail is named, none is missed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from acudesk.domain.audit_chain import (
    GENESIS_HASH,
    AuditRecord,
    BreakKind,
    ChainVerifier,
    Head,
    keyed_seal,
    seal,
)

KEY = bytes(range(32))
T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def _trail(n: int, key: bytes | None = KEY) -> list[AuditRecord]:
    records, prev = [], GENESIS_HASH
    for i in range(1, n + 1):
        r = AuditRecord(
            i, T0 + timedelta(seconds=i), 1, "ws", "act", "x", i, None, "", f"{i}", prev, ""
        )
        digest = keyed_seal(key, i, prev, r.content) if key else seal(prev, r.content)
        records.append(replace(r, hash=digest))
        prev = digest
    return records


def _check(
    records: list[AuditRecord], *, anchored: Head | None = None, keyed_from: int | None = None
) -> list[tuple[BreakKind, int | None, int | None]]:
    known = (anchored,) if anchored else ()
    verifier = ChainVerifier(KEY, keyed_from=keyed_from, known=known)
    for r in records:
        verifier.feed(r)
    return [(b.kind, b.first, b.last) for b in verifier.finish()]


def _reseal_plainly(records: list[AuditRecord], start: int) -> list[AuditRecord]:
    out, prev = [], GENESIS_HASH
    for r in records:
        if r.id >= start:
            r = replace(r, prev_hash=prev, hash=seal(prev, r.content))
        out.append(r)
        prev = r.hash
    return out


def test_an_intact_keyed_trail() -> None:
    assert _check(_trail(20)) == []


def test_each_kind_of_change_is_named() -> None:
    t = _trail(10)
    head = Head(10, t[-1].hash)
    edited = [*t[:4], replace(t[4], after="x"), *t[5:]]
    assert _check(edited, anchored=head) == [(BreakKind.EDITED, 5, 5)]
    assert _check(t[:4] + t[5:], anchored=head) == [(BreakKind.MISSING, 5, 5)]
    assert _check(t[:7], anchored=head) == [(BreakKind.TAIL_DELETED, 8, 10)]
    forged = replace(t[-1], id=11, prev_hash=t[-1].hash, after="forged")
    forged = replace(forged, hash=seal(forged.prev_hash, forged.content))
    assert _check([*t, forged], anchored=head) == [(BreakKind.FORGED, 11, 11)]
    assert _check(_reseal_plainly(t, 4), anchored=head) == [(BreakKind.RESEALED, 4, 10)]
    swapped = [*t[:2], replace(t[3], id=3), replace(t[2], id=4), *t[4:]]
    assert _check(swapped, anchored=head) == [(BreakKind.REORDERED, 3, 4)]
    tail_swapped = [*t[:8], replace(t[9], id=9), replace(t[8], id=10)]
    assert [k for k, _, _ in _check(tail_swapped)] == [BreakKind.REORDERED]


def test_independent_breaks_are_each_reported() -> None:
    t = _trail(30)
    damaged = [*t[:4], replace(t[4], after="x"), *t[5:14], *t[15:25]]
    assert _check(damaged, anchored=Head(30, t[-1].hash)) == [
        (BreakKind.EDITED, 5, 5),
        (BreakKind.MISSING, 15, 15),
        (BreakKind.TAIL_DELETED, 26, 30),
    ]


def test_a_trail_from_before_the_key_and_its_keying_point() -> None:
    old = _trail(5, key=None)
    verifier = ChainVerifier(KEY)
    for r in old:
        verifier.feed(r)
    assert verifier.finish() == [] and verifier.legacy
    assert [k for k, _, _ in _check(old, keyed_from=1)] == [BreakKind.RESEALED]


@given(
    st.integers(1, 12),
    st.sampled_from(["edit", "delete", "reseal", "swap", "forge", "truncate"]),
)
def test_no_single_change_goes_unnoticed(where: int, how: str) -> None:
    t = _trail(12)
    head = Head(12, t[-1].hash)
    i = where - 1
    if how == "edit":
        changed = [*t[:i], replace(t[i], workstation="elsewhere"), *t[i + 1 :]]
    elif how == "delete":
        changed = t[:i] + t[i + 1 :]
    elif how == "reseal":
        changed = _reseal_plainly([*t[:i], replace(t[i], after="x"), *t[i + 1 :]], where)
    elif how == "swap":
        j = i + 1 if i + 1 < len(t) else i - 1
        a, b = sorted((i, j))
        changed = [*t[:a], replace(t[b], id=a + 1), replace(t[a], id=b + 1), *t[b + 1 :]]
    elif how == "forge":
        extra = replace(t[-1], id=13, prev_hash=t[-1].hash, after="forged")
        changed = [*t, replace(extra, hash=seal(extra.prev_hash, extra.content))]
    else:
        changed = t[:i]
    assert _check(changed, anchored=head) != []
