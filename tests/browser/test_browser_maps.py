"""Open the leadership map, the operations map and the plan report in real headless chromium.

The network is off (DevTools offline emulation plus every http(s) URL blocked),
so a page that needed a CDN would fail here. Each page must log no JavaScript
error; layers and markers are counted in the DOM; screenshots are saved to
``artifacts/screenshots/`` for people to look at.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.browser._cdp import CHROMIUM, Page, browser, open_file
from tests.report._demo import demo

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason=f"{CHROMIUM} not found: install Debian's chromium (.ci/run does) "
                              "to run the browser tests"),
]

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from optimizer.report import leadership_map, operations_map, write_plan_extras

    d = demo()
    out = tmp_path_factory.mktemp("pages")
    leadership_map(d.coverage.leadership_view(), provider=d.provider, cutoff=120).save(out / "leadership.html")
    operations_map(d.result.plan, d.result.problem, provider=d.provider).save(out / "operations.html")
    write_plan_extras(d.result, out)
    return {"leadership": out / "leadership.html", "operations": out / "operations.html",
            "report": out / "report.html"}


@pytest.fixture(scope="module")
def page():
    with browser(1400, 900) as p:
        yield p


def _count(page: Page, selector: str, root: str = "document") -> int:
    return int(page.evaluate(f"{root}.querySelectorAll({selector!r}).length"))


def _check_clean(page: Page) -> None:
    assert page.errors() == []
    assert page.network_requests() == []


def test_leadership_map_in_browser(page: Page, pages: dict[str, Path]) -> None:
    page.events.clear()
    open_file(page, pages["leadership"])
    _check_clean(page)
    view = demo().coverage.leadership_view()
    assert _count(page, ".leaflet-container") == 1
    # base layer + 6 overlays in the layer control, one legend, one title
    assert _count(page, ".leaflet-control-layers-base input") == 1
    assert _count(page, ".leaflet-control-layers-overlays input") == 6
    assert _count(page, ".hai-legend") == 1 and _count(page, ".hai-title") == 1
    assert "Data as of" in page.evaluate("document.querySelector('.hai-title').innerText")
    assert _count(page, "path.hai-base-state") == 51
    assert _count(page, "path.hai-state-cov") == len(view.by_state)
    assert _count(page, "path.hai-state-nurses") == 0  # that overlay is off by default
    assert _count(page, "path.hai-county-demand") == len(view.by_county)
    assert _count(page, "path.hai-service-area") == len(view.nurses)
    assert _count(page, "path.hai-nurse-home") == len(view.nurses)
    # switching the licensed-nurses overlay on draws its states
    page.evaluate("Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))"
                  ".find(l => l.innerText.includes('licensed')).querySelector('input').click()")
    assert _count(page, "path.hai-state-nurses") == len(view.by_state)
    page.evaluate("Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))"
                  ".find(l => l.innerText.includes('licensed')).querySelector('input').click()")
    page.pump(0.3)
    page.screenshot(SHOTS / "leadership_map.png")
    _check_clean(page)


def test_operations_map_in_browser(page: Page, pages: dict[str, Path]) -> None:
    page.events.clear()
    open_file(page, pages["operations"])
    _check_clean(page)
    plan = demo().result.plan
    days = sorted({v.date for v in plan.visits})
    first = [v for v in plan.visits if v.date == days[0]]
    assert _count(page, ".leaflet-control-layers-overlays input") == len(days) + 2
    assert _count(page, ".hai-stop") == len(first)  # only the first day is shown
    assert _count(page, ".hai-unassigned") == len(plan.unassigned)
    assert _count(page, ".hai-home") == len({d.nurse_id for d in plan.nurse_days})
    page.pump(0.3)
    page.screenshot(SHOTS / "operations_map.png")
    # every day on: every visit is a numbered stop, every nurse-day a route
    page.evaluate("document.querySelectorAll('.leaflet-control-layers-overlays input')"
                  ".forEach(i => { if (!i.checked) i.click(); })")
    assert _count(page, ".hai-stop") == len(plan.visits)
    assert _count(page, "path.hai-route") == len(plan.nurse_days)
    # the nurse filter narrows every day to one nurse
    nid, n = Counter(v.nurse_id for v in plan.visits).most_common(1)[0]
    page.evaluate(f"(s => {{ s.value = {nid!r}; s.dispatchEvent(new Event('change')); }})"
                  "(document.getElementById('hai-nurse-filter'))")
    assert _count(page, ".hai-stop") == n
    # a stop's popup shows the visit
    page.evaluate("document.querySelector('.hai-stop-icon').click()")
    popup = page.evaluate("document.querySelector('.leaflet-popup-content').innerText")
    assert "Reserve days left" in popup and "Infusate" in popup
    page.pump(0.3)
    page.screenshot(SHOTS / "operations_map_one_nurse.png")
    _check_clean(page)


def test_plan_report_in_browser(pages: dict[str, Path]) -> None:
    plan = demo().result.plan
    with browser(1300, 2400) as page:
        page.attach_frames()  # the map frame is sandboxed: its own origin and process
        open_file(page, pages["report"], settle=2.0)
        _check_clean(page)
        assert _count(page, ".kpi") >= 10
        assert _count(page, "section.nurse") == len({v.nurse_id for v in plan.visits})
        # one row per visit, plus a "back home" row per nurse-day
        assert _count(page, "table.itinerary tbody tr:not(.break)") == len(plan.visits) + len(plan.nurse_days)
        # and a "Break" line in every nurse-day with a break
        assert _count(page, "table.itinerary tbody tr.break") == sum(d.break_start is not None
                                                                       for d in plan.nurse_days)
        assert _count(page, "#unassigned-table tbody tr") == len(plan.unassigned)
        frame = page.frames["about:srcdoc"]
        count = "document.querySelectorAll({!r}).length"
        assert page.evaluate(count.format(".leaflet-container"), session=frame) == 1
        assert page.evaluate(count.format(".hai-unassigned"), session=frame) == len(plan.unassigned)
        page.screenshot(SHOTS / "plan_report.png")
        _check_clean(page)
