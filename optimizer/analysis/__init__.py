"""Analytics over the same domain and planner: coverage, expansion, closed-loop simulation, roster summary."""
