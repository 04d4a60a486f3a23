"""The change channel on the window's thread: what another workstation or window changed.

The window's listener (``Services.change_listener``) hands each notification to a
``ChangeFeed``, which relays it into the GUI thread as a ``RemoteChange``. Views decide for
themselves whether it concerns them (``touches``); on SQLite, and after a reconnect, the channel
cannot say what changed, and every view looks again. A form edits with an ``EditGuard``
(``acudesk.ui.widgets.edit_guard``), which finds its window's feed by the services it was built
with, or listens on its own when it has no window.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from PySide6.QtCore import QObject, Qt, Signal

from acudesk.services.container import Services


@dataclass(frozen=True)
class RemoteChange:
    workstation: str | None  # None: the channel cannot tell
    changes: tuple[tuple[str, int | None], ...] | None  # None: anything may have changed

    def touches(self, entity: str, entity_id: int | None = None) -> bool:
        if self.changes is None:
            return True
        return any(
            kind == entity and (entity_id is None or i is None or i == entity_id)
            for kind, i in self.changes
        )


class ChangeFeed(QObject):
    noted = Signal(object)  # RemoteChange, on the feed's thread
    _posted = Signal(object)

    _by_services: ClassVar[weakref.WeakValueDictionary[int, ChangeFeed]] = (
        weakref.WeakValueDictionary()
    )

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._posted.connect(self.noted, Qt.ConnectionType.QueuedConnection)
        self._stop_listener: Callable[[], None] | None = None

    def post(self, workstation: str | None, changes: list[tuple[str, int | None]] | None) -> None:
        """From any thread (the listener's)."""
        self._posted.emit(RemoteChange(workstation, None if changes is None else tuple(changes)))

    # -- finding a window's feed -----------------------------------------------------------

    def serve(self, services: Services) -> None:
        """Forms built with these services hear the changes through this feed."""
        ChangeFeed._by_services[id(services)] = self

    @classmethod
    def of(cls, services: Services) -> ChangeFeed | None:
        return cls._by_services.get(id(services))

    @classmethod
    def listening(cls, services: Services, parent: QObject | None = None) -> ChangeFeed:
        """A feed of its own, for a form with no window around it; ``stop()`` ends it."""
        feed = cls(parent)
        listener = services.change_listener(lambda: None, lambda _live: None, feed.post)
        feed._stop_listener = listener.stop
        listener.start()
        return feed

    def stop(self) -> None:
        stop, self._stop_listener = self._stop_listener, None
        if stop is not None:
            stop()
