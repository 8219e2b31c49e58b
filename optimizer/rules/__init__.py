"""Domain rules (SPEC §5): refill windows, eligibility, the company calendar."""
