"""Delegation visits, participants, meetings, costs and gifts (to come)."""
