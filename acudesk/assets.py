"""Where AcuDesk's shipped files are: the point catalog, the body figures, the sounds, fonts.

They stay in the top-level ``resources/`` folder of the source tree and install as the package
``acudesk.resources`` (pyproject.toml maps one onto the other), so a checkout, an editable
install, an installed wheel and a frozen bundle all find them the same way, through
importlib.resources. Every function returns a real file or folder on disk, for Qt and ``open``.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from contextlib import ExitStack
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

PACKAGE = "acudesk.resources"

# Files that only exist inside an archive (a zipped install) are copied out once, for the life
# of the process; an ordinary install or a frozen bundle hands back its own paths.
_copies = ExitStack()
atexit.register(_copies.close)


def points_csv() -> Path:
    """The acupuncture point catalog."""
    return resource_file("points", "points.csv")


def body_dir() -> Path:
    """The folder of the body chart's figures (``front.svg``, ``back.svg``)."""
    return resource_dir("body")


def body_svg(name: str) -> Path:
    """One body figure, such as ``front.svg``."""
    return resource_file("body", _plain_name(name))


def sound(name: str) -> Path:
    """One sound, such as ``alarm_high.wav``."""
    return resource_file("sounds", _plain_name(name))


def font_file(name: str) -> Path:
    """One shipped font, such as ``DejaVuSans.ttf`` (Cyrillic glyphs for every paper)."""
    return resource_file("fonts", _plain_name(name))


def resource_file(*parts: str) -> Path:
    """``resources/<parts>`` as a file on disk; FileNotFoundError names it when it is missing."""
    found = _on_disk(_root().joinpath(*parts))
    if not found.is_file():
        raise FileNotFoundError(f"AcuDesk's resource {'/'.join(parts)} is missing ({found})")
    return found


def resource_dir(*parts: str) -> Path:
    """``resources/<parts>`` as a folder on disk; FileNotFoundError names it when it is missing."""
    found = _on_disk(_root().joinpath(*parts))
    if not found.is_dir():
        raise FileNotFoundError(f"AcuDesk's resource folder {'/'.join(parts)} is missing ({found})")
    return found


def _root() -> Traversable:
    try:
        return resources.files(PACKAGE)
    except ModuleNotFoundError as error:  # an install older than the resources package
        raise FileNotFoundError(
            f"AcuDesk's resources ({PACKAGE}) are not installed: reinstall AcuDesk "
            "(in a checkout, `make run` does)"
        ) from error


def _plain_name(name: str) -> str:
    if not name or Path(name).name != name or name in {".", ".."}:
        raise ValueError(f"a resource name, not a path: {name!r}")
    return name


def _on_disk(item: Traversable) -> Path:
    if isinstance(item, Path):
        return item
    if item.is_file():
        return _copies.enter_context(resources.as_file(item))
    if item.is_dir():  # as_file copies only single files before Python 3.12
        target = Path(_copies.enter_context(tempfile.TemporaryDirectory(prefix="acudesk-")))
        _copy_tree(item, target / item.name)
        return target / item.name
    return Path(str(item))  # missing: a path that says where it was looked for


def _copy_tree(source: Traversable, target: Path) -> None:
    target.mkdir()
    for child in source.iterdir():
        if child.is_dir():
            _copy_tree(child, target / child.name)
        else:
            with child.open("rb") as reader, (target / child.name).open("wb") as writer:
                shutil.copyfileobj(reader, writer)
