"""Escaping of data on its way into a page: HTML text, JavaScript values, file names.

Every string from a roster (ids, names, notes, scenario labels) is hostile text.
It reaches our pages in four contexts, and each has one function here:

* HTML text and attribute values — :func:`html_text`. Its output is also inert
  inside a JavaScript template literal (folium binds tooltips as
  ``bindTooltip(`...`)``): ``$``, backtick and backslash become character
  references, so ``${...}`` can never start an expression and ``\\u`` can never
  break the literal; the browser shows the original characters.
* Markup we composed ourselves from escaped parts and hand to folium's
  template-literal tooltips — :func:`literal_safe` (and :func:`tooltip`).
* A JavaScript value inside ``<script>`` — :func:`js_value` (JSON with every
  character that could end the script, start markup or a template expression
  written as a ``\\u`` escape).
* File names — :func:`file_stem` and :func:`file_stems`: a readable slug, bounded
  in length, with a hash of the full id whenever the slug is not the id itself,
  so two ids never share a file (``N/4`` and ``N_4``), also on case-insensitive
  file systems.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Iterable
from typing import Any

__all__ = ["html_text", "literal_safe", "js_value", "tooltip", "file_stem", "file_stems"]

# characters a template literal or a script block would interpret, as HTML character references
_LITERAL = str.maketrans({"$": "&#36;", "`": "&#96;", "\\": "&#92;", "\u2028": "&#8232;", "\u2029": "&#8233;"})
# data text also loses its braces: folium compiles an element's rendered output as a Jinja template
# again (tooltips), so "{{ ... }}" or "{% ... %}" in an id would run in Python while the page is written
_TEXT = str.maketrans({**{chr(k): v for k, v in _LITERAL.items()}, "{": "&#123;", "}": "&#125;"})
# the start of a Jinja expression, statement or comment inside a JSON string (JSON itself never
# writes "{{", "{%" or "{#": an object's brace is followed by a quote or a closing brace)
_JINJA_START = re.compile(r"\{(?=[{%#])")
# the same characters (and markup) as JSON ``\u`` escapes
_JS = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "'": "\\u0027", "`": "\\u0060",
                     "$": "\\u0024", "\u2028": "\\u2028", "\u2029": "\\u2029"})
_SLUG_BAD = re.compile(r"[^A-Za-z0-9._-]+")
_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_HASHED = re.compile(r"-[0-9a-f]{12}$")
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
_HASH_LEN = 12


def html_text(value: Any) -> str:
    """``value`` as text safe in HTML content, in attribute values and in a JS template literal.

    Parameters
    ----------
    value
        Anything; ``str(value)`` is escaped.

    Returns
    -------
    str
        ``& < > " '`` escaped as for HTML, and ``$``, backtick, backslash, braces, U+2028
        and U+2029 as character references (the page shows the original text; no template
        language — a JS template literal, folium's Jinja — finds an expression in it).

    Examples
    --------
    >>> html_text("${alert(1)}<b>")
    '&#36;{alert(1)}&lt;b&gt;'
    """
    return html.escape(str(value), quote=True).translate(_TEXT)


def literal_safe(markup: str) -> str:
    """Markup composed from :func:`html_text` parts, made inert inside a JS template literal.

    Parameters
    ----------
    markup
        HTML whose data parts are already escaped; our own literal text may still hold
        ``$`` (``cost $1,200``), which becomes ``&#36;``.

    Returns
    -------
    str
        The same markup with no ``$``, backtick or backslash left.
    """
    return markup.translate(_LITERAL)


def js_value(obj: Any) -> str:
    """``obj`` as a JavaScript literal safe to paste into a ``<script>`` block.

    JSON (so every string is quoted and escaped), then ``< > & ' ` $`` and the
    line separators U+2028/U+2029 as ``\\u`` escapes: no ``</script>``, no markup,
    no template expression can come out of it, whatever the context.

    Parameters
    ----------
    obj
        A JSON-serialisable value (dates and other objects are written as ``str``).

    Returns
    -------
    str

    Examples
    --------
    >>> js_value("</script>`${x}`")
    '"\\\\u003c/script\\\\u003e\\\\u0060\\\\u0024{x}\\\\u0060"'
    """
    return _JINJA_START.sub(r"\\u007b", json.dumps(obj, ensure_ascii=False, default=str).translate(_JS))


def tooltip(markup: str, **options: Any) -> Any:
    """A :class:`folium.Tooltip` whose text cannot escape folium's template literal.

    Parameters
    ----------
    markup
        Tooltip HTML with every data part escaped by :func:`html_text`.
    **options
        Passed to :class:`folium.Tooltip` (``sticky=...``).

    Returns
    -------
    folium.Tooltip
    """
    import folium

    return folium.Tooltip(literal_safe(markup), **options)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:_HASH_LEN]


def file_stem(identifier: str, *, max_len: int = 40, fallback: str = "item") -> str:
    """A safe, bounded file name stem for an id; distinct ids give distinct stems.

    A plain id (letters, digits, ``. _ -``, starting with a letter or digit, at most
    ``max_len`` characters, not a reserved device name, not itself ending like a
    hashed stem) is its own stem. Any other id becomes its slug (unsafe characters
    as ``_``, cut to ``max_len``) plus ``-`` and 12 hex digits of the SHA-256 of the
    full id. A slug never equals a plain id that ends in a hash, so stems never
    collide short of a hash collision.

    Parameters
    ----------
    identifier
        The id (any length, any characters).
    max_len
        Longest slug kept before the hash.
    fallback
        Slug used when nothing of the id is safe (e.g. ``"///"``).

    Returns
    -------
    str
        At most ``max_len + 13`` characters of ``[A-Za-z0-9._-]``.
    """
    ident = str(identifier)
    if (len(ident) <= max_len and _PLAIN.fullmatch(ident) and not _HASHED.search(ident)
            and ident.split(".")[0].lower() not in _RESERVED):
        return ident
    slug = _SLUG_BAD.sub("_", ident)[:max_len].strip("._-") or fallback
    return f"{slug}-{_digest(ident)}"


def file_stems(identifiers: Iterable[str], *, max_len: int = 40, fallback: str = "item") -> dict[str, str]:
    """:func:`file_stem` for many ids, hashed where two would differ only by letter case.

    Parameters
    ----------
    identifiers
        The ids (duplicates are fine).
    max_len, fallback
        As for :func:`file_stem`.

    Returns
    -------
    dict
        Id → stem; no two stems are equal, even ignoring case (macOS, Windows).
    """
    ids = list(dict.fromkeys(str(i) for i in identifiers))
    stems = {i: file_stem(i, max_len=max_len, fallback=fallback) for i in ids}
    folded: dict[str, list[str]] = {}
    for i, s in stems.items():
        folded.setdefault(s.casefold(), []).append(i)
    for group in folded.values():
        if len(group) > 1:
            for i in group:
                slug = _SLUG_BAD.sub("_", i)[:max_len].strip("._-") or fallback
                stems[i] = f"{slug}-{_digest(i)}"
    return stems
