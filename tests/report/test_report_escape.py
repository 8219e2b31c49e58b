"""The escaping helpers: HTML/JS contexts, spreadsheet cells, file names (issue 9 items 3–5)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from optimizer.io.cells import is_risky, restore_cell, safe_cell, write_csv, write_rows
from optimizer.report._escape import file_stem, file_stems, html_text, js_value, literal_safe

PROBES = ["${alert(1)}", "`+alert(1)+`", "'\"", "</script><script>alert(1)</script>",
          "<img src=x onerror=alert(1)>", "\\u{zz}", "a\u2028b", "{{7*7}}", "{% if 1 %}x{% endif %}", "{#c#}"]


@pytest.mark.parametrize("probe", PROBES)
def test_html_text_leaves_nothing_a_page_or_template_literal_interprets(probe: str) -> None:
    out = html_text(probe)
    assert not set(out) & set("<>\"'`$\\\u2028\u2029{}")
    import html

    assert html.unescape(out) == probe  # the page shows the original text


def test_literal_safe_keeps_markup_and_neutralises_dollar() -> None:
    assert literal_safe("<b>cost $1,200</b>") == "<b>cost &#36;1,200</b>"


@pytest.mark.parametrize("probe", PROBES)
def test_js_value_round_trips_and_cannot_close_a_script(probe: str) -> None:
    out = js_value({"id": probe})
    assert "</" not in out and "<" not in out and "`" not in out and "$" not in out
    assert not any(t in out for t in ("{{", "{%", "{#"))  # no template language starts in it
    assert json.loads(out) == {"id": probe}


def test_folium_writes_template_syntax_from_data_as_text() -> None:
    """folium renders an element's output through Jinja again: data reaching a tooltip or a script
    as "{{7*7}}" must come out as that text, not as 49 (code run while the page is written)."""
    import html

    import folium
    from folium import MacroElement
    from jinja2 import Template

    from optimizer.report._escape import tooltip

    class _Data(MacroElement):
        _template = Template("{% macro script(this, kwargs) %}var d = {{ this.data }};{% endmacro %}")

        def __init__(self, data: str) -> None:
            super().__init__()
            self.data = data

    m = folium.Map()
    folium.Marker([40, -83], tooltip=tooltip(f"<b>{html_text('N{{7*7}}')}</b>")).add_to(m)
    _Data(js_value({"id": "P{{7*7}}{% if 1 %}x{% endif %}"})).add_to(m)
    page = m.get_root().render()
    assert "N49" not in page and "P49" not in page
    assert "N{{7*7}}" in html.unescape(page)
    assert '"P\\u007b{7*7}}\\u007b% if 1 %}x\\u007b% endif %}"' in page


def test_file_stems_distinct_bounded_and_safe() -> None:
    ids = ["N/4", "N_4", "N:4", "n_4", "N001", "..", "", "CON", "x" * 100_000, "N_4-" + "0" * 12]
    stems = file_stems(ids, fallback="nurse")
    assert len({s.casefold() for s in stems.values()}) == len(ids)
    for i, s in stems.items():
        assert 1 <= len(s) <= 53 and all(c.isalnum() or c in "._-" for c in s), (i, s)
        assert not s.startswith(".")
    assert stems["N001"] == "N001"  # plain ids keep their name
    assert stems["N/4"] != stems["N_4"] and stems["N/4"].startswith("N_4-")
    assert stems["N_4"] != "N_4"  # N_4 and n_4 would share a file on a case-insensitive disk
    assert file_stem("N_4") == "N_4" and file_stem("N/4") != file_stem("N:4")


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "'x"])
def test_safe_cell_quotes_risky_text_reversibly(value: str) -> None:
    assert safe_cell(value) == "'" + value
    assert restore_cell(safe_cell(value)) == value


def test_safe_cell_leaves_numbers_and_plain_text() -> None:
    assert safe_cell(-3) == -3 and safe_cell(-2.5) == -2.5 and safe_cell("N-3") == "N-3"
    assert not is_risky(-1) and is_risky("-1")


def test_write_csv_neutralises_text_and_keeps_numbers(tmp_path: Path) -> None:
    df = pd.DataFrame({"id": ["=HYPERLINK(\"x\")", "@x", "ok"], "delta": [-1, -2.5, 3]})
    text = write_csv(df, tmp_path / "a.csv").read_text()
    assert text.splitlines() == ["id,delta", "\"'=HYPERLINK(\"\"x\"\")\",-1.0", "'@x,-2.5", "ok,3.0"]
    write_rows(tmp_path / "b.csv", ("id", "n"), [("-x", -4)], fmt=str)
    assert (tmp_path / "b.csv").read_text().splitlines() == ["id,n", "'-x,-4"]
