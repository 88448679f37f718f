"""Financial years, budget lines and spend (to come)."""
