"""US cancer centers that place HAI pumps, as a small table of typed-in facts.

``geodata/data/hai_centers.csv`` lists the centers (SPEC §1: "only about fifty US cancer centers
place these pumps") whose HAI program a checked public page confirms, with approximate campus
coordinates typed in by hand, not geocoded. Its ``source`` column cites, row by row, that page
(the hospital's HAI pump program page, or a news report of its program), most with a few quoted
words. Rows no checked page confirmed were removed from the shipped table, not kept as
``unverified:``; ``docs/centers.md`` lists them, why, and the pages that contradict a row. So the
shipped list is shorter than the real one: eight of the default footprint's 25 states + DC (AZ,
CO, DC, IN, MI, OR, UT, VA) have no listed center, and the synthetic generator refers their
patients to the nearest listed center, in a neighbouring state. Users can edit the file or pass
their own with the same columns; :func:`verified` tells a cited row from one marked
``unverified:`` in such a file.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from geodata.states import STATE_CODES

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

__all__ = ["hai_centers", "verified"]

_COLUMNS = ["center_id", "name", "city", "state", "lat", "lon", "source"]


def _read(fh: object, name: str) -> "pd.DataFrame":
    import pandas as pd

    df = pd.read_csv(fh, dtype=str, keep_default_na=False)  # type: ignore[arg-type]
    missing = [c for c in _COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"{name}: missing column(s) {', '.join(missing)}")
    df = df[_COLUMNS].copy()
    df["lat"] = pd.to_numeric(df["lat"], errors="raise")
    df["lon"] = pd.to_numeric(df["lon"], errors="raise")
    bad = sorted(set(df["state"]) - STATE_CODES)
    if bad:
        raise ValueError(f"{name}: unknown state code(s) {', '.join(bad)}")
    if not df["center_id"].is_unique:
        raise ValueError(f"{name}: duplicate center_id")
    return df


@lru_cache(maxsize=1)
def _default() -> "pd.DataFrame":
    ref = resources.files("geodata") / "data" / "hai_centers.csv"
    with ref.open("r", encoding="utf-8") as fh:
        return _read(fh, "geodata/data/hai_centers.csv")


def hai_centers(
    states: Iterable[str] | None = None, *, path: str | Path | None = None
) -> "pd.DataFrame":
    """Cancer centers that place HAI pumps.

    Parameters
    ----------
    states : iterable of str, optional
        Keep centers in these states (two-letter codes); all when omitted.
    path : str or Path, optional
        A CSV with the same columns to use instead of the shipped table.

    Returns
    -------
    pandas.DataFrame
        Columns ``center_id``, ``name``, ``city``, ``state``, ``lat``, ``lon``,
        ``source``, in file order. A fresh copy on every call.
    """
    if path is None:
        df = _default().copy()
    else:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            df = _read(fh, str(path))
    if states is not None:
        wanted = {str(s).strip().upper() for s in ([states] if isinstance(states, str) else states)}
        df = df[df["state"].isin(sorted(wanted))].reset_index(drop=True)
    return df


def verified(centers: "pd.DataFrame") -> "pd.Series":
    """Which centers' HAI programs a cited page confirms.

    Parameters
    ----------
    centers : pandas.DataFrame
        As :func:`hai_centers` returns it.

    Returns
    -------
    pandas.Series of bool
        ``True`` where the ``source`` cites a page (``http``) and does not start
        with ``unverified``.
    """
    text = centers["source"].astype(str).str.strip()
    return text.str.contains("http", regex=False) & ~text.str.lower().str.startswith("unverified")
