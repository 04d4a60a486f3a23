"""The shipped acupuncture point catalog and the catalog API."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from acudesk.domain.catalog import (
    ABSOLUTE_MAX_DEPTH_MM,
    COLUMNS,
    DEFAULT_PATH,
    REGIONS,
    Point,
    PointCatalog,
    default_catalog,
    load_catalog,
    parse_catalog,
)

WHO_COUNTS = {
    "LU": 11,
    "LI": 20,
    "ST": 45,
    "SP": 21,
    "HT": 9,
    "SI": 19,
    "BL": 67,
    "KI": 27,
    "PC": 9,
    "TE": 23,
    "GB": 44,
    "LR": 14,
    "GV": 28,
    "CV": 24,
}
WHO_CODE = re.compile(r"^(LU|LI|ST|SP|HT|SI|BL|KI|PC|TE|GB|LR|GV|CV)(\d+)$")


@pytest.fixture(scope="module")
def catalog() -> PointCatalog:
    return load_catalog()


def meridian_points(catalog: PointCatalog) -> list[Point]:
    return [p for p in catalog if p.meridian != "EX"]


# --- the shipped data ---------------------------------------------------------------------------


def test_default_path_is_the_shipped_file() -> None:
    assert DEFAULT_PATH.is_file()
    assert DEFAULT_PATH.parts[-3:] == ("resources", "points", "points.csv")


def test_header_is_exactly_the_agreed_columns() -> None:
    header = DEFAULT_PATH.read_text(encoding="utf-8").splitlines()[0]
    assert header == ",".join(COLUMNS)


def test_361_distinct_who_points_with_the_right_count_per_meridian(
    catalog: PointCatalog,
) -> None:
    who = meridian_points(catalog)
    codes = [p.code for p in who]
    assert len(codes) == 361
    assert len(set(codes)) == 361
    counts: dict[str, int] = {}
    for point in who:
        match = WHO_CODE.match(point.code)
        assert match, point.code
        assert match.group(1) == point.meridian
        counts[point.meridian] = counts.get(point.meridian, 0) + 1
    assert counts == WHO_COUNTS
    assert sum(counts.values()) == 361


@pytest.mark.parametrize(("meridian", "count"), sorted(WHO_COUNTS.items()))
def test_each_meridian_is_numbered_1_to_n_in_order(
    catalog: PointCatalog, meridian: str, count: int
) -> None:
    codes = [p.code for p in catalog.by_meridian(meridian)]
    assert codes == [f"{meridian}{n}" for n in range(1, count + 1)]


def test_huatuojiaji_has_17_levels_t1_to_l5(catalog: PointCatalog) -> None:
    jiaji = [p for p in catalog if p.code.startswith("EX-B2-")]
    expected = [f"EX-B2-T{n}" for n in range(1, 13)] + [f"EX-B2-L{n}" for n in range(1, 6)]
    assert [p.code for p in jiaji] == expected
    assert all(p.bilateral and p.meridian == "EX" for p in jiaji)
    assert {p.region for p in jiaji[:12]} == {"upper_back"}
    assert {p.region for p in jiaji[12:]} == {"lower_back"}


def test_extra_points_use_the_ex_meridian(catalog: PointCatalog) -> None:
    extras = [p for p in catalog if p.code.startswith("EX-")]
    assert extras
    assert all(p.meridian == "EX" for p in extras)
    assert catalog.get("EX-HN3") is not None and catalog["EX-HN3"].pinyin == "Yintang"


def test_every_point_has_names(catalog: PointCatalog) -> None:
    for point in catalog:
        assert point.pinyin.isascii() and point.pinyin, point.code
        assert point.hanzi and not point.hanzi.isascii(), point.code
        assert point.english, point.code


def test_regions_are_known(catalog: PointCatalog) -> None:
    assert {p.region for p in catalog} <= set(REGIONS)
    for region in REGIONS:
        assert catalog.by_region(region), f"no point in {region}"


def test_chart_positions_are_inside_the_chart(catalog: PointCatalog) -> None:
    for point in catalog:
        assert point.chart_view in ("front", "back"), point.code
        assert 0.0 <= point.x <= 1.0 and 0.0 <= point.y <= 1.0, point.code


def test_bilateral_points_can_be_mirrored(catalog: PointCatalog) -> None:
    for point in catalog:
        if point.bilateral:
            assert abs(point.x - 0.5) > 0.01, point.code


def test_stored_side_is_the_patients_left(catalog: PointCatalog) -> None:
    for point in catalog:
        if point.bilateral:
            expected_left = point.x > 0.5 if point.chart_view == "front" else point.x < 0.5
            assert expected_left, point.code


def test_midline_points_sit_on_the_midline(catalog: PointCatalog) -> None:
    midline = [p for p in catalog if not p.bilateral]
    assert {p.code for p in midline} >= {f"GV{n}" for n in range(1, 29)} | {
        f"CV{n}" for n in range(1, 25)
    }
    for point in midline:
        assert abs(point.x - 0.5) < 0.03, point.code
    for point in meridian_points(catalog):
        assert point.bilateral == (point.meridian not in ("GV", "CV")), point.code


def test_spine_points_follow_the_vertebral_levels(catalog: PointCatalog) -> None:
    jiaji = [catalog[f"EX-B2-T{n}"] for n in range(1, 13)] + [
        catalog[f"EX-B2-L{n}"] for n in range(1, 6)
    ]
    ys = [p.y for p in jiaji]
    assert ys == sorted(ys) and len(set(ys)) == 17
    assert len({p.x for p in jiaji}) == 1
    # Back-shu points sit level with the Huatuojiaji point and the GV point of their vertebra.
    assert catalog["BL23"].y == catalog["EX-B2-L2"].y == catalog["GV4"].y
    assert catalog["BL13"].y == catalog["EX-B2-T3"].y == catalog["GV12"].y
    assert catalog["BL42"].y == catalog["BL13"].y
    # Inner line between Huatuojiaji and the outer line, all on the back view.
    for code in ("EX-B2-T5", "BL15", "BL44", "GV11"):
        assert catalog[code].chart_view == "back"
    assert catalog["GV11"].x > catalog["EX-B2-T5"].x > catalog["BL15"].x > catalog["BL44"].x


def test_depth_caps_are_within_the_absolute_cap_and_sourced(catalog: PointCatalog) -> None:
    capped = [p for p in catalog if p.max_depth_mm is not None]
    assert capped
    for point in capped:
        assert point.max_depth_mm is not None
        assert 1 <= point.max_depth_mm <= ABSOLUTE_MAX_DEPTH_MM, point.code
        assert point.source, point.code
        assert point.caution, point.code
        assert point.depth_limit_mm == point.max_depth_mm
    for point in catalog:
        if point.caution:
            assert point.source, point.code


def test_uncapped_point_uses_the_absolute_cap(catalog: PointCatalog) -> None:
    assert catalog["ST36"].max_depth_mm is None
    assert catalog["ST36"].depth_limit_mm == ABSOLUTE_MAX_DEPTH_MM


def test_gb21_cap_is_below_the_mean_pleural_depth_in_women(catalog: PointCatalog) -> None:
    gb21 = catalog["GB21"]
    assert gb21.max_depth_mm is not None
    assert gb21.max_depth_mm < 14.6
    assert "Chen" in gb21.source
    assert "J Acupunct Meridian Stud 2018;11" in gb21.source
    assert "pleura" in gb21.caution


def test_lung_field_back_points_are_capped(catalog: PointCatalog) -> None:
    for code in [f"BL{n}" for n in range(11, 22)] + [f"BL{n}" for n in range(41, 51)]:
        cap = catalog[code].max_depth_mm
        assert cap is not None and cap <= 10, code
    for n in range(1, 13):
        assert catalog[f"EX-B2-T{n}"].max_depth_mm is not None


@pytest.mark.parametrize("code", ["GV15", "GV16", "ST9", "LU9", "CV17", "CV22", "HT1", "ST12"])
def test_dangerous_sites_carry_a_caution(catalog: PointCatalog, code: str) -> None:
    point = catalog[code]
    assert point.caution
    assert point.source


def test_pregnancy_caution_points(catalog: PointCatalog) -> None:
    flagged = {p.code for p in catalog if p.pregnancy_caution}
    assert {"LI4", "SP6", "BL60", "BL67", "GB21"} <= flagged
    assert {"CV4", "BL32", "ST29"} <= flagged  # lower abdomen and sacrum
    assert "ST36" not in flagged


def test_display_name(catalog: PointCatalog) -> None:
    assert catalog["GB21"].display_name == "GB21 Jianjing (Shoulder Well)"


# --- lookup and search --------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["GB21", "gb21", "GB 21", " gb 21 ", "Gb-21"])
def test_lookup_ignores_case_spaces_and_hyphens(catalog: PointCatalog, text: str) -> None:
    point = catalog.get(text)
    assert point is not None and point.code == "GB21"
    assert text in catalog


@pytest.mark.parametrize("text", ["ex-b2-l4", "EX-B2-L4", "EX B2 L4", "exb2l4"])
def test_lookup_of_extra_points(catalog: PointCatalog, text: str) -> None:
    point = catalog.get(text)
    assert point is not None and point.code == "EX-B2-L4"


def test_unknown_codes(catalog: PointCatalog) -> None:
    assert catalog.get("XX99") is None
    assert catalog.get("") is None
    assert "GB45" not in catalog
    assert 21 not in catalog


def test_len_and_file_order(catalog: PointCatalog) -> None:
    points = list(catalog)
    assert len(catalog) == len(points) > 361
    assert points[0].code == "LU1"
    assert points[360].code == "CV24"


def test_search_by_pinyin_finds_gb21(catalog: PointCatalog) -> None:
    assert catalog.search("jianjing")[0].code == "GB21"
    assert catalog.search("JianJ")[0].code == "GB21"


def test_search_by_english_finds_gb21(catalog: PointCatalog) -> None:
    assert [p.code for p in catalog.search("shoulder well")] == ["GB21"]
    assert "GB21" in [p.code for p in catalog.search("Shoulder")]


def test_search_puts_code_matches_first(catalog: PointCatalog) -> None:
    found = [p.code for p in catalog.search("gb2", limit=50)]
    assert found[:11] == ["GB2", *[f"GB{n}" for n in range(20, 30)]]
    assert catalog.search("li4")[0].code == "LI4"


def test_search_limit_and_empty(catalog: PointCatalog) -> None:
    assert len(catalog.search("b", limit=5)) == 5
    assert catalog.search("   ") == []
    assert catalog.search("zzzz") == []


def test_search_by_characters(catalog: PointCatalog) -> None:
    assert catalog.search("肩井")[0].code == "GB21"


def test_by_region_rejects_unknown_regions(catalog: PointCatalog) -> None:
    assert all(p.region == "neck" for p in catalog.by_region("neck"))
    with pytest.raises(ValueError, match="Unknown body region"):
        catalog.by_region("elbow")


def test_default_catalog_is_cached() -> None:
    assert default_catalog() is default_catalog()
    assert "GB21" in default_catalog()


# --- parsing ------------------------------------------------------------------------------------

HEADER = ",".join(COLUMNS)
GOOD = "GB21,GB,Jianjing,肩井,Shoulder Well,,shoulder,yes,8,Lung apex.,Chen 2018,yes,back,0.35,0.17"


def test_parse_minimal_file() -> None:
    catalog = parse_catalog([HEADER, GOOD])
    point = catalog["gb21"]
    assert point.max_depth_mm == 8.0
    assert point.bilateral and point.pregnancy_caution
    assert (point.x, point.y) == (0.35, 0.17)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (GOOD.replace(",8,", ",25,"), "max_depth_mm"),
        (GOOD.replace(",8,", ",0,"), "max_depth_mm"),
        (GOOD.replace(",8,", ",deep,"), "max_depth_mm"),
        (GOOD.replace("Chen 2018", ""), "depth_source"),
        (GOOD.replace(",shoulder,", ",elbow,"), "region"),
        (GOOD.replace(",yes,8", ",maybe,8"), "bilateral"),
        (GOOD.replace(",back,", ",side,"), "chart_view"),
        (GOOD.replace("0.35,0.17", "1.35,0.17"), "between 0 and 1"),
        (GOOD.replace("GB21,GB", "GB21,XX"), "meridian"),
        (GOOD + ",extra", "fields"),
    ],
)
def test_parse_errors_name_the_line(row: str, message: str) -> None:
    with pytest.raises(ValueError, match=rf"line 3: .*{message}"):
        parse_catalog([HEADER, GOOD.replace("GB21", "GB20"), row])


def test_parse_rejects_duplicates_and_bad_header() -> None:
    with pytest.raises(ValueError, match="line 3: code gb21 already appears on line 2"):
        parse_catalog([HEADER, GOOD, GOOD.replace("GB21", "gb21")])
    with pytest.raises(ValueError, match="line 1"):
        parse_catalog(["code,name", GOOD])
    with pytest.raises(ValueError, match="empty"):
        parse_catalog([])


def test_load_catalog_from_a_path(tmp_path: Path) -> None:
    path = tmp_path / "points.csv"
    path.write_text(f"{HEADER}\n{GOOD}\n", encoding="utf-8")
    assert len(load_catalog(path)) == 1
    path.write_text(f"{HEADER}\n{GOOD.replace(',8,', ',99,')}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"points\.csv, line 2"):
        load_catalog(path)


def test_catalog_rejects_duplicate_points() -> None:
    point = parse_catalog([HEADER, GOOD])["GB21"]
    with pytest.raises(ValueError, match="Duplicate"):
        PointCatalog([point, point])
