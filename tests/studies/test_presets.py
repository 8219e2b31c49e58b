"""Named rosters: the seed program's size (about 500 fills in two years, glycerin first) and the stress presets."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from geodata.travel import haversine_km
from optimizer import settings
from optimizer.studies.synth import presets
from optimizer.studies.synth.assumptions import SEED_CHEMO_FROM_DAY

AS_OF = dt.date(2026, 11, 20)


def _history(seed: int) -> pd.DataFrame:
    return presets.program_history(np.random.default_rng(np.random.SeedSequence([seed, 13])), as_of=AS_OF)


def test_about_500_fills_in_two_years_glycerin_first_then_chemo() -> None:
    counts = []
    for seed in range(6):
        h = _history(seed)
        counts.append(len(h))
        assert h["date"].between(AS_OF - dt.timedelta(days=730), AS_OF).all()
        assert all(d.weekday() < 5 for d in h["date"])  # fills on workdays
        first = h.groupby("patient").head(1)
        assert (first["infusate"] == "glycerin").all()  # every patient starts on glycerin
        day = (pd.to_datetime(h["date"]) - pd.Timestamp(AS_OF - dt.timedelta(days=730))).dt.days
        chemo = h["infusate"].isin(["floxuridine", "heparinized_saline"])
        assert not (chemo & (day < SEED_CHEMO_FROM_DAY)).any()  # chemo fills only in the second year
        assert chemo.sum() > 0.3 * len(h)
        # the alternation: each floxuridine fill is followed by heparinized saline
        assert (h.loc[h["infusate"] == "floxuridine", "next_infusate"] == "heparinized_saline").all()
        assert 380 <= len(h) <= 620, counts
    assert 430 <= np.mean(counts) <= 570, counts  # "over 500 home fills ... in its first two years"


@pytest.fixture(scope="module")
def seed_program() -> "presets.Synthetic":
    return presets.preset("seed_program", seed=0, as_of=AS_OF)


def test_seed_program_roster_is_the_history_end_in_one_region(seed_program) -> None:
    p, h = seed_program.patients, seed_program.history
    active = h[h["active"]]
    assert len(p) == active["patient"].nunique() > 10
    last = active.groupby("patient_id").tail(1).set_index("patient_id")
    assert (p.set_index("patient_id")["last_fill_date"] == last["date"]).all()
    assert (p.set_index("patient_id")["last_fill_infusate"] == last["infusate"]).all()
    # every window still open on as_of: the next fill is after it
    interval = p["prescribed_interval_days"].astype("Float64").fillna(
        p["last_fill_infusate"].map(settings.PRESCRIBED_INTERVAL_DAYS).astype(float))
    due = pd.to_datetime(p["last_fill_date"]) + pd.to_timedelta(interval.astype(int), unit="D")
    assert (due > pd.Timestamp(AS_OF)).all()
    assert set(p["state"]) <= {"MD", "NY", "OH", "PA", "WV"} and "PA" in set(p["state"])
    assert set(seed_program.origins["center_id"]) == {"AHN"}
    o = seed_program.origins
    km = haversine_km(o["home_lat"].to_numpy(), o["home_lon"].to_numpy(), 40.4571, -80.0031)
    assert np.median(km) < 250  # western PA and its neighbours
    assert len(seed_program.nurses) == presets.PRESETS["seed_program"].nurses


def test_stress_presets_beside_it() -> None:
    assert {"seed_program", "national", "rural", "large"} <= set(presets.PRESETS)
    rural = presets.preset("rural", seed=1, as_of=AS_OF)
    assert len(rural.patients) == presets.PRESETS["rural"].patients
    assert abs(rural.origins["rural"].mean() - 0.5) < 0.01
    assert presets.PRESETS["large"].patients == 1000
    with pytest.raises(ValueError, match="unknown preset"):
        presets.preset("huge", as_of=AS_OF)


def test_haiplan_synth_writes_a_preset_that_loads(tmp_path) -> None:
    from optimizer import api
    from optimizer.errors import UsageError
    from optimizer.io import load_roster

    api.synth(tmp_path / "seed", preset="seed_program", seed=2, as_of=AS_OF)
    roster = load_roster(tmp_path / "seed", as_of=AS_OF)
    assert len(roster.nurses) == presets.PRESETS["seed_program"].nurses and len(roster.patients) > 10
    assert {p.state for p in roster.patients} <= {"MD", "NY", "OH", "PA", "WV"}
    with pytest.raises(UsageError, match="unknown preset"):
        api.synth(tmp_path / "bad", preset="nope", as_of=AS_OF)
    assert not (tmp_path / "bad").exists()
