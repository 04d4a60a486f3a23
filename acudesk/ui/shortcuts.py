"""Window shortcuts that work from inside text fields too.

A QLineEdit claims some key combinations for editing before any shortcut sees them: on Linux
Ctrl+U deletes the whole line, so "switch user" did nothing while the cursor was in a field.
The keys registered here win over the text fields; other keys still reach the field.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QWidget


class _ShortcutsFirst(QObject):
    """Refuses the focus widget's claim (ShortcutOverride) on the registered keys."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.keys: set[str] = set()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            pressed = QKeySequence(event.keyCombination()).toString()
            if pressed in self.keys:
                event.ignore()  # not the field's: the shortcut map gets the key
                return True
        return False


def _filter() -> _ShortcutsFirst | None:
    app = QCoreApplication.instance()
    if app is None:
        return None
    found = app.findChild(_ShortcutsFirst)
    if found is None:
        found = _ShortcutsFirst(app)
        app.installEventFilter(found)
    return found


def window_shortcut(
    keys: QKeySequence | QKeySequence.StandardKey | str,
    parent: QWidget,
    slot: Callable[[], object],
    context: Qt.ShortcutContext = Qt.ShortcutContext.WindowShortcut,
) -> QShortcut:
    """A shortcut active while `parent` shows in the active window, text fields included."""
    if isinstance(keys, QKeySequence.StandardKey):
        bindings = QKeySequence.keyBindings(keys)
    else:
        bindings = [keys if isinstance(keys, QKeySequence) else QKeySequence(keys)]
    shortcut = QShortcut(parent)
    shortcut.setKeys(bindings)
    shortcut.setContext(context)
    shortcut.activated.connect(slot)
    keep = _filter()
    if keep is not None:
        keep.keys.update(sequence.toString() for sequence in bindings)
    return shortcut
