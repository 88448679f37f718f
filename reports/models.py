"""Cabinet reports and their PDF renderings (to come)."""
