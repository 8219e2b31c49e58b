"""Planning: the problem (refills × nurse-days), the one route schedule, greedy, the planner, the plan."""
