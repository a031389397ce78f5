"""The preview as JSON: every key of ``sync.report.plan_json``, and, in each action, its
``schedules``, ``exposure``, ``enabled`` change, ``limits_removed`` and ``stops``; at the top,
``against_empty``, ``now`` and the agents that would stop (``stopping``)."""

from __future__ import annotations

from typing import Any

from agentsync.config.schedule.words import fire_time
from agentsync.sync.preview.model import Exposure, FilePreview, Preview
from agentsync.sync.preview.phrases import exposure_text, stops_text
from agentsync.sync.report import plan_json


def _exposure_json(exposure: Exposure) -> dict[str, Any]:
    return {**exposure._asdict(), "text": exposure_text(exposure)}


def _additions(file: FilePreview) -> dict[str, Any]:
    return {
        "schedules": [
            {
                "expression": change.expression,
                "before": change.before,
                "words": change.words,
                "next_fires": [moment.isoformat() for moment in change.next_fires],
                "next_fires_text": [fire_time(moment) for moment in change.next_fires],
            }
            for change in file.schedules
        ],
        "exposure": _exposure_json(file.exposure) if file.exposure else None,
        "enabled": file.enabled._asdict() if file.enabled else None,
        "limits_removed": list(file.limits_removed),
        "stops": file.stops,
    }


def preview_json(preview: Preview) -> dict[str, Any]:
    data = plan_json(preview.plan, preview.ref)
    for entry, file in zip(data["actions"], preview.files, strict=True):
        entry.update(_additions(file))
    data["against_empty"] = preview.against_empty
    data["now"] = preview.now.isoformat()
    data["stopping"] = [
        {"path": file.action.path, "why": file.stops, "text": stops_text(file)}
        for file in preview.stopping
    ]
    return data
