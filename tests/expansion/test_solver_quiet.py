"""The expansion MIP prints nothing: no solver banner on stdout or stderr (issue 12 item 6)."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer.analysis.expansion import solve_matrix


@pytest.mark.parametrize("backend", ["highs", "scip", "cbc"])
def test_the_expansion_mip_writes_nothing_to_the_terminal(backend: str, capfd: pytest.CaptureFixture[str]) -> None:
    rng = np.random.default_rng(3)
    demand = rng.uniform(0, 100, size=(60, 2))
    sites = rng.uniform(0, 100, size=(15, 2))
    minutes = np.linalg.norm(demand[:, None, :] - sites[None, :, :], axis=2)
    capfd.readouterr()
    sol = solve_matrix(minutes, np.ones(60), cutoff=30.0, budget=3, backend=backend)
    out, err = capfd.readouterr()  # file-descriptor level: what a C++ solver prints lands here
    assert sol.status == "optimal" and int(sol.chosen.sum()) <= 3
    assert out == "" and err == ""
