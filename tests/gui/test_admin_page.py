"""The administration page on the demo clinic: users, credentials, settings and the audit trail."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from PySide6.QtCore import QDate, QPoint, Qt, QTimer
from PySide6.QtWidgets import QCheckBox, QDialog, QTableWidget, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from acudesk.domain.clock import local_date
from acudesk.domain.credentials import CertificateStatus, CredentialKind
from acudesk.domain.errors import PermissionDenied, RuleViolation
from acudesk.domain.roles import Role
from acudesk.services.audit import AuditFilter
from acudesk.services.container import Services
from acudesk.ui.dialogs.user_dialog import CredentialDialog, UserDialog
from acudesk.ui.views.admin.audit_tab import AuditTab
from acudesk.ui.views.admin_page import AdminPage
from tests.gui.conftest import user_id
from tests.unit.services.tamper import guards_lifted

LEFT = Qt.MouseButton.LeftButton
ONLY_ADMIN = "Only the clinic administrator may"


def make_page(qtbot: QtBot, services: Services, username: str) -> AdminPage:
    acting = user_id(services, username)
    page = AdminPage(services, lambda: acting)
    qtbot.addWidget(page)
    page.resize(1366, 700)
    page.show()
    qtbot.waitExposed(page)
    page.refresh()
    return page


@pytest.fixture
def admin_page(qtbot: QtBot, demo_services: Services) -> AdminPage:
    return make_page(qtbot, demo_services, "admin")


def column(table: QTableWidget, index: int) -> list[str]:
    return [table.item(row, index).text() for row in range(table.rowCount())]


def row_of(table: QTableWidget, name: str) -> int:
    return column(table, 0).index(name)


def tick(qtbot: QtBot, box: QCheckBox) -> None:
    qtbot.mouseClick(box, LEFT, pos=QPoint(8, box.height() // 2))  # on the box itself


def retype(qtbot: QtBot, widget: QWidget, keys: str) -> None:
    """Select what the field holds and type over it, as a person does."""
    widget.activateWindow()
    widget.setFocus()
    qtbot.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(widget, keys)


def open_user_dialog(qtbot: QtBot, page: AdminPage) -> UserDialog:
    qtbot.mouseClick(page.users_tab.add_button, LEFT)
    dialog = page.users_tab.user_dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    return dialog


def fill_new_user(qtbot: QtBot, dialog: UserDialog, pin: str) -> None:
    qtbot.keyClicks(dialog.username_edit, "volkova")
    qtbot.keyClicks(dialog.full_name_edit, "Nadezhda Volkova")
    tick(qtbot, dialog.role_checks[Role.NURSE])
    qtbot.keyClicks(dialog.pin_edit, pin)
    qtbot.keyClicks(dialog.pin_again_edit, pin)
    qtbot.keyClicks(dialog.password_edit, "volkova-2026")
    qtbot.keyClicks(dialog.password_again_edit, "volkova-2026")


# -- users ---------------------------------------------------------------------------------


def test_adding_a_user_shows_them_in_the_table_and_stores_them(
    qtbot: QtBot, admin_page: AdminPage, demo_services: Services
) -> None:
    dialog = open_user_dialog(qtbot, admin_page)
    fill_new_user(qtbot, dialog, "5555")

    with qtbot.waitSignal(admin_page.users_changed), qtbot.waitSignal(dialog.saved) as saved:
        qtbot.mouseClick(dialog.ok_button, LEFT)

    assert dialog.result() == QDialog.DialogCode.Accepted
    (stored,) = [u for u in demo_services.users.list_users() if u.username == "volkova"]
    assert saved.args == [stored.id]
    assert (stored.full_name, stored.roles, stored.active) == (
        "Nadezhda Volkova",
        frozenset({Role.NURSE}),
        True,
    )
    table = admin_page.users_tab.table
    row = row_of(table, "Nadezhda Volkova")
    assert [table.item(row, c).text() for c in range(5)] == [
        "Nadezhda Volkova",
        "volkova",
        "Nurse",
        "active",
        "not needed",
    ]
    assert admin_page.users_tab.selected_user() == stored


def test_a_short_pin_is_named_the_typing_kept_and_nothing_stored(
    qtbot: QtBot, admin_page: AdminPage, demo_services: Services
) -> None:
    before = demo_services.users.count()
    dialog = open_user_dialog(qtbot, admin_page)
    fill_new_user(qtbot, dialog, "12")

    qtbot.mouseClick(dialog.ok_button, LEFT)

    assert dialog.isVisible()
    pin_error, _field = dialog.field_errors["pin"]
    assert pin_error.isVisible()
    assert pin_error.text() == "PIN: 4 to 8 digits."
    assert not dialog.error_label.isVisible()
    assert dialog.username_edit.text() == "volkova"
    assert dialog.full_name_edit.text() == "Nadezhda Volkova"
    assert dialog.pin_edit.text() == "12"
    assert dialog.role_checks[Role.NURSE].isChecked()
    assert demo_services.users.count() == before
    assert "Nadezhda Volkova" not in column(admin_page.users_tab.table, 0)

    retype(qtbot, dialog.pin_edit, "1234")
    retype(qtbot, dialog.pin_again_edit, "1243")
    qtbot.mouseClick(dialog.ok_button, LEFT)
    again_error, _field = dialog.field_errors["pin_again"]
    assert again_error.text().startswith("PIN again: the two entries differ")
    assert not pin_error.isVisible()
    assert demo_services.users.count() == before


def test_a_taken_log_in_name_is_refused_next_to_the_field(
    qtbot: QtBot, admin_page: AdminPage, demo_services: Services
) -> None:
    dialog = open_user_dialog(qtbot, admin_page)
    fill_new_user(qtbot, dialog, "5555")
    retype(qtbot, dialog.username_edit, "Petrov")

    qtbot.mouseClick(dialog.ok_button, LEFT)

    error, _field = dialog.field_errors["username"]
    assert error.text() == "The log-in name 'petrov' is already in use."
    assert dialog.isVisible()
    assert all(u.username != "volkova" for u in demo_services.users.list_users())


def test_disabling_and_enabling_a_user(
    qtbot: QtBot, admin_page: AdminPage, demo_services: Services
) -> None:
    tab = admin_page.users_tab
    kozlova = user_id(demo_services, "kozlova")
    tab.table.selectRow(row_of(tab.table, "Anna Kozlova"))
    assert tab.active_button.text() == "Disable account"

    qtbot.mouseClick(tab.active_button, LEFT)

    assert not demo_services.users.get(kozlova).active
    row = row_of(tab.table, "Anna Kozlova")
    assert tab.table.item(row, 3).text() == "disabled"
    assert tab.active_button.text() == "Enable account"
    assert all(u.id != kozlova for u in demo_services.users.list_users(active_only=True))

    qtbot.mouseClick(tab.active_button, LEFT)
    assert demo_services.users.get(kozlova).active
    assert tab.table.item(row, 3).text() == "active"


def test_the_administrator_cannot_disable_their_own_account(
    admin_page: AdminPage, demo_services: Services
) -> None:
    tab = admin_page.users_tab
    tab.table.selectRow(row_of(tab.table, "Irina Morozova"))
    assert not tab.active_button.isEnabled()
    assert tab.active_button.toolTip() == "You cannot disable your own account."
    assert tab.roles_button.isEnabled()
    assert demo_services.users.get(user_id(demo_services, "admin")).active


def test_changing_roles_and_a_refused_change_shown_in_the_dialog(
    qtbot: QtBot, admin_page: AdminPage, demo_services: Services
) -> None:
    tab = admin_page.users_tab
    tab.table.selectRow(row_of(tab.table, "Irina Morozova"))
    qtbot.mouseClick(tab.roles_button, LEFT)
    dialog = tab.roles_dialog
    assert dialog is not None
    tick(qtbot, dialog.role_checks[Role.ADMINISTRATOR])
    qtbot.mouseClick(dialog.ok_button, LEFT)
    assert dialog.field_errors["roles"][0].text() == "Roles: choose at least one."
    tick(qtbot, dialog.role_checks[Role.NURSE])
    qtbot.mouseClick(dialog.ok_button, LEFT)
    assert dialog.isVisible()
    assert not dialog.field_errors["roles"][0].isVisible()
    assert dialog.error_label.text() == "You cannot take the administrator role from yourself."
    admin = demo_services.users.get(user_id(demo_services, "admin"))
    assert admin.roles == frozenset({Role.ADMINISTRATOR})

    tab.table.selectRow(row_of(tab.table, "Anna Kozlova"))
    qtbot.mouseClick(tab.roles_button, LEFT)
    dialog = tab.roles_dialog
    assert dialog is not None
    assert dialog.role_checks[Role.NURSE].isChecked()
    tick(qtbot, dialog.role_checks[Role.ACUPUNCTURIST])
    qtbot.mouseClick(dialog.ok_button, LEFT)

    assert not dialog.isVisible()
    kozlova = demo_services.users.get(user_id(demo_services, "kozlova"))
    assert kozlova.roles == frozenset({Role.NURSE, Role.ACUPUNCTURIST})
    row = row_of(tab.table, "Anna Kozlova")
    assert tab.table.item(row, 2).text() == "Acupuncturist, Nurse"
    assert tab.table.item(row, 4).text() == "none on record"
    assert "Anna Kozlova has no acupuncture certificate on record." in tab.banner_label.text()


def test_resetting_a_pin_is_recorded(
    qtbot: QtBot, admin_page: AdminPage, demo_services: Services
) -> None:
    tab = admin_page.users_tab
    petrov = user_id(demo_services, "petrov")
    tab.table.selectRow(row_of(tab.table, "Dr Sergei Petrov"))
    qtbot.mouseClick(tab.secrets_button, LEFT)
    dialog = tab.secrets_dialog
    assert dialog is not None
    qtbot.mouseClick(dialog.ok_button, LEFT)
    assert dialog.field_errors["pin"][0].text() == "Enter a new PIN, a new password, or both."

    qtbot.keyClicks(dialog.pin_edit, "24680")
    qtbot.keyClicks(dialog.pin_again_edit, "24680")
    qtbot.mouseClick(dialog.ok_button, LEFT)

    assert not dialog.isVisible()
    admin = user_id(demo_services, "admin")
    (event, *_) = demo_services.audit.query(admin, AuditFilter(user_id=admin))
    assert (event.action, event.entity_id) == ("reset secrets", petrov)
    assert '"pin": true' in event.after and '"password": false' in event.after


# -- certificates --------------------------------------------------------------------------


def test_the_banner_names_the_practitioner_whose_certificate_expires_soon(
    admin_page: AdminPage, demo_services: Services
) -> None:
    tab = admin_page.users_tab
    expiry = local_date(demo_services.clock.now()) + timedelta(days=20)
    assert tab.banner.isVisible()
    assert tab.banner_label.text() == (
        f"Dr Sergei Petrov's acupuncture certificate expires on {expiry:%d.%m.%Y}."
    )
    cell = tab.table.item(row_of(tab.table, "Dr Sergei Petrov"), 4)
    assert cell.text() == f"expires {expiry:%d.%m.%Y} (in 20 days)"
    assert cell.foreground().color().name() == "#8a5300"
    ivanova = tab.table.item(row_of(tab.table, "Dr Elena Ivanova"), 4)
    assert ivanova.text().startswith("valid until ")


def test_adding_a_certificate_clears_the_warning(
    qtbot: QtBot, admin_page: AdminPage, demo_services: Services
) -> None:
    petrov = user_id(demo_services, "petrov")
    today = local_date(demo_services.clock.now())
    admin_page.users_tab.table.selectRow(row_of(admin_page.users_tab.table, "Dr Sergei Petrov"))
    admin_page.tabs.setCurrentWidget(admin_page.credentials_tab)
    tab = admin_page.credentials_tab
    assert tab.practitioner_combo.currentText() == "Dr Sergei Petrov"
    assert len(column(tab.table, 0)) == 2

    qtbot.mouseClick(tab.add_button, LEFT)
    dialog = tab.credential_dialog
    assert isinstance(dialog, CredentialDialog)
    assert dialog.kind() is CredentialKind.CERTIFICATE
    qtbot.keyClicks(dialog.number_edit, "ACU-2026-777")
    qtbot.keyClicks(dialog.issuer_edit, "Kazan State Medical Academy")
    dialog.issued_edit.setDate(QDate(today - timedelta(days=10)))
    dialog.expires_edit.setDate(QDate(today.replace(year=today.year + 5)))
    qtbot.keyClicks(dialog.place_edit, "Department of reflexology, Kazan")
    with qtbot.waitSignal(dialog.saved):
        qtbot.mouseClick(dialog.ok_button, LEFT)

    rows = demo_services.users.credentials(petrov)
    new = next(r for r in rows if r.number == "ACU-2026-777")
    assert (new.kind, new.issuer, new.training_place) == (
        CredentialKind.CERTIFICATE,
        "Kazan State Medical Academy",
        "Department of reflexology, Kazan",
    )
    assert new.expires_on == today.replace(year=today.year + 5)
    assert demo_services.users.certificate(petrov).status is CertificateStatus.VALID
    assert "ACU-2026-777" in column(tab.table, 1)
    assert tab.status_label.text().startswith("Acupuncture certificate: valid until ")
    assert admin_page.users_tab.banner.isHidden()
    assert demo_services.users.certificate_warnings() == []


def test_a_certificate_without_expiry_is_refused_next_to_the_field(
    qtbot: QtBot, admin_page: AdminPage, demo_services: Services
) -> None:
    petrov = user_id(demo_services, "petrov")
    tab = admin_page.credentials_tab
    tab.show_user(petrov)
    qtbot.mouseClick(tab.add_button, LEFT)
    dialog = tab.credential_dialog
    assert dialog is not None
    qtbot.keyClicks(dialog.number_edit, "ACU-1")
    qtbot.keyClicks(dialog.issuer_edit, "Kazan State Medical Academy")
    tick(qtbot, dialog.expires_check)
    qtbot.mouseClick(dialog.ok_button, LEFT)

    error, _field = dialog.field_errors["expires_on"]
    assert error.text() == "An acupuncture certificate needs its expiry date."
    assert dialog.isVisible() and dialog.number_edit.text() == "ACU-1"
    assert len(demo_services.users.credentials(petrov)) == 2


# -- clinic settings -----------------------------------------------------------------------


def test_changing_the_deep_needling_threshold(
    qtbot: QtBot, admin_page: AdminPage, demo_services: Services
) -> None:
    admin_page.tabs.setCurrentWidget(admin_page.settings_tab)
    tab = admin_page.settings_tab
    spin, save = tab.spins["deep_threshold_mm"], tab.save_buttons["deep_threshold_mm"]
    assert spin.value() == 10
    assert not save.isEnabled()
    assert save.toolTip() == "No change to save."

    retype(qtbot, spin, "8")
    assert save.isEnabled()
    qtbot.mouseClick(save, LEFT)

    assert demo_services.clinic.options().deep_threshold_mm == 8
    assert tab.status_labels["deep_threshold_mm"].text() == "Saved."
    assert not save.isEnabled()
    admin = user_id(demo_services, "admin")
    (event, *_) = demo_services.audit.query(admin)
    assert event.action == "change setting"


def test_a_setting_outside_its_bounds_cannot_be_entered_or_saved(
    qtbot: QtBot, admin_page: AdminPage, demo_services: Services
) -> None:
    admin_page.tabs.setCurrentWidget(admin_page.settings_tab)
    tab = admin_page.settings_tab
    spin, save = tab.spins["deep_threshold_mm"], tab.save_buttons["deep_threshold_mm"]
    assert (spin.minimum(), spin.maximum()) == (3, 20)

    retype(qtbot, spin, "25")
    assert spin.text() == "2 mm"  # the 5 was refused as it was typed
    assert spin.value() == 10
    assert not save.isEnabled()
    qtbot.mouseClick(save, LEFT)
    spin.interpretText()
    assert spin.text() == "10.0 mm"  # below the bounds: back to the last good value

    age, age_save = tab.spins["minimum_age"], tab.save_buttons["minimum_age"]
    assert (age.minimum(), age.maximum()) == (14, 18)
    retype(qtbot, age, "12")
    assert age.value() == 18
    assert not age_save.isEnabled()
    tab.save("minimum_age")  # as Return in the field would: the typing is undone, nothing saved
    assert age.text() == "18 years"
    assert tab.status_labels["minimum_age"].text() == "No change to save."

    options = demo_services.clinic.options()
    assert (options.deep_threshold_mm, options.minimum_age) == (10, 18)
    admin = user_id(demo_services, "admin")
    with pytest.raises(RuleViolation, match="outside the allowed 3-20 mm"):
        demo_services.clinic.change(admin, "deep_threshold_mm", 25)
    assert demo_services.clinic.options().deep_threshold_mm == 10


def test_every_setting_shows_its_bounds_and_the_price_is_read_only(
    admin_page: AdminPage, demo_services: Services
) -> None:
    tab = admin_page.settings_tab
    options = demo_services.clinic.options()
    assert set(tab.spins) == {
        "minimum_age",
        "deep_threshold_mm",
        "first_session_minutes",
        "last_session_minutes",
        "rest_minutes",
        "lock_minutes",
    }
    for name, spin in tab.spins.items():
        assert spin.value() == getattr(options, name)
    texts = [label.text() for label in tab.findChildren(type(tab.price_label))]
    assert "allowed 14-18 years" in texts
    assert "allowed 3-20 mm" in texts
    price = demo_services.prices.current()
    assert tab.price_label.text() == (price.text if price else "No price set")


# -- audit trail ---------------------------------------------------------------------------


def listed(qtbot: QtBot, tab: AuditTab) -> QTableWidget:
    """The event list once it answers the filters now set (it is read on a worker thread)."""
    qtbot.waitUntil(lambda: not tab.loading, timeout=10000)
    return tab.table


def test_the_audit_trail_lists_events_and_filters_by_user_and_patient(
    qtbot: QtBot, admin_page: AdminPage, demo_services: Services
) -> None:
    admin_page.tabs.setCurrentWidget(admin_page.audit_tab)
    tab = admin_page.audit_tab
    admin = user_id(demo_services, "admin")
    everything = demo_services.audit.query(admin)
    assert listed(qtbot, tab).rowCount() == len(everything) > 10
    assert tab.user_combo.currentText() == "Anyone"
    assert tab.patient_combo.currentText() == "Any patient"
    assert {"Irina Morozova", "Olga Smirnova"} <= set(column(tab.table, 1))

    tab.user_combo.setCurrentIndex(tab.user_combo.findText("Olga Smirnova"))
    assert set(column(listed(qtbot, tab), 1)) == {"Olga Smirnova"}
    assert set(column(tab.table, 3)) == {"create"}
    assert tab.table.rowCount() == 7  # the seven demo patients she registered

    qtbot.keyClicks(tab.patient_edit, "Sokolova")
    assert tab.patient_combo.currentText().startswith("Maria Sokolova")
    assert column(listed(qtbot, tab), 5) == ["Maria Sokolova"]
    assert "full name: Maria Sokolova" in tab.table.item(0, 6).text()

    qtbot.keyClicks(tab.patient_edit, "x")
    assert tab.patient_combo.count() == 0
    assert listed(qtbot, tab).rowCount() == 0
    assert tab.count_label.text() == "No patient matches “Sokolovax”."

    tab.patient_edit.clear()
    assert tab.patient_combo.currentText() == "Any patient"
    assert listed(qtbot, tab).rowCount() == 7
    tab.user_combo.setCurrentIndex(0)
    assert listed(qtbot, tab).rowCount() == len(everything)
    tab.from_check.setChecked(True)
    tab.from_edit.setDate(tab.from_edit.date().addDays(60))  # after the demo was set up
    assert listed(qtbot, tab).rowCount() == 0
    assert tab.count_label.text() == "No events match these filters."


def test_a_slow_audit_list_never_holds_the_window_and_only_the_newest_filter_is_shown(
    qtbot: QtBot, admin_page: AdminPage, demo_services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    tab = admin_page.audit_tab
    listed(qtbot, tab)
    real_query = demo_services.audit.query
    release = threading.Event()
    asked: list[AuditFilter] = []

    def slow_query(acting: int, wanted: AuditFilter | None = None) -> object:
        asked.append(wanted or AuditFilter())
        release.wait(20)  # a statement held by the database for as long as the test likes
        return real_query(acting, wanted or AuditFilter())

    monkeypatch.setattr(demo_services.audit, "query", slow_query)
    painted = QTimer()
    ticks: list[int] = []
    painted.timeout.connect(lambda: ticks.append(1))
    painted.start(10)

    tab.user_combo.setCurrentIndex(tab.user_combo.findText("Olga Smirnova"))  # the window's
    # thread came back at once: the list is being read, the window keeps handling events
    assert not release.is_set() and tab.loading
    assert tab.count_label.text() == "Reading the events..."
    qtbot.waitUntil(lambda: len(ticks) >= 5, timeout=5000)
    tab.user_combo.setCurrentIndex(tab.user_combo.findText("Irina Morozova"))
    release.set()
    assert set(column(listed(qtbot, tab), 1)) == {"Irina Morozova"}  # never Olga's answer
    assert len(asked) == 2  # the first question answered, then the newest; none in between
    painted.stop()


def test_checking_the_audit_trail_reports_intact_then_the_broken_event(
    qtbot: QtBot, admin_page: AdminPage, demo_services: Services
) -> None:
    admin_page.tabs.setCurrentWidget(admin_page.audit_tab)
    tab = admin_page.audit_tab
    # The check runs on a worker thread: the window stays free while it does.
    with qtbot.waitSignal(tab.verify_task.finished, timeout=30000):
        qtbot.mouseClick(tab.verify_button, LEFT)
        assert tab.verify_progress.isVisible() and not tab.verify_button.isEnabled()
    assert "intact" in tab.verify_label.text()
    assert tab.verify_label.objectName() == "ok"
    assert not tab.verify_progress.isVisible() and tab.verify_button.isEnabled()

    with guards_lifted(demo_services.db) as connection:  # the database itself refuses it
        connection.execute(text("UPDATE audit_events SET after = '{}' WHERE id = 3"))
    with qtbot.waitSignal(tab.verify_task.finished, timeout=30000):
        qtbot.mouseClick(tab.verify_button, LEFT)

    assert tab.verify_label.text().startswith("The audit trail is broken: 1 problem")
    assert "Event 3 was edited after it was written" in tab.verify_label.text()
    assert tab.verify_label.objectName() == "error"


# -- who may act ---------------------------------------------------------------------------


def test_a_nurse_sees_every_action_disabled_and_the_services_refuse_anyway(
    qtbot: QtBot, demo_services: Services
) -> None:
    page = make_page(qtbot, demo_services, "smirnova")
    nurse = user_id(demo_services, "smirnova")
    users = page.users_tab
    users.table.selectRow(row_of(users.table, "Anna Kozlova"))
    for button in (users.add_button, users.active_button, users.roles_button):
        assert not button.isEnabled()
        assert button.toolTip() == "Only the clinic administrator may manage users."
    assert not users.secrets_button.isEnabled()
    assert users.open_add_user() is None
    assert not page.credentials_tab.add_button.isEnabled()
    assert page.credentials_tab.add_button.toolTip().startswith(ONLY_ADMIN)
    for name, save in page.settings_tab.save_buttons.items():
        assert not save.isEnabled()
        assert not page.settings_tab.spins[name].isEnabled()
        assert save.toolTip() == "Only the clinic administrator may change clinic settings."
    audit = page.audit_tab
    assert not audit.verify_button.isEnabled()
    assert audit.table.rowCount() == 0
    assert audit.count_label.text() == "Only the clinic administrator may view the audit trail."
    assert ONLY_ADMIN in page.access_label.text()

    with pytest.raises(PermissionDenied):
        demo_services.users.create_user(
            "volkova",
            "Nadezhda Volkova",
            [Role.NURSE],
            pin="5555",
            password="volkova-2026",
            created_by=nurse,
        )
    with pytest.raises(PermissionDenied):
        demo_services.users.set_active(nurse, user_id(demo_services, "kozlova"), False)
    with pytest.raises(PermissionDenied):
        demo_services.clinic.change(nurse, "deep_threshold_mm", 8)
    with pytest.raises(PermissionDenied):
        demo_services.audit.verify_as(nurse)
    assert demo_services.clinic.options().deep_threshold_mm == 10


def test_with_nobody_acting_nothing_can_be_changed(qtbot: QtBot, demo_services: Services) -> None:
    page = AdminPage(demo_services, lambda: None)
    qtbot.addWidget(page)
    page.refresh()
    assert page.access_label.text() == "Choose who is acting at the top of the window."
    assert not page.users_tab.add_button.isEnabled()
    assert page.users_tab.add_button.toolTip() == page.access_label.text()
    assert not page.settings_tab.save_buttons["rest_minutes"].isEnabled()
    assert not page.audit_tab.verify_button.isEnabled()
    assert page.users_tab.table.rowCount() == 5
