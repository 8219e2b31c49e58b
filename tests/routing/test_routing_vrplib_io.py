"""The VRPLIB reader on small instances written here: a broken file is a located ``ValueError``."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.routing.vrplib_io import read_instance

GOOD = """NAME: tiny
TYPE: SDVRPTW
EDGE_WEIGHT_TYPE: EUC_2D
DIMENSION: 3
VEHICLES: 2
NODE_COORD_SECTION
1\t0\t0
2\t3\t4
3\t-6\t8
DEMAND_SECTION
1\t0
2\t5
3\t7
SERVICE_TIME_SECTION
1\t0
2\t1
3\t1
TIME_WINDOW_SECTION
1\t0\t100
2\t0\t50
3\t10\t60
CAPACITY_SECTION
1\t20
2\t20
VEHICLES_ALLOWED_CLIENTS_SECTION
1\t2\t3
2\t3
EOF
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tiny.vrp"
    path.write_text(text)
    return path


def test_a_well_formed_instance_is_read(tmp_path):
    inst = read_instance(_write(tmp_path, GOOD))
    m = inst.model
    assert (inst.num_clients, inst.num_vehicles) == (2, 2)
    assert m.visits[1].tw_early == 10_000 and m.visits[0].allowed_vehicles == (0,)
    assert m.distance[0, 1] == 5000


@pytest.mark.parametrize(("edit", "message"), [
    (lambda t: t[:t.index("3\t7")], r"tiny.vrp:12: DEMAND_SECTION has 2 rows for 3 nodes \(truncated"),
    (lambda t: t.replace("3\t10\t60", "2\t10\t60"), r"tiny.vrp:21: TIME_WINDOW_SECTION lists node 2 twice "
                                                     r"\(first at line 20\)"),
    (lambda t: t.replace("2\t5\n", "2\t5\n2\t5\n"),
     r"tiny.vrp:13: DEMAND_SECTION lists node 2 twice \(first at line 12\)"),
    (lambda t: t.replace("TIME_WINDOW_SECTION\n1\t0\t100\n2\t0\t50\n3\t10\t60\n", ""),
     "tiny.vrp: TYPE SDVRPTW has time windows but no TIME_WINDOW_SECTION"),
    (lambda t: t.replace("1\t2\t3\n", "1\t2\t3\t2\n"), "tiny.vrp:26: VEHICLES_ALLOWED_CLIENTS_SECTION: vehicle 1 "
                                                      "lists client 2 twice"),
    (lambda t: t.replace("2\t3\nEOF", "2\t9\nEOF"), "tiny.vrp:27: .*vehicle 2 lists node 9, not a client"),
    (lambda t: t.replace("3\t-6\t8", "3\t-6\tx"), "tiny.vrp:9: NODE_COORD_SECTION: 'x' is not a number"),
    (lambda t: "", "tiny.vrp: no DIMENSION specification"),
])
def test_a_broken_instance_is_a_located_error(tmp_path, edit, message):
    # Before: an IndexError or a numpy error from the parser, or (a repeated or out-of-range
    # node) a model silently read with shifted or missing data.
    with pytest.raises(ValueError, match=message):
        read_instance(_write(tmp_path, edit(GOOD)))
