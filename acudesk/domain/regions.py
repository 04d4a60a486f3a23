"""Body regions: where a point lies and where a skin lesion forbids needling."""

from __future__ import annotations

BODY_REGIONS: dict[str, str] = {
    "head_face": "Head and face",
    "neck": "Neck",
    "shoulder": "Shoulder",
    "upper_back": "Upper back (thoracic)",
    "lower_back": "Lower back (lumbar)",
    "sacrum_buttock": "Sacrum and buttock",
    "chest": "Chest",
    "abdomen": "Abdomen",
    "arm": "Arm",
    "hand": "Hand and wrist",
    "leg": "Leg",
    "foot": "Foot and ankle",
}


def region_label(region: str) -> str:
    return BODY_REGIONS.get(region, region)


def regions_to_text(regions: frozenset[str]) -> str:
    return ",".join(sorted(regions))


def regions_from_text(text: str) -> frozenset[str]:
    return frozenset(r for r in text.split(",") if r)
