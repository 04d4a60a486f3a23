"""The shipped files are found through the package, whatever way AcuDesk was installed."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from acudesk import assets


def test_the_catalog_the_figures_and_the_alarm_are_real_files() -> None:
    assert assets.points_csv().read_text(encoding="utf-8").startswith("code,")
    for view in ("front", "back"):
        assert assets.body_svg(f"{view}.svg") == assets.body_dir() / f"{view}.svg"
        assert assets.body_svg(f"{view}.svg").read_bytes().lstrip().startswith(b"<")
    assert assets.sound("alarm_high.wav").read_bytes()[:4] == b"RIFF"


def test_a_missing_sound_is_named_in_the_error() -> None:
    with pytest.raises(FileNotFoundError, match=r"sounds/alarm_nowhere\.wav is missing"):
        assets.sound("alarm_nowhere.wav")


@pytest.mark.parametrize("name", ["../points/points.csv", "sub/alarm_high.wav", "", ".."])
def test_a_name_is_never_a_path(name: str) -> None:
    with pytest.raises(ValueError, match="a resource name, not a path"):
        assets.sound(name)


def test_a_zipped_install_gets_copies_on_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "acudesk.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("resources/sounds/alarm_high.wav", b"RIFF-high")
        out.writestr("resources/body/front.svg", b"<svg/>")
        out.writestr("resources/body/detail/hand.svg", b"<svg id='hand'/>")
    monkeypatch.setattr(assets, "_root", lambda: zipfile.Path(archive, "resources/"))

    sound = assets.sound("alarm_high.wav")
    body = assets.body_dir()

    assert isinstance(sound, Path)
    assert sound.read_bytes() == b"RIFF-high"
    assert (body / "front.svg").read_bytes() == b"<svg/>"
    assert (body / "detail" / "hand.svg").read_bytes() == b"<svg id='hand'/>"
    with pytest.raises(FileNotFoundError, match=r"sounds/alarm_low\.wav is missing"):
        assets.sound("alarm_low.wav")
