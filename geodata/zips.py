"""ZIP code centroids from the ``zipcodes`` package (offline, bundled data).

The package lists about 42,800 ZIP codes with a centroid, a state and a type
(``STANDARD``, ``PO BOX``, ``UNIQUE``, ``MILITARY``). We build a dictionary once
and answer lookups from it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

__all__ = ["normalize_zip", "zip_centroid", "zips_table"]

_ZIP_RE = re.compile(r"^(\d{3,5})(?:-\d{4})?$")


def normalize_zip(text: object) -> str | None:
    """The 5-digit form of a ZIP code, or ``None`` when it is not one.

    Accepts ``"10001"``, ``"10001-1234"`` (ZIP+4) and 3–4 digit strings
    whose leading zeros a spreadsheet dropped (``"6510"`` → ``"06510"``).

    Parameters
    ----------
    text : object
        The value as read from a file.

    Returns
    -------
    str or None
    """
    if text is None:
        return None
    match = _ZIP_RE.match(str(text).strip())
    return match.group(1).zfill(5) if match else None


@lru_cache(maxsize=1)
def _centroids() -> dict[str, tuple[float, float, str]]:
    import zipcodes

    out: dict[str, tuple[float, float, str]] = {}
    for rec in zipcodes.list_all():
        try:
            lat, lon = float(rec["lat"]), float(rec["long"])
        except (TypeError, ValueError):
            continue
        if lat == 0.0 and lon == 0.0:  # placeholder: no centroid known (APO/DPO, some PO boxes)
            continue
        out[rec["zip_code"]] = (lat, lon, rec["state"])
    return out


def zip_centroid(zip5: str) -> tuple[float, float, str] | None:
    """Centroid and state of a ZIP code.

    Parameters
    ----------
    zip5 : str
        A 5-digit ZIP code (ZIP+4 and dropped leading zeros are accepted, see
        :func:`normalize_zip`).

    Returns
    -------
    tuple of (float, float, str) or None
        ``(lat, lon, state)`` as the ``zipcodes`` package gives them (the state
        may be a territory or a military code such as ``"PR"`` or ``"AE"``),
        ``None`` for an unknown ZIP and for the few the package lists
        without a location (its placeholder centroid 0, 0).

    Examples
    --------
    >>> zip_centroid("10001")
    (40.7484, -73.9967, 'NY')
    """
    key = normalize_zip(zip5)
    return None if key is None else _centroids().get(key)


def zips_table() -> "pd.DataFrame":
    """Every ZIP code with its centroid.

    Returns
    -------
    pandas.DataFrame
        Columns ``zip``, ``lat``, ``lon``, ``state``, ``city``, ``type``,
        ``active``; sorted by ZIP; ZIP codes without a location are left
        out. A fresh copy on every call.
    """
    return _zips_table().copy()


@lru_cache(maxsize=1)
def _zips_table() -> "pd.DataFrame":
    import pandas as pd
    import zipcodes

    rows = []
    for rec in zipcodes.list_all():
        try:
            lat, lon = float(rec["lat"]), float(rec["long"])
        except (TypeError, ValueError):
            continue
        if lat == 0.0 and lon == 0.0:
            continue
        rows.append(
            (rec["zip_code"], lat, lon, rec["state"], rec["city"], rec["zip_code_type"], bool(rec["active"]))
        )
    df = pd.DataFrame(rows, columns=["zip", "lat", "lon", "state", "city", "type", "active"])
    return df.sort_values("zip", ignore_index=True)
