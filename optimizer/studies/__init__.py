"""Studies: synthetic rosters and scenario batches (process pool or Ray)."""
