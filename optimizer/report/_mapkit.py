"""Building blocks of the offline maps: style, base layers, title, legend, popups, nurse filter.

Every string from data reaches these through :mod:`optimizer.report._escape`:
legend, popup and filter contents are JavaScript values (:func:`js_value`), text
inside them is :func:`html_text`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

import folium
import numpy as np
from branca.element import Element, MacroElement
from jinja2 import Template

import geodata
from optimizer.report._escape import html_text, js_value

__all__ = ["NO_DATA", "FIT_PADDING_TOP_LEFT", "FIT_PADDING_BOTTOM_RIGHT", "ClientLayer", "Legend", "NurseFilter",
           "Popup", "RawMacro", "base_layers", "bin_color", "collection", "feature", "fit", "pct", "popup_table",
           "round_geom", "swatches", "title_box"]

NO_DATA = "#e6e6e6"  # fill of a state or county without data

_SIDE_PX = 300  # width of the panel left of the map (title, nurse picker, layers, legend)

_CSS = """
<style>
.folium-map{position:absolute!important;left:%(side)dpx!important;top:0!important;
  width:calc(100%% - %(side)dpx)!important;height:100%%!important}
.hai-side{position:absolute;left:0;top:0;bottom:0;width:%(side)dpx;box-sizing:border-box;overflow-y:auto;
  padding:8px;background:#f3f3f0;border-right:1px solid #bbb;font:12px/1.4 system-ui,-apple-system,
  "Segoe UI",Roboto,sans-serif;z-index:1000}
@media (max-width:700px){.folium-map{left:0!important;top:45%%!important;width:100%%!important;
  height:55%%!important}.hai-side{width:100%%;bottom:55%%;border-right:none;border-bottom:1px solid #bbb}}
.hai-title{background:#fff;padding:6px 10px;border-radius:6px;box-shadow:0 1px 4px rgba(0,0,0,.3);
  margin-bottom:8px;font-size:13px}
.hai-title b{font-size:15px}.hai-title small{color:#444;font-size:12px}
.hai-side .leaflet-control{float:none;clear:none;margin:0 0 8px 0}
.hai-side .leaflet-control-layers{font:12px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
  padding:4px 8px;border-radius:6px;box-shadow:0 1px 4px rgba(0,0,0,.3)}
.hai-side .leaflet-control-layers-list,.hai-side .leaflet-control-layers section{height:auto!important;
  max-height:none!important;overflow:visible!important}
.hai-legend{background:#fff;padding:8px 10px;border-radius:6px;box-shadow:0 1px 4px rgba(0,0,0,.3);
  font:12px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
.hai-legend h4{margin:6px 0 3px;font-size:12px}.hai-legend h4:first-child{margin-top:0}
.hai-legend i{display:inline-block;width:14px;height:11px;margin-right:6px;vertical-align:middle;
  border:1px solid #777}
.hai-legend i.c{border-radius:50%%}
.hai-legend .cols{display:grid;grid-template-columns:1fr 1fr;column-gap:6px}
.hai-legend .row{display:flex;align-items:center;gap:6px;margin:1px 0}
.hai-stop{width:22px;height:22px;box-sizing:border-box;border-radius:50%%;font:bold 12px/18px system-ui,
  sans-serif;text-align:center;border:2px solid #fff;box-shadow:0 0 3px rgba(0,0,0,.7)}
.hai-home{width:20px;height:20px;border-radius:3px;background:#222;
  font:bold 11px/20px system-ui,sans-serif;text-align:center;box-shadow:0 0 3px rgba(0,0,0,.7)}
.hai-shape{position:relative;box-sizing:border-box;text-align:center;font-weight:bold;
  font-family:system-ui,sans-serif;filter:drop-shadow(0 0 1.5px rgba(0,0,0,.9))}
.hai-shape:before{content:"";position:absolute;inset:0;background:var(--hai-fill)}
.hai-shape span{position:relative}
.hai-shape-square:before{border-radius:3px}.hai-shape-circle:before{border-radius:50%%}
.hai-shape-diamond:before{transform:rotate(45deg) scale(.8)}
.hai-shape-triangle:before{clip-path:polygon(50%% 0,100%% 100%%,0 100%%)}.hai-shape-triangle span{top:2px}
.hai-shape-hexagon:before{clip-path:polygon(25%% 3%%,75%% 3%%,100%% 50%%,75%% 97%%,25%% 97%%,0 50%%)}
.hai-key{display:inline-block;flex:none}
.hai-filter{background:#fff;padding:6px 8px;border-radius:6px;box-shadow:0 1px 4px rgba(0,0,0,.3)}
.hai-filter select{max-width:100%%;font-size:12px}
.hai-popup td{padding:1px 6px 1px 0;vertical-align:top}.hai-popup th{text-align:left;padding-right:6px}
</style>
""" % {"side": _SIDE_PX}

#: Padding (px) of the first view inside the map: no marker under the zoom buttons (top left),
#: the scale (bottom left) or the attribution (bottom right).
FIT_PADDING_TOP_LEFT = (60, 24)
FIT_PADDING_BOTTOM_RIGHT = (24, 64)


class _Raw(Element):
    """A finished piece of script, written as it is (no template: data in it is never read as Jinja)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text



class RawMacro(MacroElement):
    """A macro element whose rendered pieces are added as they are.

    folium's :class:`MacroElement` wraps each rendered piece in a new ``Element(text)``,
    which compiles the text as a Jinja template: slow (one compile per element) and
    unsafe (data holding ``{{ ... }}`` would be evaluated while the page is written).
    """

    def render(self, **kwargs: Any) -> None:
        figure = self.get_root()
        macros = self._template.module.__dict__
        for part in ("header", "html", "script"):
            macro = macros.get(part)
            if macro is not None:
                getattr(figure, part).add_child(_Raw(macro(self, kwargs)), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)


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
    """The offline base map (state fills and outlines, county lines) and optional tiles.

    The rounded outlines are computed once per process (:func:`_state_shapes`,
    :func:`_county_shapes`): a plan folder draws the same base map in ``map.html`` and
    again in ``report.html``.
    """
    base = folium.FeatureGroup(name="Offline base map: states and counties", overlay=False, control=True)
    feats = [{"type": "Feature", "geometry": g, "properties": {"name": n, "state": s}}
             for s, n, g in _state_shapes(digits)]
    folium.GeoJson(collection(feats), name="States", control=False,
                   style_function=lambda f: {"fillColor": "#f7f7f4", "color": "#666", "weight": 1,
                                             "fillOpacity": 1.0, "className": "hai-base-state"},
                   tooltip=folium.GeoJsonTooltip(["name"], labels=False)).add_to(base)
    cfeats = [{"type": "Feature", "geometry": g, "properties": {"county": c, "state": s}}
              for s in sorted({str(x) for x in states_shown}) for c, g in _county_shapes(s, digits)]
    if cfeats:
        folium.GeoJson(collection(cfeats), name="Counties", control=False, interactive=False,
                       style_function=lambda f: {"fill": False, "color": "#bbb", "weight": 0.5,
                                                 "className": "hai-base-county"}).add_to(base)
    base.add_to(m)
    if tiles:
        folium.TileLayer(tiles, name=f"Web map ({tiles}, online)", overlay=False, control=True).add_to(m)


@lru_cache(maxsize=4)
def _state_shapes(digits: int) -> tuple[tuple[str, str, dict[str, Any]], ...]:
    """Every state's (code, escaped name, rounded simplified outline as GeoJSON), read-only."""
    from shapely.geometry import mapping

    st = geodata.states_gdf(simplified=True)
    return tuple((s, html_text(n), mapping(round_geom(g, digits, 0.005)))
                 for s, n, g in zip(st["state"], st["name"], st["geometry"]))


@lru_cache(maxsize=256)
def _county_shapes(state: str, digits: int) -> tuple[tuple[str, dict[str, Any]], ...]:
    """A state's counties: (name, rounded simplified outline as GeoJSON), read-only."""
    from shapely.geometry import mapping

    co = geodata.counties_gdf()
    co = co[co["state"] == state]
    return tuple((c, mapping(round_geom(g, digits, 0.01))) for c, g in zip(co["county"], co["geometry"]))


def title_box(m: folium.Map, title: str, subtitle: str) -> None:
    """The map's style sheet and the side panel that holds the title and, moved there, the controls.

    The panel lies beside the map, not over it, so neither the title nor a legend
    or the layer list ever covers a marker, at any window size. Call it after every
    control is added: its script moves the layer list, the nurse picker and the
    legend out of the map into the panel (they keep working there).
    """
    m.get_root().header.add_child(Element(_CSS), name="hai_css")
    m.get_root().html.add_child(Element(
        f'<div class="hai-side" id="hai-side"><div class="hai-title"><b>{html_text(title)}</b><br>'
        f'<small>{html_text(subtitle)}</small></div></div>'))
    _SidePanel().add_to(m)


def fit(m: folium.Map, points: Sequence[tuple[float, float]]) -> None:
    """Fit the first view to ``points`` (lat, lon) clear of the zoom buttons, scale and attribution."""
    if points:
        _Fit(points).add_to(m)


class _Fit(RawMacro):
    """``fitBounds`` with padding, once the map has a size (a frame may lay out after its script ran)."""

    _template = Template("""
{% macro script(this, kwargs) %}
(function(){
  var map = {{ this._parent.get_name() }};
  var bounds = L.latLngBounds({{ this.bounds }});
  var tl = {{ this.pad_tl }}, br = {{ this.pad_br }};
  function ready(){ var s = map.getSize(); return s.x > tl[0] + br[0] + 40 && s.y > tl[1] + br[1] + 40; }
  function go(){ map.fitBounds(bounds, {paddingTopLeft: tl, paddingBottomRight: br}); }
  if (ready()) { go(); return; }
  function later(){ map.invalidateSize(); if (ready()) { go(); window.removeEventListener('resize', later); } }
  window.addEventListener('load', later);
  window.addEventListener('resize', later);
})();
{% endmacro %}
""")

    def __init__(self, points: Sequence[tuple[float, float]]) -> None:
        super().__init__()
        self._name = "Fit"
        lats = [float(p[0]) for p in points]
        lons = [float(p[1]) for p in points]
        self.bounds = js_value([[min(lats), min(lons)], [max(lats), max(lons)]])
        self.pad_tl = js_value(list(FIT_PADDING_TOP_LEFT))
        self.pad_br = js_value(list(FIT_PADDING_BOTTOM_RIGHT))


class _SidePanel(RawMacro):
    """Moves the nurse picker, the layer list and the legend from the map into the side panel."""

    _template = Template("""
{% macro script(this, kwargs) %}
(function(){
  var map = {{ this._parent.get_name() }};
  var side = document.getElementById('hai-side');
  var box = map.getContainer();
  ['.hai-filter', '.leaflet-control-layers', '.hai-legend'].forEach(function(sel){
    box.querySelectorAll(sel).forEach(function(el){ side.appendChild(el); });
  });
  map.invalidateSize();
})();
{% endmacro %}
""")

    def __init__(self) -> None:
        super().__init__()
        self._name = "SidePanel"


class Legend(RawMacro):
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


class NurseFilter(RawMacro):
    """A "Nurse" picker: one nurse's routes and home (or all) across the day layers, the view fitted.

    ``layers`` are ``(nurse id, layer variable, parent group variable)``, and every
    layer a :class:`ClientLayer` registered (nurse-day routes, home markers). Choosing a
    nurse keeps only that nurse's layers in their groups and fits the map to them; "all nurses" restores everything
    and the first view.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
(function(){
  var map = {{ this._parent.get_name() }};
  var layers = [{% for nurse, layer, parent in this.layers %}{nurse: {{ nurse }}, layer: {{ layer }}, parent: {{ parent }}}{% if not loop.last %},{% endif %}{% endfor %}].concat(window.haiNurseLayers || []);
  var nurses = {{ this.nurses }};
  var labels = {{ this.labels }};
  var ctl = L.control({position: 'topleft'});
  ctl.onAdd = function(){
    var div = L.DomUtil.create('div', 'hai-filter leaflet-bar');
    div.innerHTML = '<label>Nurse <select id="hai-nurse-filter"><option value="">all nurses</option></select></label>';
    var select = div.querySelector('select');
    nurses.forEach(function(n, i){
      var o = document.createElement('option'); o.value = n; o.textContent = labels[i]; select.appendChild(o);
    });
    L.DomEvent.disableClickPropagation(div);
    var home = null;
    select.addEventListener('change', function(e){
      var v = e.target.value, shown = [];
      if (home === null) { home = map.getBounds(); }
      layers.forEach(function(r){
        if (v === '' || v === r.nurse) { r.parent.addLayer(r.layer); if (v !== '') shown.push(r.layer); }
        else { r.parent.removeLayer(r.layer); }
      });
      if (v === '') { map.fitBounds(home); return; }
      var b = L.featureGroup(shown).getBounds();
      if (b.isValid()) { map.fitBounds(b, {paddingTopLeft: {{ this.pad_tl }}, paddingBottomRight: {{ this.pad_br }},
                                           maxZoom: 10}); }
    });
    return div;
  };
  ctl.addTo(map);
})();
{% endmacro %}
""")

    def __init__(self, layers: list[tuple[str, str, str]], nurses: list[str], labels: list[str] | None = None) -> None:
        super().__init__()
        self._name = "NurseFilter"
        self.layers = [(js_value(n), layer, parent) for n, layer, parent in layers]
        self.nurses = js_value(list(nurses))
        self.labels = js_value(list(labels if labels is not None else nurses))
        self.pad_tl = js_value(list(FIT_PADDING_TOP_LEFT))
        self.pad_br = js_value(list(FIT_PADDING_BOTTOM_RIGHT))


class Popup(RawMacro):
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


class ClientLayer(RawMacro):
    """Markers and routes drawn by the page from one data array, not one folium element each.

    folium compiles one Jinja template per element and per rendered piece, which made a
    5,000-patient operations map take minutes. Here a whole layer is one script: its
    data is one :func:`js_value` (every string in it already :func:`html_text` where it
    is HTML), and the script is added as it is, never compiled as a template. Rows
    with a ``nurse`` are registered for :class:`NurseFilter` (``window.haiNurseLayers``).

    ``kind`` is ``"routes"`` (rows: a nurse-day each, ``path``, ``color``, ``text``
    colour, ``tip`` and its ``stops`` as ``[lat, lon, number, tip, popup]``; each path
    is written as its own ``L.polyline([[lat, lon], ...])``) or
    ``"markers"`` (rows: ``ll``, ``html``, ``tip``, optional ``popup`` and ``nurse``).
    """

    _ROUTE = {"weight": 3, "opacity": 0.95, "className": "hai-route"}
    _JS = {"routes": """
  function route(r, line){
    var sub = L.featureGroup();
    L.polyline(line.getLatLngs(), {color: '#333', weight: 5, opacity: 0.45, className: 'hai-route-casing',
                                   interactive: false}).addTo(sub);
    line.bindTooltip('<div>' + r.tip + '</div>', {sticky: true}).addTo(sub);
    r.stops.forEach(function(s){
      L.marker([s[0], s[1]], {icon: L.divIcon({className: 'hai-stop-icon', iconSize: [22, 22], iconAnchor: [11, 11],
        html: '<div class="hai-stop" style="background:' + r.color + ';color:' + r.text + '">' + s[2] + '</div>'})})
        .bindTooltip('<div>' + s[3] + '</div>', {sticky: true}).bindPopup(s[4], {maxWidth: opt.popup})
        .addTo(sub);
    });
    sub.addTo(parent);
    reg.push({nurse: r.nurse, layer: sub, parent: parent});
  }""", "markers": """
  rows.forEach(function(r){
    var mk = L.marker(r.ll, {icon: L.divIcon({className: opt.cls, html: r.html, iconSize: opt.size,
                                                iconAnchor: opt.anchor})});
    mk.bindTooltip('<div>' + r.tip + '</div>', {sticky: true});
    if (r.popup !== undefined) { mk.bindPopup(r.popup, {maxWidth: opt.popup}); }
    mk.addTo(parent);
    if (r.nurse !== undefined) { reg.push({nurse: r.nurse, layer: mk, parent: parent}); }
  });"""}

    def __init__(self, kind: str, rows: list[dict[str, Any]], *, class_name: str = "", size: int = 22,
                 popup_width: int = 360) -> None:
        super().__init__()
        self._name = "ClientLayer"
        self.kind = kind
        self.rows = rows
        self.options = {"cls": class_name, "size": [size, size], "anchor": [size // 2, size // 2],
                        "popup": int(popup_width)}

    def render(self, **kwargs: Any) -> None:
        rows, calls = self.rows, ""
        if self.kind == "routes":  # one L.polyline(...) per route, its path written out (numbers only)
            rows = [{k: v for k, v in r.items() if k != "path"} for r in self.rows]
            calls = "".join(f"\n  route(rows[{i}], L.polyline({js_value(r['path'])}, "
                            f"{js_value({'color': r['color'], **self._ROUTE})}));" for i, r in enumerate(self.rows))
        script = ("(function(){\n  var parent = " + self._parent.get_name() + ";\n"
                  "  var reg = window.haiNurseLayers = window.haiNurseLayers || [];\n"
                  "  var opt = " + js_value(self.options) + ";\n  var rows = " + js_value(rows) + ";"
                  + self._JS[self.kind] + calls + "\n})();\n")
        self.get_root().script.add_child(_Raw(script), name=self.get_name())
