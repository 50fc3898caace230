"""State Hub: a fleet of git repositories kept consistent with their remotes."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("statehub")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0+source"
