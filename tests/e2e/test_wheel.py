"""The wheel is the program: built with `pip wheel`, installed into a fresh virtual environment,
its command line and its window work from there, with nothing taken from the checkout.

The fresh environment borrows the test environment's dependencies (PySide6 takes minutes to
install) through a .pth line naming its site-packages. Such a line only extends sys.path: the .pth
files in that folder, the editable install's finder among them, are never run, so the checkout
cannot shadow the wheel. Every command runs outside the repository.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Everything else of the checkout is copied, so the build cannot leave files in it (setuptools
# writes build/ and *.egg-info beside the sources) nor pick up stale ones from an earlier build.
NOT_SOURCES = shutil.ignore_patterns(
    ".git", ".venv*", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis"
)


@dataclass(frozen=True)
class Installed:
    wheel: Path
    python: Path
    site_packages: Path
    work: Path

    def script(self, name: str) -> Path:
        return self.python.parent / name

    def run(self, *command: str | Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "ACUDESK_"))}
        env["QT_QPA_PLATFORM"] = "offscreen"
        env["XDG_DATA_HOME"] = str(self.work / "data")  # no file in the user's data directory
        return subprocess.run(
            [str(c) for c in command],
            cwd=self.work,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )


def _pip(*args: str | Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "--quiet", *map(str, args)],
        check=True,
        capture_output=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCES)
    _pip("wheel", "--no-deps", "--wheel-dir", work / "wheels", source)
    (wheel,) = (work / "wheels").glob("acudesk-*.whl")
    shutil.rmtree(source)

    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True, timeout=120)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    _pip("--python", python, "install", "--no-deps", "--no-index", wheel)
    site_packages = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    (site_packages / "acudesk-test-dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    return Installed(wheel, python, site_packages, work)


def test_the_wheel_holds_every_module_and_resource_but_no_build_script(
    installed: Installed,
) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "acudesk").rglob("*.py")}
    missing = sorted(modules - names)
    assert not missing, f"not in the wheel (add the package to pyproject.toml): {missing}"
    shipped = {
        "acudesk/resources/" + p.relative_to(ROOT / "resources").as_posix()
        for p in (ROOT / "resources").rglob("*")
        if p.is_file() and p.suffix not in {".py", ".pyc"}
    }
    assert {
        "acudesk/resources/points/points.csv",
        "acudesk/resources/body/front.svg",
        "acudesk/resources/body/back.svg",
        "acudesk/resources/sounds/alarm_high.wav",
    } <= shipped
    assert not sorted(shipped - names)
    assert "acudesk/db/migrations/script.py.mako" in names
    scripts = [n for n in names if n.startswith("acudesk/resources/") and n.endswith(".py")]
    assert scripts == ["acudesk/resources/__init__.py"]


def test_acudesk_and_its_files_come_from_the_wheel(installed: Installed) -> None:
    probe = (
        "import acudesk, acudesk.assets as a; print(acudesk.__file__); "
        "print(a.points_csv()); print(a.body_svg('front.svg')); print(a.sound('alarm_high.wav'))"
    )
    result = installed.run(installed.python, "-c", probe)
    assert result.returncode == 0, result.stderr
    paths = [Path(line) for line in result.stdout.splitlines()]
    package = installed.site_packages / "acudesk"
    assert paths[0] == package / "__init__.py"
    assert paths[1:] == [
        package / "resources/points/points.csv",
        package / "resources/body/front.svg",
        package / "resources/sounds/alarm_high.wav",
    ]
    assert all(p.is_file() and ROOT not in p.parents for p in paths)


def test_the_installed_command_migrates_and_verifies_a_database(installed: Installed) -> None:
    url = f"sqlite:///{installed.work / 'clinic.sqlite3'}"
    upgrade = installed.run(installed.script("acudesk"), "db", "upgrade", "--database-url", url)
    assert upgrade.returncode == 0, upgrade.stderr
    assert "Database is up to date" in upgrade.stdout
    verify = installed.run(installed.script("acudesk"), "audit", "verify", "--database-url", url)
    assert verify.returncode == 0, verify.stderr
    assert "intact: 0 events" in verify.stdout


def test_the_installed_window_reaches_the_log_in_screen_and_loads_the_alarm(
    installed: Installed,
) -> None:
    result = installed.run(installed.script("acudesk"), "--demo", "--smoke-test")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith("smoke: ")]
    package = installed.site_packages / "acudesk"
    assert lines[0] == f"smoke: acudesk from {package}"
    assert lines[1] == "smoke: log-in screen shown: Log in to AcuDesk"
    assert lines[2].startswith(
        f"smoke: alarm sound {package / 'resources/sounds/alarm_high.wav'}: "
    )
    assert lines[-1] == "smoke: passed"
