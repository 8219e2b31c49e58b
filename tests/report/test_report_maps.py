"""Maps a planner reads at a glance (issue 12 item 6): distinct route colours, one marker per
unassigned reason with its legend entry, every nurse in the picker and the legend, and counts
that match summary.json."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from optimizer.report import leadership_map, operations_map, write_coverage
from optimizer.report._style import PALETTE, REASON_STYLES, reason_icon, reason_label, route_colors
from tests.report._demo import demo


@pytest.fixture(scope="module")
def ops_html() -> str:
    d = demo()
    return operations_map(d.result.plan, d.result.problem, provider=d.provider).html()


def _legend(html: str) -> str:
    """The legend's HTML (a JavaScript string in the page)."""
    m = re.search(r'div\.innerHTML = ("(?:[^"\\]|\\.)*");', html)
    assert m, "no legend"
    return json.loads(m.group(1))


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    la1, lo1, la2, lo2 = map(np.radians, (*a, *b))
    h = np.sin((la2 - la1) / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2
    return float(2 * 6371 * np.arcsin(np.sqrt(h)))


def test_up_to_twenty_nurses_never_share_a_colour() -> None:
    rng = np.random.default_rng(1)
    ids = [f"N{i:02d}" for i in range(20)]
    homes = {n: (float(rng.uniform(30, 45)), float(rng.uniform(-120, -75))) for n in ids}
    colors = route_colors(ids, homes)
    assert len(set(colors.values())) == 20 == len(PALETTE)


def test_beyond_twenty_neighbouring_nurses_differ() -> None:
    """60 nurses on a 6 × 10 grid 50 km apart: no nurse shares a colour with any nurse within 150 km."""
    ids = [f"N{i:02d}" for i in range(60)]
    homes = {n: (38.0 + 0.45 * (i // 10), -100.0 + 0.57 * (i % 10)) for i, n in enumerate(ids)}
    colors = route_colors(ids, homes)
    clashes = [(a, b) for i, a in enumerate(ids) for b in ids[i + 1:]
               if colors[a] == colors[b] and _km(homes[a], homes[b]) < 150]
    assert clashes == []
    assert max(Counter(colors.values()).values()) <= 4  # the colours are used evenly


def test_each_unassigned_reason_has_its_own_shape_colour_and_letter() -> None:
    looks = {(shape, fill, letter) for shape, fill, letter, _ in REASON_STYLES.values()}
    assert len(looks) == len(REASON_STYLES)
    assert len({fill for _, fill, _, _ in REASON_STYLES.values()}) == len(REASON_STYLES)
    assert {"no_licensed_nurse", "no_certified_nurse", "out_of_reach", "no_capacity_in_window",
            "window_closed"} <= set(REASON_STYLES)


def test_every_nurse_is_in_the_picker_and_the_legend_with_distinct_colours(ops_html: str) -> None:
    plan = demo().result.plan
    nurses = sorted({v.nurse_id for v in plan.visits} | {d.nurse_id for d in plan.nurse_days})
    assert len(nurses) > 20  # the demo has more nurses than colours
    picker = re.search(r"var nurses = (\[.*?\]);", ops_html)
    assert picker and json.loads(picker.group(1)) == nurses
    legend = _legend(ops_html)
    for n in nurses:
        assert re.search(rf"</i>{re.escape(n)} \(\d+\)</div>", legend), n
    assert "more</div>" not in legend  # no "… 15 more": every nurse is listed


def test_unassigned_markers_and_legend_per_reason(ops_html: str) -> None:
    plan = demo().result.plan
    by_reason = Counter(str(u.reason) for u in plan.unassigned)
    assert len(by_reason) >= 2
    for reason, n in by_reason.items():
        safe = reason.replace("_", "-")
        assert ops_html.count(f"hai-unassigned hai-shape") == len(plan.unassigned)
        assert ops_html.count(f"hai-reason-{safe}") == n + 1  # n markers and one legend key
        assert f"{reason_label(reason)}: {n}</div>" in _legend(ops_html)
    assert reason_icon("no_licensed_nurse") != reason_icon("out_of_reach")


def test_operations_counts_match_summary_json(ops_html: str, tmp_path: Path) -> None:
    from optimizer.io.plan_writer import write_plan

    plan = demo().result.plan
    s = json.loads((write_plan(plan, tmp_path / "plan") / "summary.json").read_text())
    title = re.search(r'<div class="hai-title">(.*?)</div>', ops_html).group(1)
    assert (f"{s['visits']} visits of {s['refills_due']} refills due · {s['nurses_used']} nurses · "
            f"{s['unassigned']} unassigned") in title
    days = [int(m) for m in re.findall(r"route\(s\), (\d+) visit\(s\)", ops_html)]
    assert sum(days) == s["visits"]
    assert f"Unassigned refills ({s['unassigned']})" in ops_html
    assert f"Nurse home bases ({s['nurses_used']})" in ops_html
    legend = {reason_label(r): n for r, n in s["unassigned_by_reason"].items()}
    for label, n in legend.items():
        assert f"{label}: {n}</div>" in _legend(ops_html)


def test_leadership_title_matches_the_coverage_summary(tmp_path: Path) -> None:
    d = demo()
    start = d.result.plan.horizon_start
    out = write_coverage(d.roster, tmp_path / "cov", provider=d.provider, as_of=start, start=start, weeks=1)
    t = json.loads((out / "leadership" / "summary.json").read_text())["totals"]
    html = (out / "leadership" / "leadership_map.html").read_text(encoding="utf-8")
    title = re.search(r'<div class="hai-title">(.*?)</div></div>', html, re.S).group(1)
    assert f"{int(t['patients'])} patients in {int(t['states'])} states, {int(t['nurses'])} nurses" in title
    assert (f"single-nurse patients {int(t['single_nurse_patients'])}, "
            f"no nurse {int(t['no_nurse_patients'])}") in title


def test_recommended_actions_have_a_legend_entry_per_kind() -> None:
    d = demo()
    recs = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-80.0 - i, 40.0]},
         "properties": {"rank": i + 1, "action": a, "label": a, "place": "x", "cost": 1}}
        for i, a in enumerate(["hire", "hire", "license", "chemo_cert"])]}
    html = leadership_map(d.coverage.leadership_view(), provider=d.provider, recommendations=recs).html()
    legend = _legend(html)
    assert "Recommended actions (4), numbered by rank" in legend
    for text in ("hire a nurse (at a public place): 2", "license a nurse in a state: 1",
                 "chemo-certify a nurse: 1"):
        assert text in legend
    assert len(re.findall(r"hai-recommendation(?!-)", html)) == 4
