"""Maps a planner reads at a glance, measured in real chromium (issue 12 items 6 and 8).

At a desktop's 1400×1000 and a laptop's 1280×720, from element boxes
(``getBoundingClientRect``): the title is wholly inside the window and under no
control; no legend, layer list, nurse picker, zoom button, scale or attribution
covers a marker drawn on the map (every marker icon and circle marker in view is
checked against every such box); and every marker of the first view is in view.
Screenshots go to ``artifacts/screenshots/layout_*.png`` (paths printed).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.browser._cdp import CHROMIUM, Page, browser, open_file
from tests.report._demo import demo

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} not found: install Debian's chromium"),
]

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
VIEWPORTS = ((1400, 1000), (1280, 720))

#: Everything drawn over or beside the map that must not hide data.
COVERS = (".hai-title", ".hai-legend", ".leaflet-control-layers", ".hai-filter", ".leaflet-control-zoom",
          ".leaflet-control-scale", ".leaflet-control-attribution")
#: Markers: icons (stops, homes, unassigned, actions) and circle markers (county demand, nurse homes).
MARKERS = ".leaflet-marker-icon, path.hai-county-demand, path.hai-nurse-home"

_MEASURE = """
(() => {
  const box = e => { const r = e.getBoundingClientRect();
                     return {l: r.left, t: r.top, r: r.right, b: r.bottom, w: r.width, h: r.height}; };
  const map = document.querySelector('.leaflet-container').getBoundingClientRect();
  const covers = [];
  %s.forEach(sel => document.querySelectorAll(sel).forEach(e => covers.push({sel: sel, ...box(e)})));
  const markers = Array.from(document.querySelectorAll(%r)).map(e => ({cls: e.getAttribute('class'), ...box(e)}))
      .filter(m => m.w > 0 && m.h > 0);
  const inMap = m => m.r > map.left && m.l < map.right && m.b > map.top && m.t < map.bottom;
  const title = document.querySelector('.hai-title');
  return {vw: innerWidth, vh: innerHeight, covers: covers, markers: markers.filter(inMap),
          outside: markers.filter(m => !inMap(m)).length,
          title: {...box(title), clipped: title.scrollWidth > title.clientWidth + 1
                                        || title.scrollHeight > title.clientHeight + 1}};
})()
""" % ("[" + ",".join(repr(c) for c in COVERS) + "]", MARKERS)


def _overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return a["l"] < b["r"] - 0.5 and b["l"] < a["r"] - 0.5 and a["t"] < b["b"] - 0.5 and b["t"] < a["b"] - 0.5


def check_layout(page: Page, *, min_markers: int, only: tuple[str, ...] = ()) -> dict[str, Any]:
    """Measure the page; assert the title is visible and uncovered and no box covers a marker (with
    ``only``, a marker of one of those classes: the ones a view was fitted to)."""
    m = page.evaluate(_MEASURE)
    t = m["title"]
    assert 0 <= t["l"] and 0 <= t["t"] and t["r"] <= m["vw"] and t["b"] <= m["vh"], t
    assert not t["clipped"], "the title's text is cut"
    over_title = [c["sel"] for c in m["covers"] if c["sel"] != ".hai-title" and _overlap(c, t)]
    assert over_title == [], f"the title lies under {over_title}"
    fitted = [mk for mk in m["markers"] if not only or any(c in mk["cls"] for c in only)]
    hidden = [(c["sel"], mk["cls"]) for c in m["covers"] for mk in fitted if _overlap(c, mk)]
    assert hidden == [], f"{len(hidden)} marker(s) under a control, e.g. {hidden[:5]}"
    assert len(m["markers"]) >= min_markers
    return m


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    import geodata
    from optimizer.report import leadership_map, operations_map

    d = demo()
    out = tmp_path_factory.mktemp("layout")
    # ranked actions at public places, the shape optimizer.analysis.expansion.map_layer writes
    towns = geodata.places(states=["CA", "AZ", "ME"], min_population=50000).groupby("state").head(1)
    actions = ("hire", "license", "chemo_cert")
    recs = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(r.lon, 4), round(r.lat, 4)]},
         "properties": {"rank": i + 1, "action": actions[i], "label": f"{actions[i]} {r.state}", "place": r.name,
                        "cost": 1000 * (i + 1), "lead_weeks": 4, "visits_per_week_absorbed": 3,
                        "patients_covered": 2}}
        for i, r in enumerate(towns.itertuples())]}
    view = d.coverage.leadership_view()
    leadership_map(view, provider=d.provider, cutoff=120).save(out / "leadership.html")
    leadership_map(view, provider=d.provider, cutoff=120, recommendations=recs,
                   title="HAI coverage and recommended actions").save(out / "recommendations.html")
    operations_map(d.result.plan, d.result.problem, provider=d.provider).save(out / "operations.html")
    return {"leadership": out / "leadership.html", "recommendations": out / "recommendations.html",
            "operations": out / "operations.html"}


def _shot(page: Page, name: str) -> None:
    path = page.screenshot(SHOTS / f"{name}.png")
    print(f"screenshot: {path}")


@pytest.mark.parametrize("size", VIEWPORTS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_coverage_maps_hide_nothing(size: tuple[int, int], pages: dict[str, Path]) -> None:
    view = demo().coverage.leadership_view()
    with browser(*size) as page:
        for name in ("leadership", "recommendations"):
            open_file(page, pages[name])
            assert page.errors() == []
            m = check_layout(page, min_markers=len(view.by_county) // 2)
            if name == "recommendations":
                assert sum(1 for mk in m["markers"] if "hai-recommendation-icon" in mk["cls"]) == 3
                legend = page.evaluate("document.querySelector('.hai-legend').innerText")
                assert "Recommended actions (3)" in legend and "hire a nurse" in legend
            _shot(page, f"layout_{name}_{size[0]}x{size[1]}")


@pytest.mark.parametrize("size", VIEWPORTS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_operations_map_hides_nothing(size: tuple[int, int], pages: dict[str, Path]) -> None:
    plan = demo().result.plan
    first = min(v.date for v in plan.visits)
    with browser(*size) as page:
        open_file(page, pages["operations"])
        assert page.errors() == []
        n_first = sum(1 for v in plan.visits if v.date == first)
        m = check_layout(page, min_markers=n_first + len(plan.unassigned))
        assert m["outside"] == 0  # the first view holds every stop, home and unassigned refill
        _shot(page, f"layout_operations_{size[0]}x{size[1]}")
        # every day on: still nothing under a control
        page.evaluate("document.querySelectorAll('.leaflet-control-layers-overlays input')"
                      ".forEach(i => { if (!i.checked) i.click(); })")
        page.pump(0.3)
        check_layout(page, min_markers=len(plan.visits))
        # the picker narrows to one nurse (stops and home) and fits the view to them, still uncovered
        nid, n = Counter(v.nurse_id for v in plan.visits).most_common(1)[0]
        page.evaluate(f"(s => {{ s.value = {nid!r}; s.dispatchEvent(new Event('change')); }})"
                      "(document.getElementById('hai-nurse-filter'))")
        page.pump(0.6)
        assert page.evaluate("document.querySelectorAll('.hai-stop').length") == n
        assert page.evaluate("document.querySelectorAll('.hai-home').length") == 1
        # the view is fitted to her stops and home: those are clear of every control (refills left
        # unassigned stay shown for context wherever they fall once the map zooms in)
        m = check_layout(page, min_markers=1, only=("hai-stop-icon", "hai-home"))
        stops = [mk for mk in m["markers"] if "hai-stop-icon" in mk["cls"]]
        assert len(stops) == n  # all in view after the fit
        _shot(page, f"layout_operations_one_nurse_{size[0]}x{size[1]}")
        assert page.errors() == []


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """A national synthetic roster with 80 nurses, planned greedily, and its operations map."""
    import datetime as dt

    from optimizer import api
    from optimizer.planning.planner import SolverOptions
    from optimizer.report import operations_map
    from optimizer.studies import synth

    as_of = dt.date(2026, 3, 2)
    out = tmp_path_factory.mktemp("many")
    synth.write(synth.generate(400, 80, seed=5, as_of=as_of, plan_start=as_of), out / "roster")
    roster, _ = api.load_data(out / "roster", as_of=as_of)
    provider = api.travel_provider("haversine")
    result = api.plan(roster, start=as_of, days=7, provider=provider, options=SolverOptions(backend="greedy"))
    operations_map(result.plan, result.problem, provider=provider).save(out / "operations.html")
    return out / "operations.html", result.plan


def test_the_nurse_picker_works_with_many_nurses(many: tuple[Path, Any]) -> None:
    path, plan = many
    counts = Counter(v.nurse_id for v in plan.visits)
    nurses = sorted(counts | Counter(d.nurse_id for d in plan.nurse_days))
    assert len(nurses) > 40
    with browser(1280, 720) as page:
        open_file(page, path)
        assert page.errors() == []
        assert page.evaluate("document.querySelectorAll('#hai-nurse-filter option').length") == len(nurses) + 1
        check_layout(page, min_markers=len(plan.unassigned))
        page.evaluate("document.querySelectorAll('.leaflet-control-layers-overlays input')"
                      ".forEach(i => { if (!i.checked) i.click(); })")
        for nid in (nurses[-1], nurses[len(nurses) // 2]):
            page.evaluate(f"(s => {{ s.value = {nid!r}; s.dispatchEvent(new Event('change')); }})"
                          "(document.getElementById('hai-nurse-filter'))")
            page.pump(0.6)
            assert page.evaluate("document.querySelectorAll('.hai-stop').length") == counts[nid]
            m = check_layout(page, min_markers=1)
            assert sum(1 for mk in m["markers"] if "hai-stop-icon" in mk["cls"]) == counts[nid]
        _shot(page, "layout_operations_80_nurses_one_picked_1280x720")
        page.evaluate("(s => { s.value = ''; s.dispatchEvent(new Event('change')); })"
                      "(document.getElementById('hai-nurse-filter'))")
        page.pump(0.6)
        assert page.evaluate("document.querySelectorAll('.hai-stop').length") == len(plan.visits)
        check_layout(page, min_markers=len(plan.visits) // 2)
        _shot(page, "layout_operations_80_nurses_1280x720")
        assert page.errors() == []
