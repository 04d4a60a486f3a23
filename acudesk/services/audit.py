"""Reading and checking the audit trail."""

from __future__ import annotations

from acudesk.db.repositories import audit
from acudesk.domain.audit_chain import ChainReport, verify
from acudesk.services.base import ServiceBase


class AuditService(ServiceBase):
    def verify(self) -> ChainReport:
        with self._db.reading() as s:
            return verify(audit.records(s))
