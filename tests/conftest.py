"""Shared fixtures live in plugin modules, one per kind of real thing the tests build."""

pytest_plugins = [
    "tests.fixtures_git",
    "tests.fixtures_db",
    "tests.fixtures_home",
    "tests.fixtures_server",
]
