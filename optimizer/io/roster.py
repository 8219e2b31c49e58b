"""Load patients, nurses and time off (SPEC §4) into a validated :class:`Roster`.

Every problem of every file is collected and raised together as one
:class:`~optimizer.errors.DataError`; nothing is returned half-valid.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from optimizer import settings
from optimizer.domain import Infusate, Nurse, Patient, Roster, TimeOff, minutes_of
from optimizer.errors import DataError, Problem, ProblemCollector
from optimizer.io import _fields as F
from optimizer.io._table import SUFFIXES, RawTable, read_table

__all__ = ["load_roster", "find_table", "PATIENT_COLUMNS", "NURSE_COLUMNS", "TIME_OFF_COLUMNS"]

PATIENT_COLUMNS = (
    "patient_id", "lat", "lon", "zip", "state", "reservoir_ml", "flow_ml_per_day",
    "last_fill_date", "last_fill_infusate", "last_fill_volume_ml", "next_infusate",
    "prescribed_interval_days", "visit_minutes", "earliest_arrival", "latest_arrival",
    "preferred_nurse_id", "active",
)
NURSE_COLUMNS = (
    "nurse_id", "lat", "lon", "zip", "home_state", "multistate_license", "state_licenses",
    "hai_certified", "chemo_certified", "workdays", "shift_start", "shift_end",
    "max_visits_per_day", "max_drive_minutes_one_way", "max_overtime_minutes", "hourly_cost",
    "break_minutes",
)
TIME_OFF_COLUMNS = ("nurse_id", "date")
_REQUIRED = {
    "patients": ("patient_id", "flow_ml_per_day", "last_fill_date", "last_fill_infusate"),
    "nurses": ("nurse_id",),
    "time_off": ("nurse_id", "date"),
}
_INFUSATES = ", ".join(i.value for i in Infusate)


def find_table(data_dir: Path, name: str, *, required: bool = True) -> Path | None:
    """The file for table ``name`` in ``data_dir`` (``name.csv``, ``.parquet``, ``.xlsx``)."""
    found = [data_dir / f"{name}{s}" for s in SUFFIXES if (data_dir / f"{name}{s}").exists()]
    if len(found) > 1:
        raise DataError([Problem(str(data_dir), None, None,
                                 f"several files for {name}: {', '.join(p.name for p in found)}; keep one")])
    if not found:
        if required:
            raise DataError([Problem(str(data_dir), None, None,
                                     f"no {name}.csv (or .parquet/.xlsx) in this folder")])
        return None
    return found[0]


class _Row:
    """Parses the cells of one row, recording located problems instead of raising."""

    def __init__(self, table: RawTable, index: int, errors: ProblemCollector):
        self.values = table.rows[index]
        self.number = RawTable.row_number(index)
        self.errors = errors
        self.ok = True

    def text(self, column: str) -> str:
        return self.values.get(column, "").strip()

    def get(self, column: str, parse: Callable[[str], object], default: object = None,
            *, required: bool = False) -> object:
        text = self.text(column)
        if not text:
            if required:
                self.fail(column, "required value is empty")
            return default
        try:
            return parse(text)
        except ValueError as exc:
            self.fail(column, str(exc))
            return default

    def fail(self, column: str | None, message: str) -> None:
        self.errors.add(self.number, column, message)
        self.ok = False


def _check_columns(table: RawTable, kind: str, errors: ProblemCollector) -> None:
    for col in _REQUIRED[kind]:
        if col not in table.columns:
            errors.add(1, col, "required column is missing")
    dupes = [c for c, n in Counter(table.columns).items() if n > 1 and c]
    for col in dupes:
        errors.add(1, col, "column appears more than once")
    if kind in ("patients", "nurses"):
        has_ll = "lat" in table.columns and "lon" in table.columns
        if not has_ll and "zip" not in table.columns:
            errors.add(1, "lat", "need lat and lon columns, or a zip column")
    if not any(table.rows) and kind != "time_off":
        errors.add(2, None, "no data rows (the file has only a header)")


def _rows(table: RawTable, kind: str, errors: ProblemCollector) -> list[_Row]:
    """The non-empty rows of ``table``; none when its columns already have problems."""
    _check_columns(table, kind, errors)
    if errors.problems:
        return []
    return [_Row(table, i, errors) for i, values in enumerate(table.rows) if values]


def _unique_id(row: _Row, column: str, seen: dict[str, int]) -> str | None:
    """The row's required ``column`` id; a repeat of an id in ``seen`` fails the row."""
    value = row.get(column, F.parse_id, required=True)
    if value is not None:
        if value in seen:
            row.fail(column, f"duplicate {column} {value!r} (first on row {seen[value]})")
        else:
            seen[value] = row.number
    return value


def _location(row: _Row, table: str, *, zip_lookup, what: str) -> tuple[float, float, str | None, str | None] | None:
    """(lat, lon, zip, zip_state) from lat/lon or a ZIP centroid; records problems."""
    lat_t, lon_t = row.text("lat"), row.text("lon")
    zip5 = row.get("zip", F.parse_zip)
    if lat_t or lon_t:
        lat = row.get("lat", F.ranged(table, "lat"), required=True)
        lon = row.get("lon", F.ranged(table, "lon"), required=True)
        if lat is None or lon is None:
            return None
        return float(lat), float(lon), zip5, None
    if zip5 is None:
        if not row.text("zip"):
            row.fail("lat", f"{what} location missing: give lat and lon, or zip")
        return None
    hit = zip_lookup(zip5)
    if hit is None:
        row.fail("zip", f"unknown ZIP code {zip5}")
        return None
    return hit[0], hit[1], zip5, hit[2]


def _resolve_states(
    rows: list[tuple[_Row, tuple[float, float, str | None, str | None]]],
    given_column: str,
    states_of,
    state_codes: frozenset[str],
) -> list[str | None]:
    """State of every located row: derived by point-in-polygon, checked against the given one."""
    import numpy as np

    if not rows:
        return []
    lats = np.array([loc[0] for _, loc in rows])
    lons = np.array([loc[1] for _, loc in rows])
    derived = states_of(lats, lons)
    out: list[str | None] = []
    for (row, loc), found in zip(rows, derived):
        given = row.text(given_column).upper()
        if given and given not in state_codes:
            row.fail(given_column, f"unknown state code {F.shown(row.text(given_column))}")
            out.append(None)
            continue
        if found is None:
            where = "zip" if not (row.text("lat") or row.text("lon")) else "lat"
            row.fail(where, f"location ({loc[0]:.2f}, {loc[1]:.2f}) is outside the US states and DC")
            out.append(None)
            continue
        if given and given != found:
            row.fail(given_column, f"state {given} does not match the location, which is in {found}")
            out.append(None)
            continue
        out.append(str(found))
    return out


def _with_states(parsed: list[tuple[_Row, dict]], located: list[tuple[_Row, tuple]], given_column: str,
                 geo) -> list[tuple[str, dict]]:
    """(state, fields) of every parsed row still valid once the states of ``located`` are resolved."""
    states = _resolve_states(located, given_column, geo.states_of, geo.STATE_CODES)
    state_by_row = {row.number: s for (row, _), s in zip(located, states)}
    return [(state_by_row[row.number], fields) for row, fields in parsed
            if row.ok and state_by_row.get(row.number)]


def _load_patients(table: RawTable, *, as_of: dt.date, nurse_ids: set[str] | None,
                   geo, errors: ProblemCollector) -> list[Patient]:
    seen: dict[str, int] = {}
    parsed: list[tuple[_Row, dict]] = []
    located: list[tuple[_Row, tuple]] = []
    for row in _rows(table, "patients", errors):
        pid = _unique_id(row, "patient_id", seen)
        loc = _location(row, "patients", zip_lookup=geo.zip_centroid, what="home")
        reservoir = row.get("reservoir_ml", F.ranged("patients", "reservoir_ml"), settings.RESERVOIR_ML)
        flow = row.get("flow_ml_per_day", F.ranged("patients", "flow_ml_per_day"), required=True)
        last = row.get("last_fill_date", _dated("patients", "last_fill_date", as_of), required=True)
        infusate = row.get("last_fill_infusate", _infusate, required=True)
        volume = row.get("last_fill_volume_ml", F.ranged("patients", "last_fill_volume_ml"))
        if volume is not None and reservoir is not None and volume > reservoir:
            row.fail("last_fill_volume_ml", f"{volume:g} mL exceeds the reservoir ({reservoir:g} mL)")
        nxt = row.get("next_infusate", _infusate)
        interval = row.get("prescribed_interval_days", F.ranged("patients", "prescribed_interval_days"))
        visit = row.get("visit_minutes", F.ranged("patients", "visit_minutes"))
        early = row.get("earliest_arrival", F.parse_hhmm, F.parse_hhmm(settings.EARLIEST_ARRIVAL))
        late = row.get("latest_arrival", F.parse_hhmm, F.parse_hhmm(settings.LATEST_ARRIVAL))
        if early is not None and late is not None and late < early:
            row.fail("latest_arrival", f"latest_arrival {late:%H:%M} is before earliest_arrival {early:%H:%M}")
        preferred = row.get("preferred_nurse_id", F.parse_id)
        if preferred is not None and nurse_ids is not None and preferred not in nurse_ids:
            row.fail("preferred_nurse_id", f"no nurse with nurse_id {preferred!r} in nurses")
        active = row.get("active", F.parse_bool, True)
        if loc is not None:
            located.append((row, loc))
        if not row.ok:
            continue
        nxt = nxt if nxt is not None else infusate.next_by_protocol()
        parsed.append((row, dict(
            patient_id=pid, lat=loc[0], lon=loc[1], zip=loc[2],
            reservoir_ml=reservoir, flow_ml_per_day=flow, last_fill_date=last,
            last_fill_infusate=infusate, last_fill_volume_ml=volume if volume is not None else reservoir,
            next_infusate=nxt,
            prescribed_interval_days=interval if interval is not None
            else settings.PRESCRIBED_INTERVAL_DAYS[infusate.value],
            visit_minutes=visit if visit is not None else settings.VISIT_MINUTES
            + (settings.FLOXURIDINE_EXTRA_MINUTES if nxt is Infusate.FLOXURIDINE else 0),
            earliest_arrival=early, latest_arrival=late, preferred_nurse_id=preferred,
            active=active,
        )))
    return [Patient(state=state, **fields) for state, fields in _with_states(parsed, located, "state", geo)]


def _infusate(text: str) -> Infusate:
    try:
        return Infusate(text.strip().lower())
    except ValueError:
        raise ValueError(f"unknown infusate {F.shown(text)} (use one of: {_INFUSATES})") from None


def _dated(table: str, column: str, as_of: dt.date) -> Callable[[str], dt.date]:
    """Parser of a date column that enforces its range around ``as_of``."""
    return lambda text: F.check_date(F.parse_date(text), table=table, column=column, as_of=as_of)


def _licenses(codes: frozenset[str]) -> Callable[[str], frozenset[str]]:
    def parse(text: str) -> frozenset[str]:
        states = [s.strip().upper() for s in text.replace(",", ";").split(";") if s.strip()]
        bad = [s for s in states if s not in codes]
        if bad:
            raise ValueError(f"unknown state code(s) {F.shown(', '.join(bad))}")
        return frozenset(states)
    return parse


def _load_nurses(table: RawTable, *, geo, errors: ProblemCollector) -> list[Nurse]:
    seen: dict[str, int] = {}
    parsed: list[tuple[_Row, dict]] = []
    located: list[tuple[_Row, tuple]] = []
    for row in _rows(table, "nurses", errors):
        nid = _unique_id(row, "nurse_id", seen)
        loc = _location(row, "nurses", zip_lookup=geo.zip_centroid, what="home base")
        fields = dict(
            nurse_id=nid,
            multistate_license=row.get("multistate_license", F.parse_bool, False),
            state_licenses=row.get("state_licenses", _licenses(geo.STATE_CODES), frozenset()),
            hai_certified=row.get("hai_certified", F.parse_bool, True),
            chemo_certified=row.get("chemo_certified", F.parse_bool, False),
            workdays=row.get("workdays", F.parse_weekdays, F.parse_weekdays(settings.WORKDAYS)),
            shift_start=row.get("shift_start", F.parse_hhmm, F.parse_hhmm(settings.SHIFT_START)),
            shift_end=row.get("shift_end", F.parse_hhmm, F.parse_hhmm(settings.SHIFT_END)),
            max_visits_per_day=row.get("max_visits_per_day", F.ranged("nurses", "max_visits_per_day"),
                                       settings.MAX_VISITS_PER_DAY),
            max_drive_minutes_one_way=row.get("max_drive_minutes_one_way",
                                              F.ranged("nurses", "max_drive_minutes_one_way"),
                                              settings.MAX_DRIVE_MINUTES_ONE_WAY),
            max_overtime_minutes=row.get("max_overtime_minutes", F.ranged("nurses", "max_overtime_minutes"),
                                         settings.MAX_OVERTIME_MINUTES),
            hourly_cost=row.get("hourly_cost", F.ranged("nurses", "hourly_cost"), settings.HOURLY_COST),
        )
        row.get("break_minutes", F.ranged("nurses", "break_minutes"))  # checked; not yet planned
        start, end = fields["shift_start"], fields["shift_end"]
        if start is not None and end is not None and end <= start:
            row.fail("shift_end", f"shift_end {end:%H:%M} is not after shift_start {start:%H:%M}")
        elif start is not None and end is not None and minutes_of(end) - minutes_of(start) > F.MAX_SHIFT_HOURS * 60:
            row.fail("shift_end", f"shift {start:%H:%M}-{end:%H:%M} is longer than {F.MAX_SHIFT_HOURS} hours")
        if loc is not None:
            located.append((row, loc))
        if row.ok and loc is not None:
            fields.update(lat=loc[0], lon=loc[1], zip=loc[2])
            parsed.append((row, fields))
    return [Nurse(home_state=state, **fields) for state, fields in _with_states(parsed, located, "home_state", geo)]


def _load_time_off(table: RawTable, *, as_of: dt.date, nurse_ids: set[str] | None,
                   errors: ProblemCollector) -> list[TimeOff]:
    out = []
    for row in _rows(table, "time_off", errors):
        nid = row.get("nurse_id", F.parse_id, required=True)
        if nid is not None and nurse_ids is not None and nid not in nurse_ids:
            row.fail("nurse_id", f"no nurse with nurse_id {nid!r} in nurses")
        day = row.get("date", _dated("time_off", "date", as_of), required=True)
        if row.ok:
            out.append(TimeOff(nid, day))
    return out


def _read(path: Path, kind: str, errors: ProblemCollector, expected: tuple[str, ...]) -> RawTable | None:
    try:
        return read_table(path, sheet=kind, expected=set(expected))
    except DataError as exc:
        errors.extend(exc.problems)
        return None


def load_roster(data_dir: str | Path, *, as_of: dt.date | None = None) -> Roster:
    """Load ``patients``, ``nurses`` and optional ``time_off`` tables from ``data_dir``.

    Parameters
    ----------
    data_dir
        Folder with ``patients.csv``, ``nurses.csv`` and optionally ``time_off.csv``
        (or ``.parquet`` / ``.xlsx`` with a sheet named like the table).
    as_of
        The data date: a ``last_fill_date`` after it is an error, and every date must lie
        within its range around it (``_fields.DATE_RANGES``). Defaults to today.

    Raises
    ------
    DataError
        With every problem of every file, each naming file, row and column.
    """
    import geodata

    data_dir = Path(data_dir)
    as_of = as_of or dt.date.today()
    problems: list[Problem] = []
    paths = {}
    for kind in ("patients", "nurses", "time_off"):
        try:
            paths[kind] = find_table(data_dir, kind, required=kind != "time_off")
        except DataError as exc:
            problems.extend(exc.problems)
    n_err = ProblemCollector(paths["nurses"].name if paths.get("nurses") else "nurses")
    nurses: list[Nurse] = []
    nurse_ids: set[str] | None = None
    if paths.get("nurses"):
        table = _read(paths["nurses"], "nurses", n_err, NURSE_COLUMNS)
        if table is not None:
            nurses = _load_nurses(table, geo=geodata, errors=n_err)
            if "nurse_id" in table.columns:  # checks cross-references even when rows are bad
                nurse_ids = {r.get("nurse_id", "").strip() for r in table.rows if r}
    p_err = ProblemCollector(paths["patients"].name if paths.get("patients") else "patients")
    patients: list[Patient] = []
    if paths.get("patients"):
        table = _read(paths["patients"], "patients", p_err, PATIENT_COLUMNS)
        if table is not None:
            patients = _load_patients(table, as_of=as_of, nurse_ids=nurse_ids, geo=geodata, errors=p_err)
    t_err = ProblemCollector(paths["time_off"].name if paths.get("time_off") else "time_off")
    time_off: list[TimeOff] = []
    if paths.get("time_off"):
        table = _read(paths["time_off"], "time_off", t_err, TIME_OFF_COLUMNS)
        if table is not None:
            time_off = _load_time_off(table, as_of=as_of, nurse_ids=nurse_ids, errors=t_err)
    problems += p_err.problems + n_err.problems + t_err.problems
    if problems:
        raise DataError(problems)
    return Roster(tuple(patients), tuple(nurses), frozenset(time_off))
