"""The test suite: real git, real SQLite and PostgreSQL, real HTTP, real Temporal.

One folder per area of the product; shared fixtures are pytest plugins here
(``fixtures_*.py``) and, for what ``bench`` shares too, the ``testing`` package. Nothing
outside ``tests`` imports it. Never shipped.
"""
