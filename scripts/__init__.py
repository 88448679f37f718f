"""Benchmark and load-test scripts (make bench, make loadtest)."""
