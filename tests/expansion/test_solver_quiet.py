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


def test_candidate_sites_of_a_tiny_roster_raise_no_scipy_warning() -> None:
    """Fewer distinct homes than k-means clusters (a tiny roster, patients sharing a home): k-means++
    divided by zero and left clusters empty, printing two scipy warnings in ``haiplan expand`` and
    scenario runs; now each distinct home is its own cluster."""
    import warnings

    from optimizer.analysis.expansion import ExpansionSettings, candidate_sites
    from optimizer.domain import Roster
    from tests.expansion.conftest import ON, make_nurse, saline_patient

    same_home = [saline_patient(f"P{i}", 39.9612, -82.9988, "OH") for i in range(3)]
    roster = Roster(patients=(*same_home, saline_patient("Q", 41.4993, -81.6944, "OH")),
                    nurses=(make_nurse(lat=34.05, lon=-118.24, home_state="CA", multistate_license=False),))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning fails here, whichever filter pytest set
        sites = candidate_sites(roster, settings=ExpansionSettings(cluster_sites=6), on=ON, seed=0)
    assert "OH" in {s.state for s in sites}


@pytest.mark.parametrize("backend", ["highs", "scip", "cbc"])
@pytest.mark.parametrize("mode", [{"budget": 100_000.0}, {"target": 0.0}])
def test_an_empty_instance_is_solved_optimal_choosing_nothing(backend, mode, capfd):
    """No patient and no option (a roster of inactive patients): HiGHS answered the model of one empty
    budget row with status 99, printed by ``haiplan expand`` as 'MIP highs 99 ..., gap None; MIP 99',
    with a C++ error line on stderr."""
    from optimizer.analysis.expansion.mip import CoverageInstance, solve_coverage

    f, i = np.zeros(0, dtype=np.float64), np.zeros(0, dtype=np.int64)
    inst = CoverageInstance(weights=f, option_cost=f, server_open=i, server_capacity=f, pair_demand=i,
                            pair_server=i, req_ptr=np.zeros(1, dtype=np.int64), req_idx=i)
    capfd.readouterr()
    sol = solve_coverage(inst, backend=backend, **mode)
    out, err = capfd.readouterr()
    assert sol.status == "optimal" and sol.covered_weight == 0.0 and sol.cost == 0.0 and not sol.chosen.any()
    assert out == "" and err == ""
