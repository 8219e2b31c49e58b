"""Maps and the report load nothing from the network: Leaflet is inlined (SPEC §7, §8)."""

from __future__ import annotations

import re

import pytest

from optimizer.report import leadership_map, operations_map, plan_report
from optimizer.report._assets import (
    LEAFLET_VERSION,
    OfflineAssetError,
    external_resources,
    leaflet_assets,
    offline_html,
)
from tests.report._demo import demo

_SRC = re.compile(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*[\"']?\s*(?:https?:)?//", re.I)


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    d = demo()
    ops = operations_map(d.result.plan, d.result.problem, provider=d.provider).html()
    return {
        "leadership": leadership_map(d.coverage, provider=d.provider).html(),
        "operations": ops,
        "report": plan_report(d.result.plan, d.result.problem, provider=d.provider, map_html=ops).html,
    }


@pytest.mark.parametrize("name", ["leadership", "operations", "report"])
def test_no_network_script_or_stylesheet(pages: dict[str, str], name: str) -> None:
    html = pages[name]
    assert _SRC.search(html) is None
    assert external_resources(html) == []
    assert "cdn.jsdelivr" not in html and "cdnjs" not in html and "code.jquery" not in html


@pytest.mark.parametrize("name", ["leadership", "operations"])
def test_leaflet_is_inlined_once(pages: dict[str, str], name: str) -> None:
    html = pages[name]
    assert html.count(f"Leaflet {LEAFLET_VERSION}, a JS library for interactive maps") == 1
    assert ".leaflet-control-layers" in html
    assert "$(" not in html.split("Leaflet 1.9.3")[1].split("</script>", 1)[1]  # no jQuery use


def test_leaflet_css_images_are_data_uris() -> None:
    js, css = leaflet_assets()
    assert "url(images/" not in css and "data:image/png;base64," in css
    assert "</script" not in js


def test_offline_check_refuses_a_cdn_page() -> None:
    bad = '<html><head><script src="https://cdn.example.org/x.js"></script></head></html>'
    with pytest.raises(OfflineAssetError):
        offline_html(bad)
    assert external_resources('<link rel="stylesheet" href="//cdn.example.org/a.css">') == [
        "//cdn.example.org/a.css"]


def test_web_tiles_only_when_asked() -> None:
    d = demo()
    plain = leadership_map(d.coverage, provider=d.provider).html()
    tiled = leadership_map(d.coverage, provider=d.provider, tiles="OpenStreetMap").html()
    assert "tile.openstreetmap.org" not in plain
    assert "tile.openstreetmap.org" in tiled
    assert external_resources(tiled) == []  # tiles are images Leaflet fetches, not page resources
