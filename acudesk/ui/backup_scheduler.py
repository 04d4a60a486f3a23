"""Backups while AcuDesk runs: after every signed session and at least hourly, off the GUI thread.

The main window builds one with a single line and hands it the strip's ``set_banner``::

    self.backups = BackupScheduler(services, self.strip.set_banner, parent=self)

Every minute it asks the backup service (on a worker thread) whether a backup is due (none yet,
the newest is an hour old, or a session was signed since the last one) and makes it there. The
banners it keeps on every page: "backup" while no verified backup from the last 24 hours exists,
"storage" while the database is read-only or its deferred quick_check found damage.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from acudesk.services.backup import BackupInfo, BackupService, CopyStopped
from acudesk.services.container import Services
from acudesk.services.startup import (
    QUICK_CHECK_UP_FRONT_BYTES,
    READ_ONLY_BANNER,
    deferred_quick_check,
)
from acudesk.ui.background import BackgroundTask, Progress

CHECK_EVERY_MS = 60_000
FIRST_CHECK_MS = 15_000  # after the window is up and the first paint is done

ShowNotice = Callable[[str, str], None]


@dataclass(frozen=True)
class Outcome:
    backup: BackupInfo | None
    damage: str  # what the deferred quick_check found, "" for nothing


class BackupScheduler(QObject):
    backup_made = Signal(object)  # BackupInfo, in the window's thread
    backup_failed = Signal(str)

    def __init__(
        self,
        services: Services,
        show_notice: ShowNotice,
        parent: QObject | None = None,
        *,
        check_every_ms: int = CHECK_EVERY_MS,
        first_check_ms: int = FIRST_CHECK_MS,
    ) -> None:
        super().__init__(parent)
        self.service: BackupService | None = services.backups
        if self.service is not None:
            self.service.verify_elsewhere = True  # never against the window for the GIL
        self._show = show_notice
        self._read_only = services.db.read_only
        self._stop = threading.Event()
        self._checked_file = False
        self.damage = ""
        self.last_error = ""
        self.task = BackgroundTask(self)
        self.task.finished.connect(self._on_finished)
        self.task.failed.connect(self._on_failed)
        self.timer = QTimer(self)
        self.timer.setInterval(check_every_ms)
        self.timer.timeout.connect(self.tick)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        self.show_notices()
        if self.service is not None and not self._read_only:
            self.timer.start()
            QTimer.singleShot(first_check_ms, self.tick)

    # -- what the banners say ----------------------------------------------------------

    def backup_warning(self) -> str:
        """ "" while a verified backup from the last 24 hours exists (SQLite; see
        BackupService.warning), else what is wrong and what to do."""
        if self.service is None:
            return ""
        try:
            return self.service.warning()
        except OSError as error:  # the backup folder cannot be read
            return f"The backup folder cannot be read ({error.strerror or error})."

    def storage_warning(self) -> str:
        return READ_ONLY_BANNER if self._read_only else self.damage

    def show_notices(self) -> None:
        self._show("storage", self.storage_warning())
        self._show("backup", "" if self._read_only else self.backup_warning())

    # -- the work ----------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self.task.busy

    def tick(self) -> None:
        window = self.parent()
        if isinstance(window, QWidget) and not window.isVisible():
            return  # closed (a minimised window is still visible): no new work
        if self.service is None or self._stop.is_set() or self.task.busy:
            return
        self._start(reason=None)

    def back_up_now(self) -> bool:
        """For the administration page: a backup at once (False while one is running)."""
        if self.service is None or self.task.busy:
            return False
        return self._start(reason="by hand")

    def _start(self, reason: str | None) -> bool:
        service = self.service
        assert service is not None
        check_file = not self._checked_file
        self._checked_file = True
        stop = self._stop.is_set

        def work(progress: Progress) -> Outcome:
            damage = ""
            path = service.database_path
            if check_file and path is not None and path.stat().st_size > QUICK_CHECK_UP_FRONT_BYTES:
                damage = deferred_quick_check(path)
            why = reason or service.due()
            if why is None:
                return Outcome(None, damage)
            try:
                info = service.back_up(
                    reason=why,
                    progress=lambda _phase, done, total: progress(done, total),
                    stop=stop,
                )
            except CopyStopped:  # AcuDesk is closing; the partial copy was deleted
                return Outcome(None, damage)
            return Outcome(info, damage)

        return self.task.start(work, "acudesk-backup")

    def _on_finished(self, outcome: object) -> None:
        if self._stop.is_set() or not isinstance(outcome, Outcome):
            return
        if outcome.damage:
            self.damage = outcome.damage
        self.last_error = ""
        if outcome.backup is not None:
            if not outcome.backup.verified:
                self.last_error = "; ".join(outcome.backup.problems[:2])
            self.backup_made.emit(outcome.backup)
        self.show_notices()

    def _on_failed(self, message: str) -> None:
        if self._stop.is_set():
            return
        self.last_error = message
        self.backup_failed.emit(message)
        self.show_notices()

    def shutdown(self, timeout_s: float = 5.0) -> None:
        """Stop the timer and any copy in progress (its partial file is deleted)."""
        self._stop.set()
        self.timer.stop()
        self.task.wait(timeout_s)
