"""Reading the input contract (SPEC §4) and writing plan folders (SPEC §6)."""

from optimizer.io._fields import DATE_FORMAT, DATE_RANGES, MAX_ID_LENGTH, RANGES
from optimizer.io.load_report import LoadReport
from optimizer.io.roster import find_sources, find_table, load_roster, load_roster_with_report
from optimizer.io.schema import TABLES

__all__ = ["load_roster", "load_roster_with_report", "LoadReport", "find_table", "find_sources", "TABLES",
           "RANGES", "DATE_RANGES", "DATE_FORMAT", "MAX_ID_LENGTH"]
