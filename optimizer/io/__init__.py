"""Reading the input contract (SPEC §4) and writing plan folders (SPEC §6)."""

from optimizer.io.roster import load_roster, find_table

__all__ = ["load_roster", "find_table"]
