"""The operations map stays a handful of folium elements however many visits it draws
(folium compiles one Jinja template per element: 14,700 of them took 27 s for 2,000
patients), and no text of ours is ever compiled as a template (data holding ``{{ }}``
would be evaluated while the page is written)."""

from __future__ import annotations

import folium

from optimizer.report import operations_map
from optimizer.report._escape import html_text
from optimizer.report._mapkit import ClientLayer, Legend, NurseFilter, Popup
from tests.report._demo import demo


def _elements(el) -> int:
    return 1 + sum(_elements(c) for c in getattr(el, "_children", {}).values())


def test_operations_map_is_a_few_elements_for_hundreds_of_markers() -> None:
    d = demo()
    plan = d.result.plan
    m = operations_map(plan, d.result.problem, provider=d.provider)
    assert len(plan.visits) > 200
    days = len({v.date for v in plan.visits} | {nd.date for nd in plan.nurse_days})
    assert _elements(m) <= 30 + days  # base map, controls, one group and one data layer per day
    html = m.html()
    # one data script per day (routes and stops), one for the homes, one for the unassigned
    assert html.count("var reg = window.haiNurseLayers") == days + 2
    assert html.count("hai-unassigned hai-shape") == len(plan.unassigned)


def test_template_syntax_in_data_is_written_as_text() -> None:
    m = folium.Map()
    group = folium.FeatureGroup().add_to(m)
    probe = "{{ 'PW' ~ 'NED' }}{% if 1 %}x{% endif %}"
    ClientLayer("markers", [{"ll": [1.0, 2.0], "html": "<b>H</b>", "tip": html_text("C" + probe),
                             "popup": html_text("P" + probe), "nurse": "N" + probe}]).add_to(group)
    Legend(html_text("L" + probe)).add_to(m)
    folium.Marker([1.0, 2.0]).add_child(Popup(html_text("Q" + probe))).add_to(m)
    NurseFilter([], ["N" + probe], ["N" + probe]).add_to(m)
    html = m.get_root().render()
    assert "PWNED" not in html
    import html as _html

    # braces come as &#123; in HTML text and \u007b in JSON (HTML inside JSON: \u0026#123;)
    json_text = html
    for esc, ch in (("\\u0026", "&"), ("\\u007b", "{"), ("\\u0027", "'")):
        json_text = json_text.replace(esc, ch)
    shown = _html.unescape(json_text)
    for tag in "CPLQN":  # every piece kept its braces (as character references or JS escapes)
        assert tag + "{{ " in shown and "{% if 1 %}x{% endif %}" in shown
