"""Shared fixtures: a fresh migrated database per test, on SQLite and on PostgreSQL.

PostgreSQL comes from ACUDESK_TEST_PG_URL (.ci/run starts a throwaway server and sets it).
Without it the PostgreSQL half is skipped with one reason, except under CI=true, where it fails.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from acudesk import i18n
from acudesk.db.anchor import KEY_FILE_ENV
from acudesk.db.base import Base
from acudesk.db.database import Database
from acudesk.db.engine import make_engine
from acudesk.db.migrate import upgrade
from acudesk.domain.clock import FakeClock
from acudesk.services.container import Services

# Shared, busy machines: a slow example is not a failure. Speed is measured in bench/.
settings.register_profile("acudesk", deadline=None)
settings.load_profile("acudesk")

PG_ENV = "ACUDESK_TEST_PG_URL"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
BACKENDS = ["sqlite", "postgresql"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        parts = Path(str(item.fspath)).parts
        if "gui" in parts:
            item.add_marker(pytest.mark.gui)
        if "e2e" in parts:
            item.add_marker(pytest.mark.e2e)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    skipped = terminalreporter.stats.get("skipped", [])
    reasons = {str(r.longrepr[2]) for r in skipped if isinstance(r.longrepr, tuple)}
    for reason in sorted(reasons):
        count = sum(1 for r in skipped if isinstance(r.longrepr, tuple) and r.longrepr[2] == reason)
        terminalreporter.write_line(f"{count} skipped - {reason.removeprefix('Skipped: ')}")


@pytest.fixture(autouse=True)
def _private_data_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The program's data directory (storage marker, backups, error log) is the test's own,
    never the account's real one; a test that needs another sets ACUDESK_DATA_DIR itself."""
    monkeypatch.setenv("ACUDESK_DATA_DIR", str(tmp_path_factory.mktemp("data")))


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tests read English unless they ask for Russian; the machine's locale never decides."""
    monkeypatch.setenv("ACUDESK_LANG", "en")
    i18n.set_language("en")
    yield
    i18n.set_language("en")


@pytest.fixture
def russian(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The test reads the Russian catalog (the window built after this speaks Russian)."""
    monkeypatch.setenv("ACUDESK_LANG", "ru")
    i18n.set_language("ru")
    yield
    i18n.set_language("en")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # the last connection to close folds the WAL back into the file
    return path


@pytest.fixture(scope="session")
def pg_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        if IN_CI:
            pytest.fail(f"CI must run the PostgreSQL tests but {PG_ENV} is not set")
        pytest.skip(f"PostgreSQL tests skipped: no server ({PG_ENV} is not set)")
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
            connection.commit()
        upgrade(engine)
    except Exception as error:
        if IN_CI:
            pytest.fail(f"CI must run the PostgreSQL tests but the server failed: {error}")
        pytest.skip(f"PostgreSQL tests skipped: server unreachable ({error})")
    finally:
        engine.dispose()
    return url


def _truncate_all(url: str) -> None:
    """Empty every table for the next test. A window of the test before may still have a read
    or a change listener on its own thread: its connections are ended first, so the reset
    neither waits for them nor deadlocks with them."""
    engine = make_engine(url, lock_timeout_ms=0, statement_timeout_ms=0)
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    try:
        for attempt in range(5):
            with engine.begin() as connection:
                connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
            try:
                with engine.begin() as connection:
                    # The append-only and signed-record guards refuse TRUNCATE; a test's reset
                    # is not that.
                    connection.execute(text("SET LOCAL session_replication_role = replica"))
                    connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
                return
            except OperationalError:
                if attempt == 4:
                    raise
    finally:
        engine.dispose()


@pytest.fixture(autouse=True)
def private_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test's own user data directory: audit keys and anchors never land in $HOME."""
    folder = tmp_path / "xdg-data"
    monkeypatch.setenv("XDG_DATA_HOME", str(folder))
    monkeypatch.delenv(KEY_FILE_ENV, raising=False)
    return folder


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    request.node.add_marker(pytest.mark.db)
    if request.param == "sqlite":
        path = tmp_path / "acudesk.sqlite3"
        shutil.copy(sqlite_template, path)
        path.chmod(0o600)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("pg_url")
    _truncate_all(url)
    return url


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db(db_url: str, clock: FakeClock) -> Iterator[Database]:
    database = Database(make_engine(db_url), clock)
    yield database
    database.dispose()


@pytest.fixture
def services(db: Database) -> Services:
    return Services.build(db)
