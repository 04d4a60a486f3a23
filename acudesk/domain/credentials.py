"""A practitioner's medical diploma and acupuncture training certificate."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from acudesk.domain.errors import RuleViolation

WARN_BEFORE = timedelta(days=30)


class CredentialKind(StrEnum):
    DIPLOMA = "diploma"
    CERTIFICATE = "certificate"

    @property
    def label(self) -> str:
        return {
            CredentialKind.DIPLOMA: "Medical diploma",
            CredentialKind.CERTIFICATE: "Acupuncture training certificate",
        }[self]


@dataclass(frozen=True)
class CredentialInput:
    kind: CredentialKind
    number: str
    issuer: str
    issued_on: date
    expires_on: date | None = None
    training_place: str = ""


def validate_credential(c: CredentialInput, today: date) -> None:
    if not c.number.strip():
        raise RuleViolation(
            "credential_number", "Number: enter the document number.", field="number"
        )
    if not c.issuer.strip():
        raise RuleViolation("credential_issuer", "Issued by: enter the issuer.", field="issuer")
    if c.issued_on > today:
        raise RuleViolation(
            "credential_date", "Date of issue cannot be in the future.", field="issued_on"
        )
    if c.expires_on is not None and c.expires_on <= c.issued_on:
        raise RuleViolation(
            "credential_expiry", "Expiry must be after the date of issue.", field="expires_on"
        )
    if c.kind is CredentialKind.CERTIFICATE and c.expires_on is None:
        raise RuleViolation(
            "certificate_expiry",
            "An acupuncture certificate needs its expiry date.",
            field="expires_on",
        )


class CertificateStatus(StrEnum):
    VALID = "valid"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    MISSING = "missing"


@dataclass(frozen=True)
class CertificateCheck:
    status: CertificateStatus
    expires_on: date | None

    @property
    def may_practise(self) -> bool:
        return self.status in (CertificateStatus.VALID, CertificateStatus.EXPIRING)

    def message(self, who: str) -> str:
        if self.status is CertificateStatus.MISSING:
            return f"{who} has no acupuncture certificate on record."
        assert self.expires_on is not None
        when = f"{self.expires_on:%d.%m.%Y}"
        if self.status is CertificateStatus.EXPIRED:
            return f"{who}'s acupuncture certificate expired on {when}."
        if self.status is CertificateStatus.EXPIRING:
            return f"{who}'s acupuncture certificate expires on {when}."
        return f"{who}'s acupuncture certificate is valid until {when}."


def certificate_check(expiry_dates: Iterable[date | None], today: date) -> CertificateCheck:
    """The best certificate on record decides: valid, expiring within 30 days, or expired."""
    dates = [d for d in expiry_dates if d is not None]
    if not dates:
        return CertificateCheck(CertificateStatus.MISSING, None)
    latest = max(dates)
    if latest < today:
        return CertificateCheck(CertificateStatus.EXPIRED, latest)
    if latest - today <= WARN_BEFORE:
        return CertificateCheck(CertificateStatus.EXPIRING, latest)
    return CertificateCheck(CertificateStatus.VALID, latest)


def require_certificate(check: CertificateCheck, who: str, doing: str) -> None:
    """A valid certificate is needed at every clinical action that calls for one."""
    if not check.may_practise:
        raise RuleViolation(
            "certificate",
            check.message(who) + f" You need a valid certificate to {doing}.",
            remedy="The clinic administrator records the current certificate.",
        )
