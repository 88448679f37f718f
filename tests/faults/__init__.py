"""Faults the app must live through: a worker killed mid-render, Redis down,
database connections dropped."""
