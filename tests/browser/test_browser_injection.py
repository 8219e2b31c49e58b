"""Every HTML page written for a roster whose ids are script probes, opened in real chromium.

The roster (``tests/report/_hostile.py``) is planned and written like a user's:
the plan folder (``map.html``, ``report.html``), the coverage folder (every
``.html`` in it) and a recommendations map whose labels carry nurse probes. Each
page is loaded with console, log and exceptions recorded, the report's sandboxed
map frame included (it runs in its own process: the test attaches to it). A
probe that ran would set ``window.__pwned`` or call ``alert`` (replaced by a
recorder before any page script runs). Then: no probe ran, no error was logged,
every marker is drawn and every id is shown as the text it is.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.browser._cdp import CHROMIUM, Page, browser, open_file
from tests.report._hostile import NURSE_PROBES, PATIENT_PROBES, Hostile, hostile

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} not found: install Debian's chromium"),
]

ALERT_RECORDER = ("window.alert = window.confirm = window.prompt = function(m){"
                  " window.__pwned = 'alert:' + m; console.error('PWNED by a dialog probe'); };")
PWNED = "typeof window.__pwned === 'undefined' ? null : String(window.__pwned)"

# every tooltip and popup of the map, opened for real, as text; markup other than ours is counted
_MAP_TEXTS = """(() => {
  const map = Object.values(window).find(v => v instanceof L.Map);
  document.querySelectorAll('.leaflet-control-layers-overlays input').forEach(i => { if (!i.checked) i.click(); });
  const tips = [], pops = [];
  let foreign = 0;
  const ours = new Set(['DIV', 'B', 'BR', 'SMALL', 'TABLE', 'TBODY', 'TR', 'TH', 'TD']);
  const layers = [];
  map.eachLayer(l => layers.push(l));
  for (const l of layers) {
    if (l.getTooltip && l.getTooltip() && (l.getLatLng || l.getLatLngs)) {
      l.openTooltip(l.getLatLng ? l.getLatLng() : l.getBounds().getCenter());
      const el = l.getTooltip().getElement();
      foreign += Array.from(el.querySelectorAll('*')).filter(e => !ours.has(e.tagName)).length;
      tips.push(el.textContent.replace(/\\s+/g, ' ').trim());
      l.closeTooltip();
    }
    if (l.getPopup && l.getPopup() && l.getLatLng) {
      l.openPopup();
      const el = l.getPopup().getElement();
      foreign += Array.from(el.querySelectorAll('.leaflet-popup-content *')).filter(e => !ours.has(e.tagName)).length;
      pops.push(el.querySelector('.leaflet-popup-content').textContent);
      l.closePopup();
    }
  }
  return {tips, pops, foreign};
})()"""


@pytest.fixture(scope="module")
def h(tmp_path_factory: pytest.TempPathFactory) -> Hostile:
    return hostile(str(tmp_path_factory.mktemp("hostile")))


@pytest.fixture(scope="module")
def written(h: Hostile, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every HTML page the product writes for the hostile roster, by a short name."""
    from optimizer import api
    from optimizer.analysis.coverage import analyze_coverage
    from optimizer.report import leadership_map, write_coverage

    out = tmp_path_factory.mktemp("pages")
    plan_dir = api.write_plan_folder(h.result, out / "plan")
    cov_dir = write_coverage(h.roster, out / "coverage", provider=h.provider, as_of=h.result.plan.horizon_start,
                             start=h.result.plan.horizon_start, weeks=2, plan_result=h.result)
    pages = {f"plan/{p.relative_to(plan_dir)}": p for p in sorted(Path(plan_dir).rglob("*.html"))}
    pages |= {f"coverage/{p.relative_to(cov_dir)}": p for p in sorted(Path(cov_dir).rglob("*.html"))}
    # the expansion layer of the recommendations map, its labels naming nurses (as licensing actions do)
    nurses = sorted({v.nurse_id for v in h.result.plan.visits})
    feats = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [-83.0 + 0.2 * i, 40.0]},
              "properties": {"rank": i + 1, "label": f"License {n} in MI", "place": f"near {n}", "cost": 1200.5,
                             "lead_weeks": 6, "visits_per_week_absorbed": 1, "patients_covered": 2}}
             for i, n in enumerate(nurses)]
    cov = analyze_coverage(h.roster, provider=h.provider, as_of=h.result.plan.horizon_start)
    rec = out / "recommendations_map.html"
    leadership_map(cov.leadership_view(), provider=h.provider, cutoff=120,
                   recommendations={"type": "FeatureCollection", "features": feats}).save(rec)
    pages["recommendations_map.html"] = rec
    return pages


@pytest.fixture(scope="module")
def page() -> Any:
    with browser(1300, 1000) as p:
        p.call("Page.addScriptToEvaluateOnNewDocument", source=ALERT_RECORDER)
        p.attach_frames()
        yield p


def _load(page: Page, path: Path) -> None:
    page.events.clear()
    page.frames.clear()
    open_file(page, path, settle=1.5)
    assert page.errors() == [], path.name
    assert page.evaluate(PWNED) is None, path.name
    for url, sid in page.frames.items():
        assert page.evaluate(PWNED, session=sid) is None, url


def test_every_page_was_written(written: dict[str, Path]) -> None:
    names = {Path(k).name for k in written}
    assert {"map.html", "report.html", "leadership_map.html", "operations_map.html",
            "recommendations_map.html"} <= names


def test_template_syntax_in_ids_is_never_evaluated(written: dict[str, Path]) -> None:
    """Ids holding Jinja syntax ("N{{7*7}}") come out as text on every page: folium renders an
    element's output through Jinja again, so an unescaped brace would run while the page is written."""
    import html

    shown = False
    for name, path in written.items():
        page = path.read_text(encoding="utf-8")
        assert "N49" not in page and "P49" not in page, name
        shown |= "N{{7*7}}" in html.unescape(page)
    assert shown


def _check_operations_map(page: Page, h: Hostile, name: str) -> None:
    plan = h.result.plan
    texts = page.evaluate(_MAP_TEXTS)
    assert texts["foreign"] == 0, name  # no <img>, <script>, <svg> came out of the data
    assert page.evaluate(PWNED) is None and page.errors() == [], name
    assert page.evaluate("document.querySelectorAll('.hai-stop').length") == len(plan.visits)
    assert page.evaluate("document.querySelectorAll('.hai-unassigned').length") == len(plan.unassigned)
    assert page.evaluate("document.querySelectorAll('.hai-home').length") == len({d.nurse_id for d in plan.nurse_days})
    assert page.evaluate("document.querySelectorAll('path.hai-route').length") == len(plan.nurse_days)
    tips = "\n".join(texts["tips"])
    pops = "\n".join(texts["pops"])
    for v in plan.visits:
        assert f"{v.nurse_id} stop {v.seq}: {v.patient_id}" in tips
        assert f"Patient {v.patient_id}" in pops
    for u in plan.unassigned:
        assert f"UNASSIGNED {u.patient_id}:" in tips and f"Unassigned: patient {u.patient_id}" in pops
    for n in {d.nurse_id for d in plan.nurse_days}:
        assert f"{n} home (" in tips
    # the nurse filter lists every id as it is and narrows the map to that nurse
    options = page.evaluate("Array.from(document.querySelectorAll('#hai-nurse-filter option')).map(o => o.value)")
    assert options == [""] + sorted({d.nurse_id for d in plan.nurse_days})
    nid, n = Counter(v.nurse_id for v in plan.visits).most_common()[-1]
    page.evaluate(f"(s => {{ s.value = {_js(nid)}; s.dispatchEvent(new Event('change')); }})"
                  "(document.getElementById('hai-nurse-filter'))")
    assert page.evaluate("document.querySelectorAll('.hai-stop').length") == n
    assert page.evaluate(PWNED) is None and page.errors() == [], name


def _js(text: str) -> str:
    import json

    return json.dumps(text)


def test_plan_map_runs_no_probe_and_shows_every_marker(page: Page, h: Hostile, written: dict[str, Path]) -> None:
    _load(page, written["plan/map.html"])
    _check_operations_map(page, h, "map.html")


def test_coverage_pages_run_no_probe(page: Page, h: Hostile, written: dict[str, Path]) -> None:
    cov = {k: p for k, p in written.items() if k.startswith("coverage/")}
    assert cov
    for key, path in cov.items():
        _load(page, path)
        if path.name == "operations_map.html":
            _check_operations_map(page, h, key)
        elif path.name == "leadership_map.html":
            texts = page.evaluate(_MAP_TEXTS)
            assert texts["foreign"] == 0
            n_nurses = len(h.roster.nurses)
            assert page.evaluate("document.querySelectorAll('path.hai-nurse-home').length") == n_nurses
            tips = "\n".join(texts["tips"])
            assert all(f"{n} (OH)" in tips for n in NURSE_PROBES)
            assert not any(p in tips for p in PATIENT_PROBES)  # de-identified: no patient id
        assert page.evaluate(PWNED) is None and page.errors() == [], key


def test_recommendations_map_runs_no_probe(page: Page, h: Hostile, written: dict[str, Path]) -> None:
    _load(page, written["recommendations_map.html"])
    texts = page.evaluate(_MAP_TEXTS)
    assert texts["foreign"] == 0
    nurses = sorted({v.nurse_id for v in h.result.plan.visits})
    assert page.evaluate("document.querySelectorAll('.hai-recommendation').length") == len(nurses)
    tips = "\n".join(texts["tips"])
    for n in nurses:
        assert f"License {n} in MI" in tips and "cost $1,200" in tips
    assert page.evaluate(PWNED) is None and page.errors() == []


def test_report_runs_no_probe_and_its_map_is_sandboxed(page: Page, h: Hostile, written: dict[str, Path]) -> None:
    plan = h.result.plan
    _load(page, written["plan/report.html"])
    assert page.evaluate("document.getElementById('ops-map').getAttribute('sandbox')") == "allow-scripts"
    assert page.evaluate("document.getElementById('ops-map').contentDocument") is None  # opaque origin
    assert list(page.frames) == ["about:srcdoc"]
    frame = page.frames["about:srcdoc"]
    assert page.evaluate("(() => { try { return String(parent.document.title); } catch (e) { return 'blocked'; } })()",
                         session=frame) == "blocked"
    # the report's own tables show every id as text
    assert page.evaluate("document.querySelectorAll('table.itinerary tbody tr:not(.break)').length") == (
        len(plan.visits) + len(plan.nurse_days))
    assert page.evaluate("document.querySelectorAll('#unassigned-table tbody tr').length") == len(plan.unassigned)
    cells = set(page.evaluate("Array.from(document.querySelectorAll('td')).map(t => t.textContent)"))
    assert {v.patient_id for v in plan.visits} | {u.patient_id for u in plan.unassigned} <= cells
    heads = page.evaluate("Array.from(document.querySelectorAll('section.nurse h3'))"
                          ".map(h => h.firstChild.textContent)")
    assert sorted(x.strip() for x in heads) == sorted({v.nurse_id for v in plan.visits})
    anchors = page.evaluate("Array.from(document.querySelectorAll('section.nurse')).map(s => s.id)")
    assert len(set(anchors)) == len(anchors)
    # the embedded map: every marker drawn, nothing ran, nothing logged
    count = "document.querySelectorAll({!r}).length"
    assert page.evaluate(count.format(".hai-unassigned"), session=frame) == len(plan.unassigned)
    assert page.evaluate(count.format(".hai-home"), session=frame) == len({d.nurse_id for d in plan.nurse_days})
    assert page.evaluate(PWNED, session=frame) is None and page.evaluate(PWNED) is None
    assert page.errors() == []
