"""The installed package version, in a module of its own so every wing can read it
without importing the package facade."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("dsc-econ")
except PackageNotFoundError:  # pragma: no cover - running from a bare source tree
    __version__ = "0.0.0+unknown"
