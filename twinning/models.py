"""The project app holds no tables of its own; see roles.py and versioning.py."""
