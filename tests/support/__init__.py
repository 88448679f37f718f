"""What the test modules share, so that no test module imports from another.

* ``pages``: the page reader (fields by label, sections by heading, forms as
  a browser sends them);
* ``queries``: the query-count harness (few rows, then many: the count must
  not grow);
* ``register``: the personas and the register builder (one record of every
  kind);
* ``urls``: the URL walker (every URL of the URL conf, filled in from a
  register);
* ``matrix`` and ``submissions``: what each persona gets at every URL, and
  the valid post for each form;
* ``database``: the database before and after a request;
* ``hostile``, ``services``, ``browser`` and ``reports``: what the
  hostile-input, fault and services, browser and reports tests share.

Nothing here is collected as a test (no module is named ``test_*``); the
helpers' own tests are in ``tests/test_support.py``.
"""
