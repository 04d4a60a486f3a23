"""Small pieces the pages and dialogs share: labels styled by name, date fields, the button row.

A label's look comes from its object name (``error``, ``muted``, ``warning``, ``ok``,
``sectionTitle``…), which the application style sheet colours.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QSizePolicy,
    QWidget,
)


def plain_label(text: str = "") -> QLabel:
    """A label that shows its text as typed: a name like "<b>Bold</b> Test" keeps its brackets.

    QLabel guesses rich text from the first tag it sees; patients' names, typed notes and
    refusals that quote them are never markup. A label meant to show markup says so itself.
    """
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def _label(text: str, name: str, *, wrap: bool, selectable: bool) -> QLabel:
    label = plain_label(text)
    if name:
        label.setObjectName(name)
    label.setWordWrap(wrap)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def selectable_label(text: str = "", name: str = "", *, wrap: bool = True) -> QLabel:
    """A label whose text can be selected with the mouse and copied."""
    return _label(text, name, wrap=wrap, selectable=True)


def hint(text: str) -> QLabel:
    return _label(text, "muted", wrap=True, selectable=False)


def error_label(*, selectable: bool = False) -> QLabel:
    """Hidden until there is an error to show in it."""
    label = _label("", "error", wrap=True, selectable=selectable)
    label.hide()
    return label


def show_error(label: QLabel, error: Exception) -> None:
    label.setText(str(error))
    label.show()


def set_look(label: QLabel, name: str) -> None:
    """Give a label another look; the style sheet only sees the new name after a re-polish."""
    label.setObjectName(name)
    label.style().unpolish(label)
    label.style().polish(label)


def allow(widget: QWidget, refusal: str | None, why_not: str = "") -> None:
    """Enable a control, or disable it with the reason as its tooltip."""
    reason = refusal or why_not
    widget.setEnabled(not reason)
    widget.setToolTip(reason)


def clear_layout(layout: QLayout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget() if item is not None else None
        if widget is not None:
            widget.deleteLater()


def as_date(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def date_edit(value: date) -> QDateEdit:
    edit = QDateEdit(QDate(value.year, value.month, value.day))
    edit.setDisplayFormat("dd.MM.yyyy")
    edit.setCalendarPopup(True)
    edit.setMinimumDate(QDate(1950, 1, 1))
    edit.setMinimumWidth(130)
    edit.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
    return edit


def button_row(ok_text: str) -> tuple[QPushButton, QPushButton, QHBoxLayout]:
    """A dialog's primary button, which Enter presses, and Cancel to its left; both on the
    right. Returns (primary, cancel, row)."""
    ok_button = QPushButton(ok_text)
    ok_button.setObjectName("primary")
    ok_button.setDefault(True)
    cancel_button = QPushButton("Cancel")
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(cancel_button)
    row.addWidget(ok_button)
    return ok_button, cancel_button, row
