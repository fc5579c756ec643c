"""Moved to tests/helpers/ (ui.py, leads.py, sandbox.py); this name stays for tests written before the move."""

from helpers.leads import write_leads
from helpers.sandbox import teach_sandbox_fields
from helpers.ui import pick, pick_solar

__all__ = ["pick", "pick_solar", "teach_sandbox_fields", "write_leads"]
