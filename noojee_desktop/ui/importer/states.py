"""The import screen's states and what the user may do in each (see controller.py)."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class State(enum.Enum):
    IDLE = "idle"
    LOADING = "loading"
    CHECKED = "checked"
    UPLOADING = "uploading"
    PAUSED = "paused"
    FINISHED = "finished"


RUNNING = (State.UPLOADING, State.PAUSED)


@dataclass(frozen=True)
class Actions:
    """What the user may do now (buttons enabled), and why not for Upload."""
    upload: bool
    upload_tip: str
    control: bool          # pause / stop upload
    export: bool
    export_failed: bool
    retry: bool
    retry_rejections: bool
    options: bool          # the upload options and opening another file
