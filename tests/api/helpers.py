"""What only the API tests share; the servers themselves are ``testing.serve``'s."""

from __future__ import annotations

import pytest

# The tests that need one database only (slow, or about the process, not the store).
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
