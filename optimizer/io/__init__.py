"""Reading the input contract (SPEC §4) and writing plan folders (SPEC §6)."""

from optimizer.io._fields import DATE_RANGES, MAX_ID_LENGTH, RANGES
from optimizer.io.roster import find_table, load_roster

__all__ = ["load_roster", "find_table", "RANGES", "DATE_RANGES", "MAX_ID_LENGTH"]
