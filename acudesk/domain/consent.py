"""Informed consent to a course (Russia: Federal Law 323-FZ, art. 20), computed from its records.

Each decision the patient makes about a course is one record: consent given, or refused. The
records are never changed; a later decision is a new record and the latest counts. A refusal is
kept and shown; a consent after a refusal is a new decision; a withdrawal is a refusal recorded
later, and it stops the course's further sessions. A session starts only when the course's latest
decision is "given".

The consent text the patient read is named by the clinic's version label and a SHA-256 of the
text; a version label never names two different texts.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from acudesk.domain.clock import as_utc
from acudesk.domain.errors import RuleViolation
from acudesk.i18n import N_, _

MAX_VERSION_LENGTH = 40  # consents.text_version
MAX_TEXT_LENGTH = 20_000
MAX_NOTE_LENGTH = 1_000


class Decision(StrEnum):
    GIVEN = "given"
    REFUSED = "refused"

    @property
    def label(self) -> str:
        return _(_DECISION_LABELS[self])


_DECISION_LABELS = {
    Decision.GIVEN: N_("Consent given"),
    Decision.REFUSED: N_("Consent refused"),
}


class ConsentStatus(StrEnum):
    NONE = "none"
    GIVEN = "given"
    REFUSED = "refused"


@dataclass(frozen=True)
class ConsentDecision:
    """One recorded decision, as stored."""

    id: int
    decision: Decision
    decided_on: date
    taken_by: str
    text_version: str
    text_hash: str
    note: str
    recorded_at: datetime

    def describe(self) -> str:
        """'Consent given on 02.12.2026 by Dr Elena Ivanova (text version 1)'."""
        if self.decision is Decision.GIVEN:
            text = _("Consent given on {date} by {who} (text version {version})")
        else:
            text = _("Consent refused on {date}, recorded by {who} (text version {version})")
        return text.format(
            date=self.decided_on.strftime("%d.%m.%Y"),
            who=self.taken_by,
            version=self.text_version,
        )


@dataclass(frozen=True)
class ConsentState:
    """A course's decisions in the order they were recorded, and what follows from them."""

    course_id: int
    course_number: int
    decisions: tuple[ConsentDecision, ...] = ()

    @property
    def latest(self) -> ConsentDecision | None:
        return self.decisions[-1] if self.decisions else None

    @property
    def status(self) -> ConsentStatus:
        latest = self.latest
        if latest is None:
            return ConsentStatus.NONE
        return ConsentStatus(latest.decision.value)

    @property
    def allows_session(self) -> bool:
        return self.status is ConsentStatus.GIVEN

    @property
    def refusals(self) -> tuple[ConsentDecision, ...]:
        """Every refusal recorded for the course, including those a later consent followed."""
        return tuple(d for d in self.decisions if d.decision is Decision.REFUSED)

    @property
    def withdrawn(self) -> bool:
        """Refused now, after a consent had been given."""
        return self.status is ConsentStatus.REFUSED and any(
            d.decision is Decision.GIVEN for d in self.decisions
        )

    def describe(self) -> str:
        latest = self.latest
        if latest is None:
            return _("No informed consent recorded for course {course}.").format(
                course=self.course_number
            )
        if self.withdrawn:
            return _("Consent withdrawn: {decision}").format(decision=latest.describe())
        return latest.describe()

    def in_effect_at(self, moment: datetime) -> ConsentDecision | None:
        """The latest decision recorded at or before ``moment`` (what a session started on)."""
        found = None
        for d in self.decisions:
            if _utc_key(d.recorded_at) <= _utc_key(moment):
                found = d
        return found


def _utc_key(moment: datetime) -> datetime:
    return as_utc(moment)


def consent_state(
    course_id: int, course_number: int, decisions: Iterable[ConsentDecision]
) -> ConsentState:
    """The state of a course from its records: ordered by when they were recorded."""
    ordered = sorted(decisions, key=lambda d: (_utc_key(d.recorded_at), d.id))
    return ConsentState(course_id, course_number, tuple(ordered))


class ConsentRequired(RuleViolation):
    """A session may not start: the course has no consent, or the latest decision is a refusal."""


def require_consent(state: ConsentState) -> None:
    """Raise unless the course's latest decision is a consent given."""
    latest = state.latest
    if latest is None:
        raise ConsentRequired(
            "consent_missing",
            _(
                "No informed consent to acupuncture is recorded for course {course}: "
                "no session of it can start."
            ).format(course=state.course_number),
            field="consent",
            remedy=_(
                "The acupuncturist explains the procedure, the patient reads the consent form, "
                "and the decision is recorded with Record consent… on the patient page."
            ),
        )
    if latest.decision is Decision.REFUSED:
        raise ConsentRequired(
            "consent_refused",
            _(
                "The patient refused consent to course {course} on {date} (recorded by {who}): "
                "no session of it can start."
            ).format(
                course=state.course_number,
                date=latest.decided_on.strftime("%d.%m.%Y"),
                who=latest.taken_by,
            ),
            field="consent",
            remedy=_(
                "Only if the patient now consents, record the new decision with Record consent… "
                "on the patient page."
            ),
        )


def validate_decision(state: ConsentState, decided_on: date, today: date, note: str = "") -> None:
    """A decision is dated today or earlier, never before the course's latest decision."""
    if decided_on > today:
        raise RuleViolation(
            "consent_future",
            _("The date of the decision, {date}, is in the future (today is {today}).").format(
                date=decided_on.strftime("%d.%m.%Y"), today=today.strftime("%d.%m.%Y")
            ),
            field="decided_on",
            remedy=_("Enter the day the patient decided: today or earlier."),
        )
    latest = state.latest
    if latest is not None and decided_on < latest.decided_on:
        raise RuleViolation(
            "consent_order",
            _(
                "The date of the decision, {date}, is before the course's latest decision "
                "({latest}, {decision})."
            ).format(
                date=decided_on.strftime("%d.%m.%Y"),
                latest=latest.decided_on.strftime("%d.%m.%Y"),
                decision=latest.decision.label.lower(),
            ),
            field="decided_on",
            remedy=_("A new decision is dated on or after {latest}.").format(
                latest=latest.decided_on.strftime("%d.%m.%Y")
            ),
        )
    if len(note) > MAX_NOTE_LENGTH:
        raise RuleViolation(
            "consent_note",
            _("The note is {n} characters long; at most {limit} are kept.").format(
                n=len(note), limit=MAX_NOTE_LENGTH
            ),
            field="note",
        )


# -- the consent text ------------------------------------------------------------------------


def normalized_text(text: str) -> str:
    """The text as stored and hashed: NFC, Unix line ends, no trailing spaces."""
    lines = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in lines.split("\n")).strip()


def text_hash(text: str) -> str:
    return hashlib.sha256(normalized_text(text).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ConsentTemplate:
    """The consent text the clinic gives patients, and the label of this version of it."""

    text: str
    version: str
    is_default: bool = False

    @property
    def hash(self) -> str:
        return text_hash(self.text)


def validate_template(
    text: str, version: str, current: ConsentTemplate, used: dict[str, str]
) -> ConsentTemplate:
    """A new template: some text, a version label that changes whenever the text changes, and
    never a label already used for another text (``used``: label -> hash of recorded consents)."""
    text, version = normalized_text(text), version.strip()
    if not text:
        raise RuleViolation(
            "consent_text_empty",
            _("The consent text is empty."),
            field="consent_text",
            remedy=_("Write the text the patient reads before consenting."),
        )
    if len(text) > MAX_TEXT_LENGTH:
        raise RuleViolation(
            "consent_text_long",
            _("The consent text is {n} characters long; at most {limit} are allowed.").format(
                n=len(text), limit=MAX_TEXT_LENGTH
            ),
            field="consent_text",
        )
    if not version or len(version) > MAX_VERSION_LENGTH:
        raise RuleViolation(
            "consent_version",
            _("The version label must be 1 to {limit} characters long.").format(
                limit=MAX_VERSION_LENGTH
            ),
            field="consent_version",
        )
    new = ConsentTemplate(text, version)
    if new.hash != current.hash and version == current.version:
        raise RuleViolation(
            "consent_version_unchanged",
            _("The text changed but its version label is still {version}.").format(version=version),
            field="consent_version",
            remedy=_("Give the new text a new version label, for example {suggestion}.").format(
                suggestion=next_version(version)
            ),
        )
    if used.get(version, new.hash) != new.hash:
        raise RuleViolation(
            "consent_version_used",
            _("Version {version} already names another consent text that patients signed.").format(
                version=version
            ),
            field="consent_version",
            remedy=_("Choose a version label not used before, for example {suggestion}.").format(
                suggestion=next_version(version)
            ),
        )
    return new


def next_version(version: str) -> str:
    """A label for the next version: a trailing number counts up ('2026-1' -> '2026-2')."""
    head = version.rstrip("0123456789")
    tail = version[len(head) :]
    if tail:
        return f"{head}{int(tail) + 1}"
    return f"{version}-2"


DEFAULT_VERSION = "AcuDesk-1"

# Built only from what the clinic's brief supports: what is done, what can happen, the patient's
# right to refuse. No claim about results.
DEFAULT_TEXT = """\
ИНФОРМИРОВАННОЕ ДОБРОВОЛЬНОЕ СОГЛАСИЕ НА ИГЛОРЕФЛЕКСОТЕРАПИЮ

Я, нижеподписавшийся(-аяся), получил(а) от врача-рефлексотерапевта в доступной форме сведения \
о предлагаемом курсе иглорефлексотерапии (акупунктуры) и даю добровольное согласие на него \
(статья 20 Федерального закона от 21.11.2011 № 323-ФЗ).

Мне объяснено:
1. Во время сеанса в точки на теле вводятся стерильные одноразовые иглы; каждая игла \
используется один раз. Иглы остаются в теле несколько минут; на первых сеансах курса — \
недолго, к концу курса — дольше. Иглы извлекает медицинский работник, каждую иглу учитывают.
2. Иглорефлексотерапия проводится вместе с массажем, лекарственным лечением и лечебной \
физкультурой, а не вместо них.
3. Перед каждым сеансом меня снова спрашивают о противопоказаниях. Я обязуюсь сообщать \
о беременности, остром инфекционном заболевании, заболевании крови, злокачественном \
заболевании, заболевании или повреждении кожи в области процедуры, обострении заболевания \
позвоночника, а также о лекарствах, которые принимаю.
4. Возможны нежелательные явления: кровоточивость или гематома в месте введения иглы, боль, \
головокружение или обморок (чаще на первых сеансах), тошнота; редко — изгиб или поломка иглы, \
пневмоторакс. О любом ухудшении самочувствия я сразу сообщаю персоналу.
5. После извлечения игл я отдыхаю в клинике не менее 20 минут.
6. Я вправе отказаться от процедуры или отозвать согласие в любое время до любого сеанса; \
отказ записывается.

Мне была предоставлена возможность задать вопросы, и я получил(а) на них ответы.

INFORMED VOLUNTARY CONSENT TO ACUPUNCTURE

I, the undersigned, have been told by the acupuncturist, in words I understand, about the \
proposed course of acupuncture, and I give my voluntary consent to it (Russian Federal Law \
No. 323-FZ of 21.11.2011, article 20).

It has been explained to me that:
1. At a session, sterile single-use needles are inserted at points on the body; each needle is \
used once. The needles stay in for a number of minutes: briefly at the first sessions of the \
course, longer towards its end. A member of staff removes the needles, and every needle is \
counted.
2. Acupuncture is given alongside massage, medication and therapeutic exercise, not instead \
of them.
3. Before every session I am asked about contraindications again. I will say if I am pregnant, \
have an acute infectious disease, a blood disorder, a malignant disease, a skin disease or \
injury at the area to be needled, or an exacerbation of my spinal condition, and which \
medications I take.
4. Adverse events can happen: bleeding or a haematoma where a needle went in, pain, dizziness \
or fainting (mostly at the first visits), nausea; rarely a bent or broken needle, or a \
pneumothorax. I will tell the staff at once if I feel unwell.
5. After the needles are out I rest at the clinic for at least 20 minutes.
6. I may refuse the procedure or withdraw my consent at any time before any session; a refusal \
is recorded.

I have had the opportunity to ask questions, and they have been answered."""


def default_template() -> ConsentTemplate:
    return ConsentTemplate(normalized_text(DEFAULT_TEXT), DEFAULT_VERSION, is_default=True)


@dataclass(frozen=True)
class ConsentForm:
    """What the printed consent form holds: the template with the patient and course filled in."""

    patient_name: str
    patient_dob: date
    course_number: int
    sessions_planned: int
    planned_on: date
    physician: str
    template: ConsentTemplate
    printed_on: date
    state: ConsentState
