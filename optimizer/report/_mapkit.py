"""Building blocks of the offline maps: style, base layers, title, legend, popups, nurse filter.

Every string from data reaches these through :mod:`optimizer.report._escape`:
legend, popup and filter contents are JavaScript values (:func:`js_value`), text
inside them is :func:`html_text`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import folium
import numpy as np
from branca.element import Element, MacroElement
from jinja2 import Template

import geodata
from optimizer.report._escape import html_text, js_value

__all__ = ["NO_DATA", "Legend", "NurseFilter", "Popup", "base_layers", "bin_color", "collection", "feature",
           "pct", "popup_table", "round_geom", "swatches", "title_box"]

NO_DATA = "#e6e6e6"  # fill of a state or county without data

_CSS = """
<style>
.hai-title{position:absolute;top:10px;left:54px;z-index:1000;background:#fff;
  padding:6px 14px;border-radius:6px;box-shadow:0 1px 5px rgba(0,0,0,.35);font:14px/1.35 system-ui,
  -apple-system,"Segoe UI",Roboto,sans-serif;max-width:calc(100% - 520px)}
.leaflet-control-layers{font:12px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-height:55vh;
  overflow:auto}
.hai-title b{font-size:16px}.hai-title small{color:#444}
.hai-legend{background:#fff;padding:8px 10px;border-radius:6px;box-shadow:0 1px 5px rgba(0,0,0,.35);
  font:12px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-height:60vh;overflow:auto}
.hai-legend h4{margin:6px 0 3px;font-size:12px}.hai-legend h4:first-child{margin-top:0}
.hai-legend i{display:inline-block;width:14px;height:11px;margin-right:6px;vertical-align:middle;
  border:1px solid #777}
.hai-legend i.c{border-radius:50%}
.hai-stop{width:22px;height:22px;border-radius:50%;color:#fff;font:bold 12px/20px system-ui,sans-serif;
  text-align:center;border:2px solid #fff;box-shadow:0 0 3px rgba(0,0,0,.6)}
.hai-home{width:20px;height:20px;border-radius:3px;background:#222;color:#fff;
  font:bold 11px/20px system-ui,sans-serif;text-align:center;box-shadow:0 0 3px rgba(0,0,0,.6)}
.hai-unassigned{width:22px;height:22px;border-radius:50%;background:#fff;color:#c00;border:3px solid #c00;
  font:bold 14px/16px system-ui,sans-serif;text-align:center;box-shadow:0 0 4px rgba(200,0,0,.8)}
.hai-filter{background:#fff;padding:6px 8px;font:12px system-ui,sans-serif}
.hai-popup td{padding:1px 6px 1px 0;vertical-align:top}.hai-popup th{text-align:left;padding-right:6px}
</style>
"""


# --------------------------------------------------------------------------- geometry


def round_geom(geom: Any, digits: int, simplify: float | None = None) -> Any:
    """A geometry with coordinates rounded to ``digits`` decimals (simplified first when asked)."""
    import shapely

    if simplify:
        geom = shapely.simplify(geom, simplify, preserve_topology=True)
    return shapely.transform(geom, lambda xy: np.round(xy, digits))


def feature(geom: Any, props: dict[str, Any]) -> dict[str, Any]:
    """A GeoJSON Feature of a shapely geometry."""
    from shapely.geometry import mapping

    return {"type": "Feature", "geometry": mapping(geom), "properties": props}


def collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection."""
    return {"type": "FeatureCollection", "features": features}


def base_layers(m: folium.Map, states_shown: Iterable[str], *, tiles: str | None,
                 digits: int) -> None:
    """The offline base map (state fills and outlines, county lines) and optional tiles."""
    shown = set(states_shown)
    st = geodata.states_gdf(simplified=True)
    base = folium.FeatureGroup(name="Offline base map: states and counties", overlay=False, control=True)
    feats = [feature(round_geom(g, digits, 0.005), {"name": html_text(n), "state": s})
             for s, n, g in zip(st["state"], st["name"], st["geometry"])]
    folium.GeoJson(collection(feats), name="States", control=False,
                   style_function=lambda f: {"fillColor": "#f7f7f4", "color": "#666", "weight": 1,
                                             "fillOpacity": 1.0, "className": "hai-base-state"},
                   tooltip=folium.GeoJsonTooltip(["name"], labels=False)).add_to(base)
    co = geodata.counties_gdf()
    co = co[co["state"].isin(shown)]
    if len(co):
        cfeats = [feature(round_geom(g, digits, 0.01), {"county": c, "state": s})
                  for c, s, g in zip(co["county"], co["state"], co["geometry"])]
        folium.GeoJson(collection(cfeats), name="Counties", control=False, interactive=False,
                       style_function=lambda f: {"fill": False, "color": "#bbb", "weight": 0.5,
                                                 "className": "hai-base-county"}).add_to(base)
    base.add_to(m)
    if tiles:
        folium.TileLayer(tiles, name=f"Web map ({tiles}, online)", overlay=False, control=True).add_to(m)


def title_box(m: folium.Map, title: str, subtitle: str) -> None:
    """The map's style sheet and its title box (text escaped)."""
    m.get_root().header.add_child(Element(_CSS), name="hai_css")
    m.get_root().html.add_child(Element(
        f'<div class="hai-title"><b>{html_text(title)}</b><br><small>{html_text(subtitle)}</small></div>'))


class Legend(MacroElement):
    """A legend box as a Leaflet control (prints with the map, moves with its corner)."""

    _template = Template("""
{% macro script(this, kwargs) %}
(function(){
  var legend = L.control({position: {{ this.position_js }}});
  legend.onAdd = function(){
    var div = L.DomUtil.create('div', 'hai-legend');
    div.innerHTML = {{ this.body_js }};
    L.DomEvent.disableScrollPropagation(div);
    return div;
  };
  legend.addTo({{ this._parent.get_name() }});
})();
{% endmacro %}
""")

    def __init__(self, body: str, position: str = "bottomleft") -> None:
        super().__init__()
        self._name = "Legend"
        self.body_js = js_value(body)
        self.position_js = js_value(position)


def swatches(title: str, rows: Sequence[tuple[str, str]], *, circle: bool = False,
              outline: bool = False) -> str:
    """Legend rows: a colour swatch and an escaped label each, under an escaped heading."""
    out = [f"<h4>{html_text(title)}</h4>"]
    for color, label in rows:
        style = (f"background:transparent;border:2px solid {color}" if outline else f"background:{color}")
        out.append(f'<div><i class="{"c" if circle else ""}" style="{html_text(style)}"></i>{html_text(label)}</div>')
    return "".join(out)


def bin_color(value: float, bins: Sequence[tuple[float, str, str]]) -> str:
    """The colour of the first bin whose upper bound exceeds ``value`` (no data: grey)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NO_DATA
    for hi, color, _ in bins:
        if value < hi:
            return color
    return bins[-1][1]


def pct(x: Any) -> str:
    """A share as a whole percentage (``–`` when missing)."""
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * float(x):.0f} %"


class NurseFilter(MacroElement):
    """A "Nurse" drop-down that shows one nurse's routes (or all) across the day layers."""

    _template = Template("""
{% macro script(this, kwargs) %}
(function(){
  var routes = [{% for nurse, layer, parent in this.routes %}{nurse: {{ nurse }}, layer: {{ layer }}, parent: {{ parent }}}{% if not loop.last %},{% endif %}{% endfor %}];
  var nurses = {{ this.nurses }};
  var ctl = L.control({position: 'topleft'});
  ctl.onAdd = function(){
    var div = L.DomUtil.create('div', 'hai-filter leaflet-bar');
    div.innerHTML = '<label>Nurse <select id="hai-nurse-filter"><option value="">all nurses</option></select></label>';
    var select = div.querySelector('select');
    nurses.forEach(function(n){
      var o = document.createElement('option'); o.value = n; o.textContent = n; select.appendChild(o);
    });
    L.DomEvent.disableClickPropagation(div);
    div.querySelector('select').addEventListener('change', function(e){
      var v = e.target.value;
      routes.forEach(function(r){
        if (v === '' || v === r.nurse) { r.parent.addLayer(r.layer); } else { r.parent.removeLayer(r.layer); }
      });
    });
    return div;
  };
  ctl.addTo({{ this._parent.get_name() }});
})();
{% endmacro %}
""")

    def __init__(self, routes: list[tuple[str, str, str]], nurses: list[str]) -> None:
        super().__init__()
        self._name = "NurseFilter"
        self.routes = [(js_value(n), layer, parent) for n, layer, parent in routes]
        self.nurses = js_value(list(nurses))


class Popup(MacroElement):
    """``bindPopup`` with an HTML string (folium's Popup needs jQuery, which we do not ship)."""

    _template = Template("""
{% macro script(this, kwargs) %}
{{ this._parent.get_name() }}.bindPopup({{ this.content_js }}, {maxWidth: {{ this.max_width }}});
{% endmacro %}
""")

    def __init__(self, content: str, max_width: int = 360) -> None:
        super().__init__()
        self._name = "Popup"
        self.content_js = js_value(content)
        self.max_width = int(max_width)


def popup_table(rows: Sequence[tuple[str, Any]], head: str) -> str:
    """A popup's HTML: a heading and a two-column table, every value escaped."""
    body = "".join(f"<tr><th>{html_text(k)}</th><td>{html_text(v)}</td></tr>" for k, v in rows)
    return f'<div class="hai-popup"><b>{html_text(head)}</b><table>{body}</table></div>'
