"""The test suite. Its shared helpers are in tests/support/."""

import pytest

# The shared helpers' assertions explain themselves as the tests' own do.
pytest.register_assert_rewrite("tests.support")
