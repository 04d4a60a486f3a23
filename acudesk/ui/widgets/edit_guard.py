"""A form's watch over the record it edits, while another workstation may change it too.

When the change channel says the record changed (its stamp moved on): if nothing was typed yet
the form shows the record as it now stands; otherwise a banner says who changed it where and
when, what was typed stays, and Save asks: reload theirs, or keep mine and save over their
change (the audit trail records that choice).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

from acudesk.domain.errors import AcuDeskError
from acudesk.i18n import _
from acudesk.services.container import Services
from acudesk.ui.change_feed import ChangeFeed, RemoteChange

log = logging.getLogger(__name__)

COALESCE_MS = 100  # a burst of notifications is one look at the record
BANNER_STYLE = (
    "QLabel#changedElsewhere { background: #fff4e0; color: #5a3b00; border: 2px solid #c77700;"
    " border-radius: 6px; padding: 6px 10px; font-weight: 600; }"
)


class EditGuard(QObject):
    """Watches ``(entity, entity_id)`` for ``owner``, a form; see the module's docstring.

    ``edited()`` says whether the person changed anything on the form; ``reload()`` fills the
    form from the record as it now stands (the guard then takes the new stamp as seen).
    """

    changed_elsewhere = Signal()  # the banner went up
    reloaded = Signal()  # the form was refreshed with the other workstation's change

    def __init__(
        self,
        services: Services,
        entity: str,
        entity_id: int | None,
        owner: QWidget,
        *,
        edited: Callable[[], bool],
        reload: Callable[[], None],
    ) -> None:
        super().__init__(owner)
        self._services = services
        self.entity, self.entity_id = entity, entity_id
        self._owner = owner
        self._edited = edited
        self._reload = reload
        self.banner = QLabel()
        self.banner.setObjectName("changedElsewhere")
        self.banner.setStyleSheet(BANNER_STYLE)
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.conflict_box: QMessageBox | None = None
        self.seen: Any = self._read_stamp()
        self.latest: Any = self.seen
        self._pending = QTimer(self)
        self._pending.setSingleShot(True)
        self._pending.setInterval(COALESCE_MS)
        self._pending.timeout.connect(self.look)
        self._feed: ChangeFeed | None = None
        self._own_feed = False
        self._attach()

    def _attach(self) -> None:
        """Hear the window's change feed (or, with no window, a listener of its own) once
        there is a record to watch."""
        if self._feed is not None or not self._watching:
            return
        feed = ChangeFeed.of(self._services)
        self._own_feed = feed is None
        self._feed = feed if feed is not None else ChangeFeed.listening(self._services, self)
        self._feed.noted.connect(self._on_noted)

    @property
    def _watching(self) -> bool:
        return self.entity_id is not None or self.entity == "clinic_setting"

    @property
    def stale(self) -> bool:
        """The record moved on since the form was filled from it."""
        return bool(self.latest != self.seen)

    def follow(self, entity_id: int | None, *, stamp: Any = None) -> None:
        """The form now edits another record (or the same one, freshly read)."""
        self.entity_id = entity_id
        self.seen = self.latest = stamp if stamp is not None else self._read_stamp()
        self.banner.hide()
        self._attach()

    def saved(self) -> None:
        """The form's own save went through: what is stored now is what it shows."""
        self.follow(self.entity_id)

    def stop(self) -> None:
        self._pending.stop()
        feed, self._feed = self._feed, None
        if feed is None:
            return
        with contextlib.suppress(RuntimeError, TypeError):  # already gone
            feed.noted.disconnect(self._on_noted)
        if self._own_feed:
            feed.stop()

    # -- hearing a change ------------------------------------------------------------------

    def _on_noted(self, change: RemoteChange) -> None:
        if not self._watching:
            return
        if change.touches(self.entity, self.entity_id):
            self._pending.start()

    def look(self) -> None:
        """Read the record's stamp again; refresh the form, or raise the banner."""
        if not self._watching:
            return
        latest = self._read_stamp()
        if latest is None or latest == self.latest:
            return
        self.latest = latest
        if not self.stale:
            self.banner.hide()
            return
        if not self._edited():
            self._reload()
            self.follow(self.entity_id, stamp=latest)
            self.reloaded.emit()
            return
        self.show_banner()

    def show_banner(self) -> None:
        try:
            last = self._services.edits.last_change(self.entity, self.entity_id)
        except AcuDeskError:
            last = None
        text = (
            last.banner()
            if last is not None
            else _("Changed at another workstation — your changes are kept; Save will ask.")
        )
        self.banner.setText(text)
        self.banner.show()
        self.changed_elsewhere.emit()

    def _read_stamp(self) -> Any:
        if not self._watching:
            return None
        try:
            return self._services.edits.stamp(self.entity, self.entity_id)
        except AcuDeskError:  # the database cannot be read now: the next change looks again
            log.warning("the record's stamp could not be read", exc_info=True)
            return self.latest if hasattr(self, "latest") else None

    # -- saving over a change --------------------------------------------------------------

    def check(self) -> None:
        """Before a save: refuse with the typed message when the record moved on."""
        self._services.edits.check(self.entity, self.entity_id, self.seen)

    def ask(
        self, error: AcuDeskError, reload_theirs: Callable[[], None], keep_mine: Callable[[], None]
    ) -> QMessageBox:
        """The conflict and the choice, without blocking (``open()``); returns the box."""
        if self.conflict_box is not None:
            self.conflict_box.deleteLater()
        box = QMessageBox(self._owner)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(_("Changed at another workstation"))
        box.setText(str(error))
        box.setInformativeText(
            _(
                "Reload theirs: the form shows their change and what you typed is dropped.\n"
                "Keep mine: your version is saved over theirs; the audit trail records that "
                "you chose this."
            )
        )
        self.reload_button = box.addButton(_("Reload theirs"), QMessageBox.ButtonRole.RejectRole)
        self.keep_button = box.addButton(
            _("Keep mine and overwrite"), QMessageBox.ButtonRole.AcceptRole
        )
        box.setDefaultButton(self.reload_button)

        def chosen() -> None:
            clicked = box.clickedButton()
            if clicked is self.keep_button:
                keep_mine()
            elif clicked is self.reload_button:
                reload_theirs()

        box.buttonClicked.connect(lambda _b: QTimer.singleShot(0, chosen))
        self.conflict_box = box
        box.open()
        return box

    def record_overwrite(self, user_id: int, *, patient_id: int | None = None) -> None:
        self._services.edits.record_overwrite(
            user_id, self.entity, self.entity_id, patient_id=patient_id
        )
