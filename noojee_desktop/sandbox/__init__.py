"""The sandbox dialler: a local Noojee Campaign API for demos and tests (``noojee-desktop sandbox``)."""

from noojee_desktop.sandbox.data import DEFAULT_DATA, DemoDataError, default_data, load_data
from noojee_desktop.sandbox.server import SandboxConfig, SandboxServer

__all__ = ["SandboxConfig", "SandboxServer", "DEFAULT_DATA", "DemoDataError", "default_data", "load_data"]
