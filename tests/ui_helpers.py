"""Moved to tests/helpers/ (ui.py, leads.py); this name stays for tests written before the move."""

from helpers.leads import write_leads
from helpers.ui import pick, pick_solar

__all__ = ["pick", "pick_solar", "write_leads"]
