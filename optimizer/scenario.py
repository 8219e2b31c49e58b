"""Scenario files (YAML, validated with pydantic): what data, horizon, travel and solver.

Every error names the file and the key. ``scenarios/demo.yaml`` is the built-in
demo. Expansion and simulation settings extend this schema.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from optimizer.errors import DataError, Problem

__all__ = ["Scenario", "load_scenario", "DEMO_SCENARIO"]

REPO_SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
DEMO_SCENARIO = REPO_SCENARIOS / "demo.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SyntheticData(_Strict):
    patients: int = Field(300, ge=1, le=100_000)
    nurses: int = Field(35, ge=1, le=20_000)
    seed: int = 0
    states: list[str] | None = None
    chemo_share: float = Field(0.6, ge=0, le=1)


class DataSpec(_Strict):
    dir: Path | None = None
    synthetic: SyntheticData | None = None

    @model_validator(mode="after")
    def _one(self) -> "DataSpec":
        if (self.dir is None) == (self.synthetic is None):
            raise ValueError("give exactly one of 'dir' or 'synthetic'")
        return self


class HorizonSpec(_Strict):
    start: dt.date | None = None  # default: the next Monday after as_of
    days: int = Field(14, ge=1, le=28)


class TravelSpec(_Strict):
    provider: Literal["haversine", "road"] = "haversine"
    osm_file: Path | None = None
    options: dict[str, Any] = Field(default_factory=dict)


class SolverSpec(_Strict):
    backend: Literal["ortools", "pyvrp", "greedy"] = "ortools"
    time_limit: float = Field(30.0, gt=0)
    max_iterations: int | None = Field(None, ge=1)
    seed: int = 0
    workers: int = Field(2, ge=1, le=64)


class WindowSpec(_Strict):
    early_days: dict[str, int] | None = None
    late_days: int | None = None
    margin_days: int | None = None
    glycerin_flow_factor: float | None = Field(None, gt=0, le=1)


class Scenario(_Strict):
    name: str
    description: str = ""
    data: DataSpec
    as_of: dt.date | None = None
    horizon: HorizonSpec = HorizonSpec()
    travel: TravelSpec = TravelSpec()
    solver: SolverSpec = SolverSpec()
    windows: WindowSpec = WindowSpec()
    extra: dict[str, Any] = Field(default_factory=dict)  # sections owned by other modules
    source: Path | None = None

    def window_rules(self):
        from optimizer.windows import WindowRules

        rules = WindowRules()
        w = self.windows
        changes: dict[str, Any] = {}
        if w.early_days:
            changes["early_days"] = w.early_days
        if w.late_days is not None:
            changes["late_days"] = w.late_days
        if w.margin_days is not None:
            changes["margin_days"] = w.margin_days
        if w.glycerin_flow_factor is not None:
            changes["flow_factor"] = {"glycerin": w.glycerin_flow_factor}
        return rules.with_(**changes) if changes else rules


_OWN_KEYS = set(Scenario.model_fields) - {"extra", "source"}


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; :class:`DataError` names file and key of every problem."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError([Problem(str(path), None, None, "scenario file not found")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise DataError([Problem(str(path), mark.line + 1 if mark else None, None,
                                 f"not valid YAML: {exc}")]) from None
    if not isinstance(raw, dict):
        raise DataError([Problem(str(path), None, None, "a scenario is a mapping of keys")])
    own = {k: v for k, v in raw.items() if k in _OWN_KEYS}
    extra = {k: v for k, v in raw.items() if k not in _OWN_KEYS}
    try:
        sc = Scenario(**own, extra=extra, source=path)
    except ValidationError as exc:
        raise DataError([
            Problem(str(path), None, ".".join(str(x) for x in e["loc"]), e["msg"]) for e in exc.errors()
        ]) from None
    if sc.data.dir is not None and not sc.data.dir.is_absolute():
        sc = sc.model_copy(update={"data": DataSpec(dir=(path.parent / sc.data.dir).resolve())})
    return sc
