"""Load the input tables (SPEC §4) into a validated :class:`Roster`, with a :class:`LoadReport`.

``DATA`` is a folder of tables (``patients.csv`` or ``Patients.xlsx``…, file names
case-insensitive) or one Excel workbook with a sheet per table (a ``.xlsx`` path, or a
folder holding a single workbook). Every problem of every table is collected and raised
together as one :class:`~optimizer.errors.DataError`; nothing is returned half-valid.
Unknown columns and assumed values do not fail the load; they go to the report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

import geodata
from optimizer import settings
from optimizer.domain import Infusate, Nurse, Patient, Roster, TimeOff, minutes_of
from optimizer.errors import DataError, Problem, ProblemCollector
from optimizer.io import _fields as F
from optimizer.io._rows import Row, dated, not_in, rows_of, unique_id
from optimizer.io._table import SUFFIXES, RawTable, read_table, sheet_names
from optimizer.io.load_report import LoadReport, did_you_mean
from optimizer.io.schema import TABLES, columns_of
from optimizer.io.week import load_confirmed_visits, load_holidays, load_patient_away, load_time_off
from optimizer.io.partners import load_partners

__all__ = ["load_roster", "load_roster_with_report", "find_table", "find_sources", "Source",
           "PATIENT_COLUMNS", "NURSE_COLUMNS", "TIME_OFF_COLUMNS"]

PATIENT_COLUMNS = columns_of("patients")
NURSE_COLUMNS = columns_of("nurses")
TIME_OFF_COLUMNS = columns_of("time_off")
_INFUSATES = ", ".join(i.value for i in Infusate)
_WORKBOOKS = (".xlsx", ".xls")


@dataclass(frozen=True)
class Source:
    """Where one table is read from: a file, or a sheet of a workbook."""

    path: Path
    sheet: str
    label: str  # how problems name it: the file name, or "book.xlsx, sheet 'patients'"


def _table_files(folder: Path, name: str) -> list[Path]:
    """Files of table ``name`` in ``folder``: any case of ``name`` with a known suffix."""
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.stem.lower() == name and p.suffix.lower() in SUFFIXES)


def find_table(data_dir: Path, name: str, *, required: bool = True) -> Path | None:
    """The file for table ``name`` in ``data_dir`` (``name.csv``, ``.parquet``, ``.xlsx``; any case)."""
    found = _table_files(Path(data_dir), name)
    if len(found) > 1:
        raise DataError([Problem(str(data_dir), None, None,
                                 f"several files for {name}: {', '.join(p.name for p in found)}; keep one")])
    if not found:
        if required:
            raise DataError([Problem(str(data_dir), None, None,
                                     f"no {name}.csv (or .parquet/.xlsx, or one workbook with a "
                                     f"sheet {name!r}) in this folder")])
        return None
    return found[0]


def _workbook_in(folder: Path) -> Path | None:
    """The one workbook of a folder that holds no per-table files, else None."""
    if any(_table_files(folder, name) for name in TABLES):
        return None
    books = sorted(p for p in folder.iterdir()
                   if p.is_file() and p.suffix.lower() in _WORKBOOKS and not p.name.startswith("~$"))
    if len(books) > 1:
        raise DataError([Problem(str(folder), None, None,
                                 f"no table files and {len(books)} workbooks ({', '.join(p.name for p in books)}): "
                                 "keep one, or give the workbook's path")])
    return books[0] if books else None


def find_sources(data: str | Path) -> dict[str, Source | None]:
    """Where every table of ``data`` is (None for an absent optional table).

    Raises
    ------
    DataError
        A required table is missing, a table has several files, or ``data`` does not exist.
    """
    data = Path(data)
    if not data.exists():
        raise DataError([Problem(str(data), None, None, "no such file or folder")])
    book = data if data.is_file() else _workbook_in(data)
    if data.is_file() and data.suffix.lower() not in _WORKBOOKS:
        raise DataError([Problem(data.name, None, None,
                                 "DATA is a folder of tables or one Excel workbook (.xlsx)")])
    if book is not None:
        return _workbook_sources(book)
    problems: list[Problem] = []
    out: dict[str, Source | None] = {}
    for name, table in TABLES.items():
        try:
            path = find_table(data, name, required=table.required)
        except DataError as exc:
            problems.extend(exc.problems)
            path = None
        out[name] = Source(path, name, path.name) if path else None
    if problems:
        raise DataError(problems)
    return out


def _workbook_sources(book: Path) -> dict[str, Source | None]:
    sheets = {s.strip().lower() for s in sheet_names(book)}
    missing = [n for n, t in TABLES.items() if t.required and n not in sheets]
    if missing:
        present = ", ".join(repr(s) for s in sheet_names(book))
        raise DataError([Problem(book.name, None, None,
                                 f"the workbook has no sheet named {m!r} (sheets: {present})") for m in missing])
    return {n: Source(book, n, f"{book.name}, sheet {n!r}") if n in sheets else None for n in TABLES}


#: Suffixes of files a person may take for a table: the table formats, and text a spreadsheet exports.
_TABLE_LIKE = (*SUFFIXES, ".txt", ".tsv")


def _warn_unread(data: Path, sources: dict[str, Source | None], report: LoadReport) -> None:
    """Warn of each file of the data folder, and each sheet of the workbook, that looks meant as a table
    but is not read: a misspelt ``timeoff.csv`` or a sheet ``Time Off`` would otherwise drop every
    nurse's days off without a word. Other files (a README, the template's workbook) are left alone.
    """
    read = {s.path for s in sources.values() if s}
    folder = data.resolve().name or str(data)  # "." is named as the folder it is
    if data.is_dir():
        for path in sorted(data.iterdir()):
            if (path in read or not path.is_file() or path.suffix.lower() not in _TABLE_LIKE
                    or path.name.startswith(("~$", "."))):
                continue
            stem = path.stem.strip().lower()
            if stem in TABLES:
                report.warn(folder, None, None, f"file {F.shown(path.name)} is not read: a table is a "
                                                f"{', '.join(SUFFIXES[:-1])} or {SUFFIXES[-1]} file")
            elif (guess := did_you_mean(stem, TABLES)) is not None:
                report.warn(folder, None, None, f"file {F.shown(path.name)} is not read: no table is named "
                                                f"{F.shown(path.stem)}; did you mean {guess!r}?")
    for book in {s.path for s in sources.values() if s and s.label != s.path.name}:
        for title in sheet_names(book):
            if title.strip().lower() not in TABLES and (guess := did_you_mean(title, TABLES)) is not None:
                report.warn(book.name, None, None, f"sheet {F.shown(title)} is not read: no table is named so; "
                                                   f"did you mean {guess!r}?")


def _location(row: Row, table: str, *, zip_lookup, what: str) -> tuple[float, float, str | None, bool] | None:
    """(lat, lon, zip, from_zip) from lat/lon or a ZIP centroid; records problems."""
    lat_t, lon_t = row.text("lat"), row.text("lon")
    zip5 = row.get("zip", F.parse_zip)
    if lat_t or lon_t:
        lat = row.get("lat", F.ranged(table, "lat"), required=True)
        lon = row.get("lon", F.ranged(table, "lon"), required=True)
        if lat is None or lon is None:
            return None
        return float(lat), float(lon), zip5, False  # type: ignore[arg-type,return-value]
    if zip5 is None:
        if not row.text("zip"):
            row.fail("lat", f"{what} location missing: give lat and lon, or zip")
        return None
    hit = zip_lookup(zip5)
    if hit is None:
        row.fail("zip", f"unknown ZIP code {zip5}")
        return None
    return hit[0], hit[1], zip5, True  # type: ignore[return-value]


def _resolve_states(
    rows: list[tuple[Row, tuple]],
    given_column: str,
    states_of,
    state_codes: frozenset[str],
) -> list[str | None]:
    """State of every located row: derived by point-in-polygon, checked against the given one."""
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


def _with_states(parsed: list[tuple[Row, dict]], located: list[tuple[Row, tuple]], given_column: str,
                 geo, *, table: str, report: LoadReport) -> list[tuple[str, dict]]:
    """(state, fields) of every parsed row still valid once the states of ``located`` are resolved.

    Counts in ``report`` the states derived from the location and the ZIP centroids used.
    """
    states = _resolve_states(located, given_column, geo.states_of, geo.STATE_CODES)
    state_by_row = {row.number: s for (row, _), s in zip(located, states)}
    from_zip = {row.number for row, loc in located if loc[3]}
    out = [(state_by_row[row.number], fields) for row, fields in parsed
           if row.ok and state_by_row.get(row.number)]
    kept = [row for row, _ in parsed if row.ok and state_by_row.get(row.number)]
    report.assume(f"{table}.{given_column}", sum(1 for r in kept if not r.text(given_column)))
    report.assume(f"{table}.location_from_zip", sum(1 for r in kept if r.number in from_zip))
    return out


def _operational(row: Row, table: str) -> dict[str, str | None]:
    """The operational-only text columns of ``table`` (names, addresses…): kept, never logged."""
    names = [c for c in ("name", "address", "phone", "notes", "email") if c in columns_of(table)]
    return {c: row.get(c, F.parse_text) for c in names}  # type: ignore[misc]


def _patient_fields(row: Row, *, as_of: dt.date, nurse_ids: set[str] | None,
                    seen: dict[str, int], report: LoadReport) -> dict:
    """The fields of one patient row (defaults applied, assumptions counted); problems recorded."""
    pid = unique_id(row, "patient_id", seen)
    reservoir = row.get("reservoir_ml", F.ranged("patients", "reservoir_ml"), settings.RESERVOIR_ML)
    flow = row.get("flow_ml_per_day", F.ranged("patients", "flow_ml_per_day"), required=True)
    last = row.get("last_fill_date", dated("patients", "last_fill_date", as_of), required=True)
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
        row.fail("preferred_nurse_id", not_in(preferred, "nurse_id", nurse_ids, table="nurses"))
    active = row.get("active", F.parse_bool, True)
    text = _operational(row, "patients")
    if not row.ok:
        return {}
    assumed = {"next_infusate": nxt is None, "prescribed_interval_days": interval is None,
               "visit_minutes": visit is None, "last_fill_volume_ml": volume is None,
               "reservoir_ml": not row.text("reservoir_ml")}
    nxt = nxt if nxt is not None else infusate.next_by_protocol()
    return dict(
        patient_id=pid, reservoir_ml=reservoir, flow_ml_per_day=flow, last_fill_date=last,
        last_fill_infusate=infusate, last_fill_volume_ml=volume if volume is not None else reservoir,
        next_infusate=nxt,
        prescribed_interval_days=interval if interval is not None
        else settings.PRESCRIBED_INTERVAL_DAYS[infusate.value],
        visit_minutes=visit if visit is not None else settings.VISIT_MINUTES
        + (settings.FLOXURIDINE_EXTRA_MINUTES if nxt is Infusate.FLOXURIDINE else 0),
        earliest_arrival=early, latest_arrival=late, preferred_nurse_id=preferred, active=active,
        _assumed=assumed, **text,
    )


def _load_patients(table: RawTable, *, as_of: dt.date, nurse_ids: set[str] | None,
                   geo, errors: ProblemCollector, report: LoadReport) -> list[Patient]:
    seen: dict[str, int] = {}
    parsed: list[tuple[Row, dict]] = []
    located: list[tuple[Row, tuple]] = []
    for row in rows_of(table, "patients", errors, report):
        loc = _location(row, "patients", zip_lookup=geo.zip_centroid, what="home")
        fields = _patient_fields(row, as_of=as_of, nurse_ids=nurse_ids, seen=seen, report=report)
        if loc is not None:
            located.append((row, loc))
        if row.ok and loc is not None:
            fields.update(lat=loc[0], lon=loc[1], zip=loc[2])
            parsed.append((row, fields))
    out = []
    for state, fields in _with_states(parsed, located, "state", geo, table="patients", report=report):
        for column, was in fields.pop("_assumed").items():
            report.assume(f"patients.{column}", int(was))
        out.append(Patient(state=state, **fields))
    return out


def _infusate(text: str) -> Infusate:
    try:
        return Infusate(text.strip().lower())
    except ValueError:
        raise ValueError(f"unknown infusate {F.shown(text)} (use one of: {_INFUSATES})") from None


def _licenses(codes: frozenset[str]) -> Callable[[str], frozenset[str]]:
    def parse(text: str) -> frozenset[str]:
        states = [s.strip().upper() for s in text.replace(",", ";").split(";") if s.strip()]
        bad = [s for s in states if s not in codes]
        if bad:
            raise ValueError(f"unknown state code(s) {F.shown(', '.join(bad))}")
        return frozenset(states)
    return parse


def _nurse_fields(row: Row, *, geo, seen: dict[str, int]) -> dict:
    """The fields of one nurse row (defaults applied); problems recorded."""
    fields = dict(
        nurse_id=unique_id(row, "nurse_id", seen),
        multistate_license=row.get("multistate_license", F.parse_bool, settings.MULTISTATE_LICENSE),
        state_licenses=row.get("state_licenses", _licenses(geo.STATE_CODES), frozenset()),
        hai_certified=row.get("hai_certified", F.parse_bool, settings.HAI_CERTIFIED),
        chemo_certified=row.get("chemo_certified", F.parse_bool, settings.CHEMO_CERTIFIED),
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
        break_minutes=row.get("break_minutes", F.ranged("nurses", "break_minutes"), settings.BREAK_MINUTES),
        **_operational(row, "nurses"),
    )
    start, end = fields["shift_start"], fields["shift_end"]
    if start is not None and end is not None and end <= start:
        row.fail("shift_end", f"shift_end {end:%H:%M} is not after shift_start {start:%H:%M}")
    elif start is not None and end is not None and minutes_of(end) - minutes_of(start) > F.MAX_SHIFT_HOURS * 60:
        row.fail("shift_end", f"shift {start:%H:%M}-{end:%H:%M} is longer than {F.MAX_SHIFT_HOURS} hours")
    return fields


def _load_nurses(table: RawTable, *, geo, errors: ProblemCollector, report: LoadReport) -> list[Nurse]:
    seen: dict[str, int] = {}
    parsed: list[tuple[Row, dict]] = []
    located: list[tuple[Row, tuple]] = []
    for row in rows_of(table, "nurses", errors, report):
        fields = _nurse_fields(row, geo=geo, seen=seen)
        loc = _location(row, "nurses", zip_lookup=geo.zip_centroid, what="home base")
        if loc is not None:
            located.append((row, loc))
        if row.ok and loc is not None:
            fields.update(lat=loc[0], lon=loc[1], zip=loc[2])
            parsed.append((row, fields))
            report.assume("nurses.break_minutes", int(not row.text("break_minutes")))
    located_ok = _with_states(parsed, located, "home_state", geo, table="nurses", report=report)
    return [Nurse(home_state=state, **fields) for state, fields in located_ok]


def _read(source: Source, errors: ProblemCollector) -> RawTable | None:
    """``source`` as a table; its problems go to ``errors``, named as the source is (a sheet with its workbook)."""
    try:
        return read_table(source.path, sheet=source.sheet, expected=set(columns_of(source.sheet)))
    except DataError as exc:
        errors.extend(replace(p, file=source.label) if p.file == source.path.name else p for p in exc.problems)
        return None


def _ids(table: RawTable | None, column: str) -> set[str] | None:
    """Every id of ``table`` (rows with other problems included) as :func:`~optimizer.io._fields.id_key`
    gives it, the form its references are parsed to; None when unknown."""
    if table is None or column not in table.columns:
        return None
    return {F.id_key(r.get(column, "").strip()) for r in table.rows if r}


def load_roster(data_dir: str | Path, *, as_of: dt.date | None = None) -> Roster:
    """Load the input tables of ``data_dir`` into a :class:`Roster` (see :func:`load_roster_with_report`)."""
    return load_roster_with_report(data_dir, as_of=as_of)[0]


def load_roster_with_report(data: str | Path, *, as_of: dt.date | None = None) -> tuple[Roster, LoadReport]:
    """Load every input table of ``data``, with the report of what was ignored or assumed.

    Parameters
    ----------
    data
        A folder with ``patients``, ``nurses`` and the optional ``time_off``, ``patient_away``,
        ``confirmed_visits``, ``holidays`` and ``partners`` tables (CSV, Parquet or Excel; file names in any
        case), or one Excel workbook (a ``.xlsx`` path, or a folder holding one) with a sheet
        per table.
    as_of
        The data date: every date must lie within its range around it
        (``_fields.DATE_RANGES``; a ``last_fill_date`` after it is an error). Defaults to today.

    Returns
    -------
    roster, report
        The validated roster; unknown columns (with a did-you-mean) and counts of assumed values.

    Raises
    ------
    DataError
        With every problem of every table, each naming file, row and column.
    """
    as_of = as_of or dt.date.today()
    sources = find_sources(data)
    report = LoadReport()
    _warn_unread(Path(data), sources, report)
    errs = {k: ProblemCollector(s.label if s else k) for k, s in sources.items()}
    raw = {k: (_read(s, errs[k]) if s else None) for k, s in sources.items()}
    nurse_ids, patient_ids = _ids(raw["nurses"], "nurse_id"), _ids(raw["patients"], "patient_id")
    nurses = _load_nurses(raw["nurses"], geo=geodata, errors=errs["nurses"], report=report) \
        if raw["nurses"] else []
    patients = _load_patients(raw["patients"], as_of=as_of, nurse_ids=nurse_ids, geo=geodata,
                              errors=errs["patients"], report=report) if raw["patients"] else []
    common = dict(as_of=as_of, report=report)
    time_off = load_time_off(raw["time_off"], nurse_ids=nurse_ids, errors=errs["time_off"], **common) \
        if raw["time_off"] else []
    away = load_patient_away(raw["patient_away"], patient_ids=patient_ids, errors=errs["patient_away"],
                             **common) if raw["patient_away"] else []
    confirmed = load_confirmed_visits(raw["confirmed_visits"], patient_ids=patient_ids, nurse_ids=nurse_ids,
                                      errors=errs["confirmed_visits"], **common) if raw["confirmed_visits"] else []
    holidays = load_holidays(raw["holidays"], errors=errs["holidays"], **common) if raw["holidays"] else None
    partners = load_partners(raw["partners"], errors=errs["partners"], report=report) if raw["partners"] else []
    order = ("patients", "nurses", "time_off", "patient_away", "confirmed_visits", "holidays", "partners")
    problems = [p for k in order for p in errs[k].problems]
    if problems:
        raise DataError(problems)
    roster = Roster(tuple(patients), tuple(nurses), frozenset(time_off), tuple(away), tuple(confirmed),
                    None if holidays is None else tuple(holidays), tuple(partners))
    return roster, report
