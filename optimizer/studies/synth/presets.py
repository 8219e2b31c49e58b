"""Named rosters: the seed program's size beside stress tests (issue 13 item 4).

``seed_program``
    A program the size of the seed one (SPEC §1: "over 500 home fills ... in its
    first two years, starting with glycerin fills and then chemotherapy
    fills"), in one region: patients referred to Allegheny Health Network
    (Pittsburgh) in western Pennsylvania and the neighbouring states. Its two
    years are simulated (:func:`program_history`): patients join month by
    month, every patient starts on glycerin, chemotherapy fills begin in the
    second year, when patients on glycerin move to the floxuridine /
    heparinized saline alternation for a four-to-six-month course and back.
    The roster is the patients in service at the end, each with the last fill
    of that history.
``national``
    The built-in demo's size: 300 patients, 35 nurses, 25 states + DC.
``rural``
    Stress: half the patients rural (small places and countryside of sparse
    counties), few nurses.
``large``
    Stress: the national benchmark's 1,000 patients and 125 nurses.

:func:`preset` draws one; :data:`PRESETS` lists them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np

from optimizer.studies.synth.assumptions import (GLYCERIN_SHORT_INTERVAL_SHARE, SEED_ARRIVALS_PER_MONTH,
                                                 SEED_CHEMO_COURSE_FILLS, SEED_CHEMO_FROM_DAY, SEED_MEAN_STAY_DAYS,
                                                 SEED_SWITCH_TO_CHEMO)
from optimizer.studies.synth.generate import Synthetic, generate

if TYPE_CHECKING:  # pragma: no cover - typing only
    import pandas as pd

__all__ = ["Preset", "PRESETS", "preset", "program_history"]

#: The seed program's two years.
HISTORY_DAYS = 730
_CHEMO = ("floxuridine", "heparinized_saline")


@dataclass(frozen=True)
class Preset:
    """Arguments of :func:`optimizer.studies.synth.generate` under a name.

    Attributes
    ----------
    name, description : str
    patients, nurses : int
        Roster size (``patients`` is ignored when ``history`` is set: the
        patients in service at the end of the history).
    states : tuple of str or None
        Footprint (``None``: the default 25 states + DC).
    centers : tuple of str or None
        Patients are referred to these HAI centers only.
    rural_share : float or None
    chemo_share : float
    history : bool
        Simulate the program's two years of fills (:func:`program_history`).
    """

    name: str
    description: str
    patients: int
    nurses: int
    states: tuple[str, ...] | None = None
    centers: tuple[str, ...] | None = None
    rural_share: float | None = None
    chemo_share: float = 0.6
    history: bool = False


PRESETS: Mapping[str, Preset] = {
    "seed_program": Preset(
        "seed_program", "the seed program's size: about 500 fills in two years, glycerin first, then chemo; "
        "western PA and neighbours (referrals to AHN)", patients=0, nurses=5,
        states=("MD", "NY", "OH", "PA", "WV"), centers=("AHN",), chemo_share=0.6, history=True),
    "national": Preset("national", "the built-in demo's size: 300 patients, 35 nurses, 25 states + DC",
                       patients=300, nurses=35),
    "rural": Preset("rural", "stress: half the patients rural, one nurse per 10 patients", patients=240,
                    nurses=24, rural_share=0.5),
    "large": Preset("large", "stress: 1,000 patients, 125 nurses (the national benchmark)", patients=1000,
                    nurses=125),
}


def _workday_on_or_before(day: int, start: date) -> int:
    """``day`` (days from ``start``) moved back to a Monday–Friday."""
    weekday = (start + timedelta(days=day)).weekday()
    return day - max(0, weekday - 4)


def program_history(rng: np.random.Generator, *, as_of: date) -> "pd.DataFrame":
    """Two years of home fills of a program like the seed one, ending on ``as_of``.

    Parameters
    ----------
    rng : numpy.random.Generator
    as_of : date
        The last day of the history.

    Returns
    -------
    pandas.DataFrame
        One row per fill: ``patient`` (0, 1, ... by arrival), ``date``,
        ``infusate``, ``interval_days`` (to the next fill), ``next_infusate``
        and ``active`` (the patient is still in service on ``as_of``). Fills on
        workdays; a fill's date plus its interval minus one is the next fill.
    """
    import pandas as pd

    start = as_of - timedelta(days=HISTORY_DAYS)
    lo, hi = SEED_ARRIVALS_PER_MONTH
    months = HISTORY_DAYS / 30.4
    rows: list[tuple[int, int, str, int, str]] = []
    active: dict[int, bool] = {}
    arrivals = [(m, int(k)) for m, k in enumerate(rng.poisson(np.linspace(lo, hi, int(np.ceil(months)))))]
    pid = 0
    for month, count in arrivals:
        for day0 in sorted(rng.uniform(month * 30.4, (month + 1) * 30.4, size=count)):
            first = _workday_on_or_before(int(day0), start)
            if not 0 <= first <= HISTORY_DAYS:
                continue
            leave = first + rng.exponential(SEED_MEAN_STAY_DAYS)
            rows.extend((pid, *fill) for fill in _patient_fills(rng, first, leave, start))
            active[pid] = leave > HISTORY_DAYS
            pid += 1
    df = pd.DataFrame(rows, columns=["patient", "day", "infusate", "interval_days", "next_infusate"])
    df["date"] = [start + timedelta(days=int(d)) for d in df["day"]]
    df["active"] = df["patient"].map(active).astype(bool)
    return df[["patient", "date", "infusate", "interval_days", "next_infusate", "active"]]


def _patient_fills(rng: np.random.Generator, first: int, leave: float,
                   start: date) -> list[tuple[int, str, int, str]]:
    """(day, infusate, interval, next infusate) of one patient's fills from ``first`` until ``leave`` or the end."""
    out: list[tuple[int, str, int, str]] = []
    day, infusate, course = first, "glycerin", 0
    short = rng.random() < GLYCERIN_SHORT_INTERVAL_SHARE
    while day <= min(leave, HISTORY_DAYS):
        interval = (28 if short else 42) if infusate == "glycerin" else 14
        now = infusate
        if infusate == "glycerin":
            if day >= SEED_CHEMO_FROM_DAY and rng.random() < SEED_SWITCH_TO_CHEMO:
                infusate, course = "floxuridine", int(rng.integers(*SEED_CHEMO_COURSE_FILLS))
        else:
            course -= 1
            infusate = "glycerin" if course <= 0 and now == _CHEMO[1] else _CHEMO[1 - _CHEMO.index(now)]
        out.append((day, now, interval, infusate))
        day = _workday_on_or_before(day + interval - 1, start)
    return out


def preset(name: str, *, seed: int = 0, as_of: date, plan_start: date | None = None) -> Synthetic:
    """Draw the named roster (:data:`PRESETS`).

    Parameters
    ----------
    name : str
        A key of :data:`PRESETS`.
    seed : int, default 0
    as_of : date
    plan_start : date, optional

    Returns
    -------
    Synthetic
        For a preset with a history, ``history`` holds its fills (see
        :func:`program_history`; ``patient_id`` added for those in service).

    Raises
    ------
    ValueError
        For an unknown name.
    """
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    p = PRESETS[name]
    if not p.history:
        return generate(p.patients, p.nurses, seed=seed, states=p.states, as_of=as_of, plan_start=plan_start,
                        rural_share=p.rural_share, chemo_share=p.chemo_share, centers=p.centers)
    history = program_history(np.random.default_rng(np.random.SeedSequence([seed, 13])), as_of=as_of)
    last = history[history["active"]].groupby("patient").tail(1).reset_index(drop=True)
    data = generate(len(last), p.nurses, seed=seed, states=p.states, as_of=as_of, plan_start=plan_start,
                    rural_share=p.rural_share, chemo_share=p.chemo_share, centers=p.centers)
    return _with_history(data, history, last)


def _with_history(data: Synthetic, history: "pd.DataFrame", last: "pd.DataFrame") -> Synthetic:
    """The roster with each patient's last fill taken from ``history``."""
    import pandas as pd

    patients = data.patients.copy()
    ids = patients["patient_id"].tolist()
    patients["last_fill_date"] = pd.Series(last["date"].tolist(), dtype=object)
    patients["last_fill_infusate"] = last["infusate"].astype(object).to_numpy()
    protocol = {"floxuridine": "heparinized_saline", "heparinized_saline": "floxuridine", "glycerin": "glycerin"}
    nxt = [n if isinstance(n, str) and n != protocol[i] else None
           for i, n in zip(last["infusate"], last["next_infusate"])]
    patients["next_infusate"] = pd.Series(nxt, dtype=object)
    patients["prescribed_interval_days"] = pd.array(
        [28 if i == "glycerin" and d == 28 else None for i, d in zip(last["infusate"], last["interval_days"])],
        dtype="Int64")
    patients["last_fill_volume_ml"] = np.nan
    patients["active"] = None
    hist = history.copy()
    hist["patient_id"] = hist["patient"].map(dict(zip(last["patient"], ids)))
    return replace(data, patients=patients, history=hist)
