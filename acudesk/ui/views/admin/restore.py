"""Restoring a backup from the window (Administration, Backups).

The administrator chooses a verified backup, reads what a restore means, and types their password
or PIN again (recorded in the audit trail of the database being replaced). The backup is checked
and copied beside the database on a worker thread while the room keeps working; then the window
closes on the database, the restore puts the copy in place (the current file kept aside, never
deleted) and AcuDesk starts again at the log-in on the restored records
(acudesk/app.py, ``_run_gui``). Never while a needle is in: the restored records would not know
of it, and no alarm could ring for it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QVBoxLayout, QWidget

from acudesk.domain.errors import AcuDeskError, SignatureRefused
from acudesk.i18n import _
from acudesk.services.backup import BackupInfo, BackupService
from acudesk.services.restore import StagedRestore, stage_restore
from acudesk.ui.background import BackgroundTask, Progress
from acudesk.ui.widgets.forms import button_row, error_label, hint


def restore_explanation(info: BackupInfo) -> str:
    return _(
        "The database will be replaced by the backup made {when} ({file}). Records made after "
        "that moment will not be in it. The current database is kept aside beside it, not "
        "deleted. AcuDesk closes on the database, puts the backup in place and starts again "
        "at the log-in. Every other workstation using this database must close AcuDesk first."
    ).format(when=f"{info.made.astimezone():%d.%m.%Y %H:%M}", file=Path(info.file).name)


def needles_refusal(needles: str) -> str:
    return (
        _(
            "Needles are still in. Remove them and end those sessions before restoring: the "
            "restored records would not know of them."
        )
        + "\n"
        + needles
    )


class RestoreDialog(QDialog):
    """What a restore means, and the administrator's password or PIN to go ahead."""

    def __init__(
        self, info: BackupInfo, submit: Callable[[str], None], parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("restoreDialog")
        self.setWindowTitle(_("Restore a backup"))
        self.setMinimumWidth(520)
        self._submit = submit
        heading = QLabel(_("Restore a backup"))
        heading.setObjectName("sectionTitle")
        self.secret_edit = QLineEdit()
        self.secret_edit.setObjectName("restoreSecret")
        self.secret_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret_edit.setPlaceholderText(_("PIN or password"))
        self.secret_edit.setAccessibleName(_("Your PIN or password to restore"))
        self.error_label = error_label()
        self.ok_button, self.cancel_button, buttons = button_row(_("Restore"))
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        self.explanation_label = hint(restore_explanation(info))
        layout.addWidget(self.explanation_label)
        layout.addWidget(QLabel(_("Your PIN or password to restore")))
        layout.addWidget(self.secret_edit)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)
        self.ok_button.clicked.connect(self.confirm)
        self.cancel_button.clicked.connect(self.reject)
        self.secret_edit.setFocus()

    def confirm(self) -> None:
        secret = self.secret_edit.text()
        if not secret:
            self._wrong(_("Type your PIN or password to restore."))
            return
        try:
            self._submit(secret)
        except SignatureRefused as error:
            self._wrong(str(error))
            return
        except AcuDeskError as error:
            self._wrong(str(error))
            return
        self.secret_edit.clear()
        self.accept()

    def _wrong(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()
        self.secret_edit.clear()
        self.secret_edit.setFocus()


class RestoreFlow(QObject):
    """From the chosen backup to a staged copy ready to be put in place."""

    ready = Signal(object)  # the StagedRestore: the window closes and puts it in place
    said = Signal(str, str)  # text, look ("muted", "ok", "error") for the tab's status line
    progressed = Signal(int, int)

    def __init__(self, service: BackupService, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.task = BackgroundTask(self)
        self.task.progressed.connect(self.progressed)
        self.task.finished.connect(self._on_staged)
        self.task.failed.connect(lambda text: self.said.emit(text, "error"))
        # Set by the main window: the sessions with needles in, as text ("" when none).
        self.needles_in: Callable[[], str] = lambda: ""

    @property
    def busy(self) -> bool:
        return self.task.busy

    def refusal(self, info: BackupInfo | None) -> str:
        """Why this backup cannot be restored now ("" when it can)."""
        if self.service.database_path is None:
            return _(
                "A clinic server's database is restored on the server (README, 'A clinic "
                "server's backups'), not from a workstation."
            )
        if info is None:
            return _("Choose a backup in the list first.")
        if not info.verified:
            return _("This backup failed verification; choose a verified one.")
        needles = self.needles_in()
        if needles:
            return needles_refusal(needles)
        if self.task.busy:
            return _("A backup is being checked for the restore.")
        return ""

    def start(self, info: BackupInfo, user_id: int, parent: QWidget | None) -> bool:
        """Ask, then check and stage ``info`` on a worker thread; ``ready`` follows."""
        refusal = self.refusal(info)
        if refusal:
            self.said.emit(refusal, "error")
            return False
        backup = Path(info.file)
        dialog = RestoreDialog(
            info, lambda secret: self.service.authorize_restore(user_id, secret, backup), parent
        )
        if not self.ask(dialog):
            return False
        url = self.service.url
        key_path = self.service.key_path

        def work(progress: Progress) -> StagedRestore:
            return stage_restore(
                backup, url, key_path=key_path, progress=lambda _p, d, t: progress(d, t)
            )

        started = self.task.start(work, "acudesk-restore-check")
        if started:
            self.said.emit(_("Checking the backup before restoring it…"), "muted")
        return started

    def ask(self, dialog: RestoreDialog) -> bool:
        """Shows the dialog (a test may answer in its place)."""
        return dialog.exec() == QDialog.DialogCode.Accepted

    def _on_staged(self, staged: object) -> None:
        if not isinstance(staged, StagedRestore):
            return
        needles = self.needles_in()
        if needles:  # a needle went in while the backup was being checked
            staged.discard()
            self.said.emit(needles_refusal(needles), "error")
            return
        self.said.emit(_("The backup is checked: AcuDesk closes and restores it."), "ok")
        self.ready.emit(staged)
