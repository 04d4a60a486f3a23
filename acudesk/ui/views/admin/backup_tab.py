"""The Backups tab: the newest verified backup and its age, the folder, the recent backups.

"Back up now" makes one on a worker thread (the window keeps painting, the alarms keep ringing);
the folder is this workstation's own setting, changed by the administrator only.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from acudesk.domain.errors import AcuDeskError
from acudesk.domain.roles import Action
from acudesk.i18n import _
from acudesk.services.backup import BackupInfo
from acudesk.services.container import Services
from acudesk.ui.background import BackgroundTask, Progress
from acudesk.ui.views.admin.common import GREEN, RED, Access, fill_table, read_only_table
from acudesk.ui.views.admin.restore import RestoreFlow
from acudesk.ui.widgets.forms import allow, hint, set_look

SHOWN = 20
NO_BACKUPS = (
    "This database is on a clinic server: its backups are made on the server (README, "
    "'A clinic server's backups'). `acudesk backup` on this workstation writes a pg_dump "
    "archive when pg_dump is installed."
)


class BackupTab(QWidget):
    backup_made = Signal(object)  # BackupInfo

    def __init__(self, services: Services, access: Access) -> None:
        super().__init__()
        self._services = services
        self._access = access
        self.service = services.backups
        self.task = BackgroundTask(self)
        self.task.progressed.connect(self._on_progress)
        self.task.finished.connect(self._on_made)
        self.task.failed.connect(self._on_failed)
        panel = QFrame()
        panel.setObjectName("panel")
        grid = QGridLayout(panel)
        grid.setContentsMargins(16, 12, 16, 12)
        grid.setHorizontalSpacing(14)
        self.latest_label = QLabel()
        self.latest_label.setWordWrap(True)
        self.latest_label.setAccessibleName("Newest verified backup")
        self.folder_label = QLabel()
        self.folder_label.setWordWrap(True)
        self.change_button = QPushButton("Change folder…")
        self.now_button = QPushButton("Back up now")
        self.restore_button = QPushButton(_("Restore the chosen backup…"))
        self.restore_button.setObjectName("restoreBackup")
        self.restore = RestoreFlow(services.backups, self) if services.backups else None
        if self.restore is not None:
            self.restore.said.connect(self._on_restore_said)
            self.restore.progressed.connect(self._on_restore_progress)
        self.progress = QProgressBar()
        self.progress.hide()
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        grid.addWidget(QLabel("Newest verified backup"), 0, 0)
        grid.addWidget(self.latest_label, 0, 1, 1, 2)
        grid.addWidget(QLabel("Backup folder"), 1, 0)
        grid.addWidget(self.folder_label, 1, 1)
        grid.addWidget(self.change_button, 1, 2)
        buttons = QHBoxLayout()
        buttons.addWidget(self.now_button)
        buttons.addWidget(self.progress, 1)
        buttons.addWidget(self.restore_button)
        grid.addLayout(buttons, 2, 1, 1, 2)
        grid.addWidget(self.status_label, 3, 1, 1, 2)
        grid.setColumnStretch(1, 1)
        self.table = read_only_table(["Made", "Why", "Verified", "Size", "File"], 4)
        layout = QVBoxLayout(self)
        layout.addWidget(
            hint(
                "AcuDesk backs the database up by itself while it runs: after every signed "
                "session and at least hourly, each copy checked as it is made (integrity, "
                "record counts, the audit trail). It keeps the newest of each of the last 48 "
                "hours and of the last 30 days. To restore one, choose it in the list and "
                "press Restore (or, with AcuDesk closed, run `acudesk restore FILE`)."
            )
        )
        layout.addWidget(panel)
        layout.addWidget(self.table, 1)
        self.now_button.clicked.connect(self.back_up_now)
        self.change_button.clicked.connect(self._choose_folder)
        self._shown: list[BackupInfo] = []
        self.restore_button.clicked.connect(self.restore_chosen)
        self.table.itemSelectionChanged.connect(self._allow_restore)

    def refresh(self) -> None:
        service = self.service
        if service is None or service.database_path is None:
            self.latest_label.setText(NO_BACKUPS if service is not None else "No backups here.")
            self.folder_label.setText(str(service.folder) if service else "")
            self.table.setRowCount(0)
            for button in (self.now_button, self.change_button, self.restore_button):
                allow(button, "Backups of this database are not made here.")
            return
        try:
            backups = service.backups()
        except OSError as error:
            self._status(f"The backup folder cannot be read: {error.strerror or error}.", "error")
            backups = []
        now = self._services.clock.now()
        latest = next((b for b in reversed(backups) if b.verified), None)
        if latest is None:
            self.latest_label.setText("None yet.")
            set_look(self.latest_label, "warning")
        else:
            self.latest_label.setText(
                f"{latest.made.astimezone():%d.%m.%Y %H:%M}, {latest.age_text(now)} ago: "
                f"{latest.file}"
            )
            set_look(self.latest_label, "warning" if service.warning(now) else "ok")
        self.folder_label.setText(str(service.folder))
        self._shown = list(reversed(backups[-SHOWN:]))
        fill_table(self.table, [_row(b) for b in self._shown])
        newest = next((r for r, b in enumerate(self._shown) if b.verified), None)
        if newest is not None and not self.table.selectedItems():
            self.table.selectRow(newest)
        self._allow_restore()
        refusal = self._access.refusal(Action.CHANGE_SETTINGS)
        allow(self.change_button, refusal)
        allow(self.now_button, refusal, "A backup is being made." if self.task.busy else "")

    def chosen_backup(self) -> BackupInfo | None:
        rows = {i.row() for i in self.table.selectedItems()}
        return self._shown[min(rows)] if rows and min(rows) < len(self._shown) else None

    def _allow_restore(self) -> None:
        if self.restore is None:
            return
        refusal = self._access.refusal(Action.CHANGE_SETTINGS)
        chosen = self.chosen_backup()
        why = "" if refusal else self.restore.refusal(chosen).split("\n")[0]
        allow(self.restore_button, refusal, why)

    def restore_chosen(self) -> bool:
        """Restore the chosen backup: asks, checks it on a worker thread, then the window
        closes on the database and AcuDesk starts again on the restored records."""
        acting = self._access.user()
        if self.restore is None or acting is None:
            return False
        refusal = self._access.refusal(Action.CHANGE_SETTINGS)
        if refusal:
            self._status(refusal, "error")
            return False
        chosen = self.chosen_backup()
        started = self.restore.start(chosen, acting, self) if chosen else False
        if chosen is None:
            self._status(self.restore.refusal(None), "error")
        if started:
            self.progress.setValue(0)
            self.progress.show()
            allow(self.restore_button, _("A backup is being checked for the restore."))
        return started

    def _on_restore_progress(self, done: int, total: int) -> None:
        self._on_progress(done, total)

    def _on_restore_said(self, text: str, look: str) -> None:
        if look != "muted":
            self.progress.hide()
            self._allow_restore()
        self._status(text, look)

    def back_up_now(self) -> bool:
        service = self.service
        if service is None or self._access.refusal(Action.CHANGE_SETTINGS) or self.task.busy:
            return False

        def work(progress: Progress) -> BackupInfo:
            return service.back_up(reason="by hand", progress=lambda _p, d, t: progress(d, t))

        started = self.task.start(work, "acudesk-backup-now")
        if started:
            self.progress.setValue(0)
            self.progress.show()
            self._status("Making a backup…", "muted")
            allow(self.now_button, "A backup is being made.")
        return started

    def set_folder(self, folder: Path) -> bool:
        service, acting = self.service, self._access.user()
        if service is None or acting is None:
            return False
        try:
            chosen = service.set_folder(acting, folder)
        except AcuDeskError as error:
            self._status(str(error), "error")
            return False
        self._status(f"Backups go to {chosen} from now on.", "ok")
        self.refresh()
        return True

    def _choose_folder(self) -> None:
        if self.service is None:
            return
        folder = QFileDialog.getExistingDirectory(self, "Backup folder", str(self.service.folder))
        if folder:
            self.set_folder(Path(folder))

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)

    def _on_made(self, info: object) -> None:
        self.progress.hide()
        if isinstance(info, BackupInfo):
            if info.verified:
                self._status(f"Backup made and verified: {info.file}", "ok")
            else:
                self._status(f"The backup failed verification: {info.problems[0]}", "error")
            self.backup_made.emit(info)
        self.refresh()

    def _on_failed(self, message: str) -> None:
        self.progress.hide()
        self._status(message, "error")
        self.refresh()

    def _status(self, text: str, look: str) -> None:
        self.status_label.setText(text)
        set_look(self.status_label, look)


def _row(b: BackupInfo) -> list[str | tuple[str, str]]:
    verified = ("verified", GREEN) if b.verified else (f"FAILED: {b.problems[0]}", RED)
    return [
        f"{b.made.astimezone():%d.%m.%Y %H:%M}",
        b.reason,
        verified,
        f"{b.size / 1_048_576:,.1f} MB",
        Path(b.file).name,
    ]
