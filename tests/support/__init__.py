"""What the test modules share, so that no test module imports from another.

* ``pages``: the page reader (fields by label, sections by heading, forms as
  a browser sends them);
* ``queries``: the query-count harness (few rows, then many: the count must
  not grow);
* ``register``: the register builder (one record of every kind) and the
  personas;
* ``urls``: the URL walker (every URL of the URL conf, filled in from a
  register) and the role matrix it is checked against;
* ``database``: the database before and after a request;
* ``hostile``, ``services``, ``browser`` and the per-app modules: what the
  hostile-input, fault, browser and app tests share.

Nothing here is collected as a test (no module is named ``test_*``); the
helpers' own tests are in ``tests/test_support.py``.
"""
