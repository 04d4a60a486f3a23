"""Generate ``front.svg`` and ``back.svg``: the neutral outline figure of the body chart.

Run ``python resources/body/make_figures.py`` after changing anything here; the SVGs are the
artefacts the program draws, this script is their source. It also checks that every point of
``resources/points/points.csv`` lies inside the drawn figure and prints any that do not.

Frame (the catalog's, see ``resources/points/build_points.py``): viewBox 0 0 400 1000, the
midline at x = 200, the top of the head at y = 0 and the soles at y = 1000. The outline below is
written for the figure's right-hand half of the picture in "units" of 1/1000 of the body height:
``(a, y)`` means ``x = 200 + a``. The silhouette of a body seen from the front and from the back
is the same, so both files share it; only the interior lines differ (face, collarbones, navel and
kneecaps in front; spine, vertebral levels, scapulae and gluteal folds at the back).

The numbers follow the proportional body model of ``build_points.py`` (limb centres and widths,
vertebral levels), with a few units of margin so that points on a limb's edge stay on the body.
"""

from __future__ import annotations

import csv
import math
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
POINTS_CSV = HERE.parent / "points" / "points.csv"

WIDTH, HEIGHT, MID = 400, 1000, 200

FILL = "#f6f1ea"
OUTLINE = "#6f7f8c"
DETAIL = "#b3bec7"
SPINE = "#93a2ae"

# A point is (a, y); a trailing True marks a corner where the curve may turn sharply.
Pt = tuple[float, float]
Node = tuple[float, float, bool]


def nodes(*items: tuple[float, float] | tuple[float, float, bool]) -> list[Node]:
    return [(i[0], i[1], bool(i[2]) if len(i) == 3 else False) for i in items]  # type: ignore[misc]


# Head, neck, shoulder, trunk, leg and foot: from the top of the head down the right-hand side of
# the picture to the crotch. The part from the acromion to the armpit is hidden under the arm.
BODY_HALF = nodes(
    (0, 1.5),
    (20, 4.5),
    (36, 11.5),
    (47, 23),
    (53, 37),
    (54.5, 50),
    (53, 63),
    (51, 76),
    (49.5, 89),
    (47.5, 100),
    (44.5, 109),
    (41.5, 118),
    (40.5, 130),
    (41.5, 142),
    (45, 150.5),
    (55, 157.5),
    (75, 163.5),
    (100, 168.5),
    (118, 172),
    (128, 176.5),
    (132, 190),
    (118, 215),
    (98.5, 231, True),
    (101, 255),
    (102.5, 285),
    (101.5, 312),
    (97, 338),
    (90, 365),
    (87, 390),
    (89.5, 415),
    (97.5, 440),
    (104, 462),
    (107.5, 484),
    (106.5, 505),
    (102.5, 550),
    (98, 600),
    (93.5, 650),
    (87, 700),
    (84, 727),
    (84.5, 760),
    (83, 800),
    (77.5, 860),
    (71.5, 910),
    (70, 935),
    (71, 955),
    (75.5, 964),
    (79, 976),
    (80, 988),
    (77, 996.5),
    (70, 999.5),
    (45, 999.8),
    (22, 999.5),
    (16, 995.5),
    (14, 985),
    (15.5, 972),
    (18.5, 961),
    (20, 950),
    (19.5, 930),
    (17, 880),
    (14, 825),
    (13, 800),
    (14, 770),
    (16.5, 740),
    (16, 705),
    (13, 660),
    (10.5, 600),
    (9, 555),
    (6, 535),
    (0, 527, True),
)

# The arm with the hand (palm forward, thumb outwards), from the shoulder top over the deltoid,
# down the outer edge, round the thumb and the four fingers, and up the inner edge to the armpit.
ARM_OUTLINE = nodes(
    (128, 176.5),
    (137, 183),
    (143, 195),
    (145.5, 212),
    (147, 235),
    (151, 270),
    (155, 302),
    (159, 335),
    (163, 365),
    (165.5, 400),
    (167.5, 440),
    (169, 478),
    (173, 492),
    (180, 507),
    (186, 523),
    (189, 539),
    (188, 548),
    (183, 551),
    (179.5, 541),
    (176, 530),
    (174.5, 527, True),
    (174.5, 545),
    (173.5, 565),
    (171.5, 583),
    (167, 591),
    (162.5, 588),
    (160, 568, True),
    (159.8, 588),
    (157, 598.5),
    (153.5, 594),
    (152.5, 570, True),
    (152.2, 586),
    (149.5, 592.5),
    (146.5, 588),
    (145.5, 566, True),
    (144.5, 576),
    (140, 583),
    (135, 579),
    (131.5, 566),
    (129, 548),
    (127.5, 530),
    (127.5, 510),
    (129.5, 492),
    (133, 478),
    (128, 450),
    (123.4, 420),
    (119.5, 395),
    (115, 365),
    (111.5, 333),
    (108, 302),
    (101.5, 260),
    (98.5, 231, True),
)
# Closes the arm's fill inside the trunk, where no line is drawn.
ARM_FILL_CLOSE = [(100.0, 200.0), (110.0, 172.0)]

# Interior lines.
FACE = [
    # eyebrows, eyes, nose, mouth, jaw line
    [(8, 48.5), (19, 46), (31, 48.5)],
    [(10, 60), (19, 57), (28, 60)],
    [(5, 71), (7.5, 79.5), (4, 82)],
    [(0, 96), (10, 96.5), (17, 95)],
    [(44.5, 109), (34, 115), (16, 121), (0, 122.5)],
]
COLLARBONE = [(9, 175), (40, 178), (75, 175), (112, 172)]
KNEECAP_CENTRE, KNEECAP_R = (50.0, 713.0), 13.0
NAVEL, NAVEL_R = (0.0, 405.0), 3.5
TOES = [[(a, 989), (a, 998)] for a in (30, 40.5, 51.5, 62)]
EAR = [(53, 57), (58.5, 61), (59.5, 72), (57, 84), (51, 90)]

# Tips of the spinous processes (build_points.SPINOUS): C7 and T1..T12, L1..L5.
SPINOUS_Y = (
    [165.0]
    + [177 + 13.7 * i for i in range(12)]
    + [177 + 13.7 * 11 + 20.5 * i for i in range(1, 6)]
)
SPINE_TOP, SPINE_BOTTOM = 128.0, 488.0
# Scapula: superior angle at T2, medial border on the 3-cun line, inferior angle at T7.
SCAPULA = [
    (96, 190),
    (72, 184),
    (48, 187),
    (45.5, 205),
    (47, 236),
    (53, 258),
    (59.5, 264),
    (66, 259),
    (80, 238),
    (93, 216),
    (100, 200),
]
SCAPULAR_SPINE = [(47, 204), (80, 190), (118, 180)]
SACRUM = [(26, 444), (17, 470), (0, 490)]
GLUTEAL_FOLD = [(8, 524), (35, 530), (62, 528), (90, 515)]
POPLITEAL_CREASE = [(33, 730), (50, 731.5), (67, 730)]


def mirror(points: list[Node]) -> list[Node]:
    return [(-a, y, corner) for a, y, corner in points]


def fmt(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def xy(a: float, y: float) -> str:
    return f"{fmt(MID + a)},{fmt(y)}"


def smooth(points: list[Node], closed: bool) -> list[tuple[Pt, Pt, Pt, Pt]]:
    """Catmull-Rom through the points as cubic Bezier segments; corners get no tangent."""
    count = len(points)
    segments = []
    last = count if closed else count - 1
    for i in range(last):
        p0 = points[(i - 1) % count] if closed or i > 0 else points[i]
        p1 = points[i]
        p2 = points[(i + 1) % count]
        p3 = points[(i + 2) % count] if closed or i + 2 < count else p2
        t1 = (0.0, 0.0) if p1[2] else ((p2[0] - p0[0]) / 6, (p2[1] - p0[1]) / 6)
        t2 = (0.0, 0.0) if p2[2] else ((p3[0] - p1[0]) / 6, (p3[1] - p1[1]) / 6)
        segments.append(
            (
                (p1[0], p1[1]),
                (p1[0] + t1[0], p1[1] + t1[1]),
                (p2[0] - t2[0], p2[1] - t2[1]),
                (p2[0], p2[1]),
            )
        )
    return segments


def path_data(points: list[Node], closed: bool) -> str:
    segments = smooth(points, closed)
    parts = [f"M{xy(*segments[0][0])}"]
    for _, c1, c2, end in segments:
        parts.append(f"C{xy(*c1)} {xy(*c2)} {xy(*end)}")
    if closed:
        parts.append("Z")
    return " ".join(parts)


def polyline(points: list[Pt]) -> list[Node]:
    return [(a, y, False) for a, y in points]


def body_outline() -> list[Node]:
    right = BODY_HALF
    left = mirror(list(reversed(right)))[1:-1]  # the top and the crotch are shared
    return right + left


def arm_fill(sign: int) -> list[Node]:
    outline = ARM_OUTLINE + polyline(ARM_FILL_CLOSE)
    return outline if sign > 0 else mirror(outline)


def arm_stroke(sign: int) -> list[Node]:
    return ARM_OUTLINE if sign > 0 else mirror(ARM_OUTLINE)


def stroke_path(points: list[Pt], *, both_sides: bool = True) -> str:
    out = [path_data(polyline(points), closed=False)]
    if both_sides:
        out.append(path_data(mirror(polyline(points)), closed=False))
    return " ".join(out)


def circle(centre: Pt, radius: float, *, both_sides: bool = True) -> str:
    a, y = centre
    shapes = [f'<circle cx="{fmt(MID + a)}" cy="{fmt(y)}" r="{fmt(radius)}"/>']
    if both_sides and a:
        shapes.append(f'<circle cx="{fmt(MID - a)}" cy="{fmt(y)}" r="{fmt(radius)}"/>')
    return "".join(shapes)


def figure(view: str) -> str:
    body = path_data(body_outline(), closed=True)
    arms_fill = " ".join(path_data(arm_fill(s), closed=True) for s in (1, -1))
    arms_line = " ".join(path_data(arm_stroke(s), closed=False) for s in (1, -1))
    ears = stroke_path(EAR)
    if view == "front":
        details = [
            f'<path d="{" ".join(stroke_path(line) for line in FACE[:3])}"/>',
            f'<path d="{stroke_path(FACE[3])} {stroke_path(FACE[4])}"/>',
            f'<path d="{stroke_path(COLLARBONE)}"/>',
            f'<path d="{" ".join(stroke_path(toe) for toe in TOES)}"/>',
            circle(NAVEL, NAVEL_R, both_sides=False),
            circle(KNEECAP_CENTRE, KNEECAP_R),
        ]
        detail_group = (
            f'<g fill="none" stroke="{DETAIL}" stroke-width="1.6" stroke-linecap="round">'
            + "".join(details)
            + "</g>"
        )
        title = "AcuDesk body chart: front view"
    else:
        ticks = " ".join(f"M{xy(-3.5, y)} L{xy(3.5, y)}" for y in SPINOUS_Y)
        detail_group = (
            f'<g fill="none" stroke="{DETAIL}" stroke-width="1.6" stroke-linecap="round">'
            f'<path d="{path_data(polyline(SCAPULA), closed=False)} '
            f'{path_data(mirror(polyline(SCAPULA)), closed=False)}"/>'
            f'<path d="{stroke_path(SCAPULAR_SPINE)}"/>'
            f'<path d="{stroke_path(SACRUM)}"/>'
            f'<path d="{stroke_path(GLUTEAL_FOLD)}"/>'
            f'<path d="{stroke_path(POPLITEAL_CREASE)}"/>'
            f'<path d="M{xy(0, 490)} L{xy(0, 526)}"/>'
            "</g>"
            f'<g fill="none" stroke="{SPINE}" stroke-width="1.6" stroke-linecap="round">'
            f'<path d="M{xy(0, SPINE_TOP)} L{xy(0, SPINE_BOTTOM)} {ticks}"/>'
            "</g>"
        )
        title = "AcuDesk body chart: back view"
    return "\n".join(
        [
            '<?xml version="1.0" encoding="UTF-8"?>',
            f'<svg xmlns="http://www.w3.org/2000/svg" version="1.2" baseProfile="tiny" '
            f'width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}">',
            f"<title>{title}</title>",
            "<desc>Neutral outline figure drawn for AcuDesk (resources/body/make_figures.py). "
            "Frame: midline x=200, top of head y=0, soles y=1000.</desc>",
            f'<g fill="{FILL}" stroke="{OUTLINE}" stroke-width="2.4" stroke-linejoin="round">',
            f'<path d="{body}"/>',
            f'<path stroke="none" d="{arms_fill}"/>',
            f'<path fill="none" d="{arms_line}"/>',
            f'<path fill="none" stroke-width="1.8" d="{ears}"/>',
            "</g>",
            detail_group,
            "</svg>",
            "",
        ]
    )


# ---------------------------------------------------------------------------------------------
# Check: every catalog point inside the silhouette.
# ---------------------------------------------------------------------------------------------


def flatten(points: list[Node], closed: bool, steps: int = 12) -> list[Pt]:
    out: list[Pt] = []
    for p0, c1, c2, p3 in smooth(points, closed):
        for k in range(steps):
            t = k / steps
            s = 1 - t
            out.append(
                (
                    s**3 * p0[0] + 3 * s * s * t * c1[0] + 3 * s * t * t * c2[0] + t**3 * p3[0],
                    s**3 * p0[1] + 3 * s * s * t * c1[1] + 3 * s * t * t * c2[1] + t**3 * p3[1],
                )
            )
    return out


def inside(polygon: list[Pt], a: float, y: float) -> bool:
    hit = False
    for (a1, y1), (a2, y2) in zip(polygon, polygon[1:] + polygon[:1], strict=True):
        if (y1 > y) != (y2 > y) and a < a1 + (y - y1) * (a2 - a1) / (y2 - y1):
            hit = not hit
    return hit


def edge_distance(polygon: list[Pt], a: float, y: float) -> float:
    best = math.inf
    for (a1, y1), (a2, y2) in zip(polygon, polygon[1:] + polygon[:1], strict=True):
        da, dy = a2 - a1, y2 - y1
        length = da * da + dy * dy
        t = 0.0 if length == 0 else max(0.0, min(1.0, ((a - a1) * da + (y - y1) * dy) / length))
        best = min(best, math.hypot(a - (a1 + t * da), y - (y1 + t * dy)))
    return best


def check_points(margin: float = 1.5) -> list[str]:
    """Points outside the figure or closer than ``margin`` units to its edge."""
    shapes = [
        flatten(body_outline(), True),
        flatten(arm_fill(1), True),
        flatten(arm_fill(-1), True),
    ]
    problems = []
    with POINTS_CSV.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            a = float(row["x"]) * WIDTH - MID
            y = float(row["y"]) * HEIGHT
            a = a if row["chart_view"] == "front" else -a  # the outline is for a > 0 either way
            containing = [s for s in shapes if inside(s, a, y)]
            if not containing:
                problems.append(f"{row['code']}: outside the figure at ({a:.1f}, {y:.1f})")
                continue
            depth = max(edge_distance(s, a, y) for s in containing)
            if depth < margin:
                problems.append(f"{row['code']}: {depth:.1f} units from the edge")
    return problems


def main() -> int:
    for view in ("front", "back"):
        (HERE / f"{view}.svg").write_text(figure(view), encoding="utf-8")
    problems = check_points()
    for line in problems:
        print(line)
    print(f"wrote front.svg and back.svg; {len(problems)} point(s) on or outside the outline")
    return 1 if any("outside" in p for p in problems) else 0


if __name__ == "__main__":
    sys.exit(main())
