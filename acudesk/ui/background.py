"""Long work off the window's thread: the window keeps painting and the alarms keep ringing.

Like Anki's CollectionOp: the work runs on a worker thread with its own database session and
never touches a widget; its progress and its result come back to the window's thread as signals.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal

from acudesk.domain.errors import AcuDeskError

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


class BackgroundTask(QObject):
    """One piece of long work at a time; ``busy`` while it runs."""

    progressed = Signal(int, int)  # done, total (total 0: not known yet)
    finished = Signal(object)  # the result
    failed = Signal(str)  # a message for the person at the screen

    # The worker emits these; relayed into the window's thread before anyone handles them.
    _progressed = Signal(int, int)
    _finished = Signal(object)
    _failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: threading.Thread | None = None
        self._busy = False
        self._progressed.connect(self.progressed, Qt.ConnectionType.QueuedConnection)
        self._finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)
        self._failed.connect(self._on_failed, Qt.ConnectionType.QueuedConnection)

    @property
    def busy(self) -> bool:
        """From ``start`` until its result is handed over on the window's thread; whoever gets
        the result may start the next piece of work at once."""
        return self._busy

    def start(self, work: Callable[[Progress], Any], name: str) -> bool:
        if self._busy:
            return False
        self._busy = True
        self._thread = threading.Thread(target=self._run, args=(work,), name=name, daemon=True)
        self._thread.start()
        return True

    def _on_finished(self, result: object) -> None:
        self._busy = False
        self.finished.emit(result)

    def _on_failed(self, message: str) -> None:
        self._busy = False
        self.failed.emit(message)

    def _run(self, work: Callable[[Progress], Any]) -> None:
        try:
            result = work(self._progressed.emit)
        except AcuDeskError as error:
            self._failed.emit(str(error))
        except Exception as error:  # a fault in long work is a message, never a traceback
            log.exception("background work failed")
            self._failed.emit(
                f"The work stopped because of a fault ({type(error).__name__}); nothing was "
                "changed. Try again; if it happens again, tell the clinic administrator."
            )
        else:
            self._finished.emit(result)

    def wait(self, timeout_s: float = 30.0) -> None:
        """For tests and for closing: wait until the work has ended."""
        if self._thread is not None:
            self._thread.join(timeout_s)
