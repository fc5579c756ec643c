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


def rows_to_load(model) -> bool:
    """After an upload, some row failed, was refused as invalid or was not sent: what "Export
    failed rows" writes (O(1): the model's running counts)."""
    from noojee_desktop.core.codes import FAILED_CATEGORIES, Category

    counts = model.counts
    return model.has_outcomes and any(counts.get(c, 0) > 0 for c in (*FAILED_CATEGORIES, Category.PENDING))
