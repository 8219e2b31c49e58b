"""Leaflet inlined into the HTML, so maps work with no network (SPEC §7, §8 "Map assets offline").

Where the files come from
-------------------------
folium links Leaflet, jQuery, Bootstrap, Font Awesome and the awesome-markers
plugin from CDNs. Our maps use only Leaflet's core (GeoJSON, polylines, circle
markers, ``L.divIcon`` numbered stops, the layers control); legends, titles and
the nurse filter are our own few lines of HTML/CSS/JS. So the one third-party
asset needed is Leaflet itself, read at run time from the PyPI package
**XStatic-Leaflet 1.9.3.0** (``xstatic.pkg.leaflet``):

* it ships exactly the upstream ``dist/`` of Leaflet 1.9.3, the version folium
  0.20 links: ``leaflet.js`` and ``leaflet.css`` are byte-identical to the npm
  package ``leaflet@1.9.3`` (checked when this module was written; the SHA-256
  below is verified at every load, so a tampered or different file is refused);
* it is a data-only package with no dependencies (unlike ``django-leaflet``,
  which pulls in Django), from the XStatic packaging family used by OpenStack;
* ``folium-offline`` was rejected: a single-maintainer fork that replaces the
  ``folium`` import itself, so it would fight our pinned ``folium``.

The images Leaflet's CSS points to (layer-control icon, default marker) are
embedded as ``data:`` URIs. :func:`offline_html` refuses a page that still
loads any script or stylesheet over the network.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

import folium
from branca.element import Element

from optimizer.errors import EXIT_INTERNAL, HaiplanError

__all__ = ["LEAFLET_VERSION", "leaflet_assets", "OfflineMap", "offline_html", "external_resources",
           "OfflineAssetError"]

LEAFLET_VERSION = "1.9.3"
#: SHA-256 of Leaflet 1.9.3 ``dist/leaflet.js`` and ``dist/leaflet.css`` (npm ``leaflet@1.9.3``).
_SHA256 = {
    "leaflet.js": "5819285cec137b229c94e1ee5ad73e8b6b84345a4367d60f75fe477fe0fb7b03",
    "leaflet.css": "90b693d86392a4779c861b28cf307e7e59c3fb35328c4d8b95f58f814d38c722",
}

# <script src="http..."> or <link ... href="http..."> (the resources a page loads at view time)
_EXTERNAL = re.compile(
    r"""<(script|link)\b[^>]*?\b(src|href)\s*=\s*["']?\s*((?:https?:)?//[^"'\s>]+)""", re.I)


class OfflineAssetError(HaiplanError, RuntimeError):
    """The offline assets are missing or altered, or a page still links the network (exit 3)."""

    exit_code: ClassVar[int] = EXIT_INTERNAL


def _leaflet_dir() -> Path:
    try:
        from xstatic.pkg import leaflet as xs  # type: ignore[import-untyped]
    except ImportError as exc:  # pragma: no cover - the package is a dependency
        raise OfflineAssetError(
            "offline maps need the PyPI package XStatic-Leaflet==1.9.3.0 "
            "(pip install 'xstatic-leaflet==1.9.3.0')") from exc
    if getattr(xs, "VERSION", "") != LEAFLET_VERSION:
        raise OfflineAssetError(f"XStatic-Leaflet {getattr(xs, 'VERSION', '?')} found, "
                                f"{LEAFLET_VERSION} expected")
    return Path(xs.BASE_DIR)


def _read_checked(path: Path) -> bytes:
    data = path.read_bytes()
    want = _SHA256.get(path.name)
    if want is not None and hashlib.sha256(data).hexdigest() != want:
        raise OfflineAssetError(f"{path} does not match Leaflet {LEAFLET_VERSION} (SHA-256 differs)")
    return data


@lru_cache(maxsize=1)
def leaflet_assets() -> tuple[str, str]:
    """Leaflet's JavaScript and CSS, the CSS with its images inlined as ``data:`` URIs.

    Returns
    -------
    (js, css) : tuple of str
    """
    base = _leaflet_dir()
    js = _read_checked(base / "leaflet.js").decode("utf-8")
    css = _read_checked(base / "leaflet.css").decode("utf-8")

    def inline(match: re.Match[str]) -> str:
        img = base / match.group(1)
        if not img.is_file():  # pragma: no cover - every image of 1.9.3 is shipped
            return match.group(0)
        return "url(data:image/png;base64," + base64.b64encode(img.read_bytes()).decode("ascii") + ")"

    css = re.sub(r"url\((images/[\w.-]+\.png)\)", inline, css)
    # a closing tag inside an inlined script would end it early
    js = js.replace("</script", "<\\/script")
    return js, css


def external_resources(html: str) -> list[str]:
    """URLs of scripts and stylesheets ``html`` would load from the network."""
    return [m.group(3) for m in _EXTERNAL.finditer(html)]


_RANDOM_ID = re.compile(r"(?<=_)[0-9a-f]{32}(?![0-9a-f])")


def stable_ids(html: str) -> str:
    """Replace branca's random element ids by sequential ones, so equal maps give equal files."""
    seen: dict[str, str] = {}

    def repl(m: re.Match[str]) -> str:
        return seen.setdefault(m.group(0), f"{len(seen):032x}")

    return _RANDOM_ID.sub(repl, html)


def offline_html(html: str) -> str:
    """Check that ``html`` loads nothing from the network; return it with stable ids.

    Raises
    ------
    OfflineAssetError
        When a ``<script src>`` or ``<link href>`` points to ``http(s)://`` or ``//``.
    """
    found = external_resources(html)
    if found:
        raise OfflineAssetError(f"page links network resources: {found[:5]}")
    return stable_ids(html)


class OfflineMap(folium.Map):
    """A :class:`folium.Map` whose page carries Leaflet inline and links no CDN.

    Tiles are off unless asked for (``tiles=`` as in folium): the offline base map
    is drawn from boundary polygons by the caller. ``save`` and :meth:`html`
    verify the page with :func:`offline_html`, except for tile URLs the user
    requested (tiles are images fetched by Leaflet, not page resources).
    """

    def __init__(self, *args: Any, tiles: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, tiles=tiles, **kwargs)
        # instance lists: folium's class-level lists are shared and mutable
        self.default_js: list[tuple[str, str]] = []
        self.default_css: list[tuple[str, str]] = []

    def render(self, **kwargs: Any) -> None:
        """Render, adding Leaflet's JS and CSS inline to the page header."""
        figure = self.get_root()
        js, css = leaflet_assets()
        figure.header.add_child(Element(f"<style>{css}</style>"), name="leaflet_css_inline")
        figure.header.add_child(Element(f"<script>{js}</script>"), name="leaflet_js_inline")
        super().render(**kwargs)

    def html(self) -> str:
        """The whole self-contained page."""
        return offline_html(self.get_root().render())

    def save(self, outfile: str | Path, close_file: bool = True, **kwargs: Any) -> None:  # type: ignore[override]
        """Write the self-contained page to ``outfile`` (UTF-8)."""
        Path(outfile).write_text(self.html(), encoding="utf-8")
