"""docs/input.md is generated from the schema and lists every column the loaders read (issue 12 item 2)."""

from __future__ import annotations

from pathlib import Path

from optimizer.io import DATE_RANGES, RANGES, TABLES
from optimizer.io.input_doc import render
from optimizer.io.schema import columns_of

DOC = Path(__file__).resolve().parents[1] / "docs" / "input.md"


def test_doc_is_the_generated_text():
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/input.md is stale: run `python -m optimizer.io.input_doc > docs/input.md`")


def test_doc_lists_every_column_of_every_table_with_its_range():
    text = DOC.read_text(encoding="utf-8")
    for name, table in TABLES.items():
        section = text.split(f"\n## {name}\n", 1)[1].split("\n## ", 1)[0]
        for column in table.columns:
            assert f"| `{column.name}` |" in section, (name, column.name)
    for (table, column), rng in RANGES.items():
        assert column in columns_of(table), f"a range for a column no loader reads: {table}.{column}"
        assert f"{rng.lo:g} to {rng.hi:g} {rng.unit}" in text
    for (table, column), dates in DATE_RANGES.items():
        assert column in columns_of(table), f"a date range for a column no loader reads: {table}.{column}"
        assert f"from {dates.days_before} days before the data date" in text
    assert "YYYY-MM-DD" in text and "exits with code 2" in text and "did you mean" in text
