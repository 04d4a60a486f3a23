"""Views nobody is editing follow what other workstations change: the patient list, the patient
page (its record and courses) and the session on screen are read again when the change channel
says something of theirs changed. Forms being edited have their own guard
(``acudesk.ui.widgets.edit_guard``) and keep what was typed.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer

from acudesk.domain.errors import AcuDeskError
from acudesk.services.container import Services
from acudesk.ui.change_feed import ChangeFeed, RemoteChange
from acudesk.ui.views.patient_list import PatientListView
from acudesk.ui.views.patient_page import PatientPage
from acudesk.ui.views.session.session_page import SessionPage

log = logging.getLogger(__name__)

SETTLE_MS = 250  # a burst of changes (a course planned, a session started) is one re-read
_PATIENT_PAGE_KINDS = ("patient", "course", "session", "screening")


class FollowChanges(QObject):
    def __init__(
        self,
        services: Services,
        feed: ChangeFeed,
        patient_list: PatientListView,
        patient_page: PatientPage,
        session_page: SessionPage,
    ) -> None:
        super().__init__(feed)
        self._services = services
        self._list, self._page, self._session = patient_list, patient_page, session_page
        self._want: set[str] = set()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SETTLE_MS)
        self._timer.timeout.connect(self._refresh)
        feed.noted.connect(self._on_noted)

    def _on_noted(self, change: RemoteChange) -> None:
        if change.touches("patient"):
            self._want.add("list")
        page = self._page.patient_id
        if page is not None and any(
            change.touches(kind, page if kind == "patient" else None)
            for kind in _PATIENT_PAGE_KINDS
        ):
            self._want.add("page")
        if self._session.view is not None and change.touches("session", self._session.view.id):
            self._want.add("session")
        if self._want:
            self._timer.start()

    def _refresh(self) -> None:
        want, self._want = self._want, set()
        try:
            if "list" in want and self._list.isVisible():
                self._list.refresh()
            if "page" in want and self._page.isVisible():
                self._page.refresh()
            view = self._session.view
            if "session" in want and view is not None and self._session.isVisible():
                fresh = self._services.sessions.view(view.id)
                if fresh != view:
                    self._session.show_view(fresh)
        except AcuDeskError:  # the database cannot be read now: the next change reads again
            log.warning("a view could not follow a change made elsewhere", exc_info=True)
