"""Write a synthetic roster as the SPEC §4 CSV files, byte-stable; move it into a bounding box."""

from __future__ import annotations

import csv
import math
import os
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

import geodata
from optimizer.errors import ArgumentError
from optimizer.studies.synth.assumptions import NURSE_COLUMNS, PATIENT_COLUMNS, TIME_OFF_COLUMNS
from optimizer.studies.synth.generate import Synthetic

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd


def _cell(value: object, column: str) -> str:
    """One CSV cell: empty for missing, ISO dates, true/false, 5-decimal coordinates."""
    import pandas as pd

    if value is None or value is pd.NA or (isinstance(value, (float, np.floating)) and math.isnan(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (float, np.floating)):
        if column in ("lat", "lon"):
            return f"{float(value):.5f}"
        text = f"{float(value):.2f}"
        return text[:-3] if text.endswith(".00") else text
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return str(value)


def _write_csv(df: "pd.DataFrame", columns: tuple[str, ...], path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(columns)
        for row in df[list(columns)].itertuples(index=False, name=None):
            writer.writerow([_cell(v, c) for v, c in zip(row, columns)])
    os.replace(tmp, path)


def write(synthetic: Synthetic, out_dir: str | Path) -> dict[str, Path]:
    """Write ``patients.csv``, ``nurses.csv`` and ``time_off.csv`` (SPEC §4).

    Empty cells mean the contract's default; dates are ISO; booleans
    ``true``/``false``; coordinates have 5 decimals; ``state_licenses`` is
    ``;``-separated. Each file is written to a temporary name and renamed.

    Parameters
    ----------
    synthetic : Synthetic
        From :func:`generate`.
    out_dir : str or Path
        Created if missing.

    Returns
    -------
    dict of str to Path
        ``{"patients": ..., "nurses": ..., "time_off": ...}``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"patients": out / "patients.csv", "nurses": out / "nurses.csv", "time_off": out / "time_off.csv"}
    _write_csv(synthetic.patients, PATIENT_COLUMNS, paths["patients"])
    _write_csv(synthetic.nurses, NURSE_COLUMNS, paths["nurses"])
    _write_csv(synthetic.time_off, TIME_OFF_COLUMNS, paths["time_off"])
    return paths


def localize(synthetic: Synthetic, *, bbox: tuple[float, float, float, float], seed: int = 0) -> Synthetic:
    """Move every patient and nurse of ``synthetic`` into ``bbox`` (west, south, east, north).

    Homes are drawn around the populated places inside the box, weighted by
    population (a few km of jitter, clipped to the box), so a roster can be
    planned on a local road graph such as an OSM extract of one city. Locations
    become lat/lon (no ZIP-only rows); states are re-derived from the new points.
    """
    west, south, east, north = bbox
    if not (west < east and south < north):
        raise ArgumentError(f"bad bbox {bbox!r}: need west < east and south < north")
    rng = np.random.default_rng([seed, 0xB0B])
    pl = geodata.places(min_population=1000)
    pl = pl[(pl.lon > west) & (pl.lon < east) & (pl.lat > south) & (pl.lat < north)]
    if pl.empty:
        raise ArgumentError(f"no populated place inside {bbox!r} (west, south, east, north)")
    weights = pl["population"].to_numpy(float)
    p = weights / weights.sum()

    def draw(n: int) -> tuple[np.ndarray, np.ndarray]:
        idx = rng.choice(len(pl), size=n, p=p)
        lat = pl["lat"].to_numpy()[idx] + rng.normal(0, 0.03, n)
        lon = pl["lon"].to_numpy()[idx] + rng.normal(0, 0.04, n)
        pad_y, pad_x = 0.05 * (north - south), 0.05 * (east - west)
        return (np.round(np.clip(lat, south + pad_y, north - pad_y), 5),
                np.round(np.clip(lon, west + pad_x, east - pad_x), 5))

    patients, nurses = synthetic.patients.copy(), synthetic.nurses.copy()
    patients["lat"], patients["lon"] = draw(len(patients))
    nurses["lat"], nurses["lon"] = draw(len(nurses))
    patients["zip"] = None
    patients["state"] = geodata.states_of(patients["lat"].to_numpy(), patients["lon"].to_numpy())
    homes = geodata.states_of(nurses["lat"].to_numpy(), nurses["lon"].to_numpy())
    nurses["home_state"] = homes
    if "zip" in nurses.columns:
        nurses["zip"] = None
    return Synthetic(patients=patients, nurses=nurses, time_off=synthetic.time_off, origins=synthetic.origins,
                     as_of=synthetic.as_of, plan_start=synthetic.plan_start, seed=synthetic.seed,
                     states=tuple(sorted(set(homes) | set(patients["state"]))))
