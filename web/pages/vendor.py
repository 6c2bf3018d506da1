"""Front-end packages served from ``node_modules`` (never from a CDN), by an allow-list.

``/static/vendor/<path>`` serves ``node_modules/<path>`` when the path starts with one of the
allowed prefixes of ``web/static/vendor/README.md`` (the packages' ``dist`` builds and the
generated ``.staffel/`` bundle); everything else is a 404. The app config ``VENDOR_PREFIXES``
and ``NODE_MODULES`` override the defaults (tests use them).
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, send_from_directory
from flask.typing import ResponseReturnValue

NODE_MODULES = Path(__file__).resolve().parents[2] / "node_modules"
VENDOR_PREFIXES: tuple[str, ...] = (
    "bpmn-js/dist/",
    "bpmn-js-bpmnlint/dist/",
    "dmn-js/dist/",
    "htmx.org/dist/",
    "chart.js/dist/",
    ".staffel/",
)
CACHE_SECONDS = 24 * 3600

bp = Blueprint("vendor", __name__)


def allowed_path(path: str, prefixes: tuple[str, ...] = VENDOR_PREFIXES) -> bool:
    """True when ``path`` lies below an allowed prefix and has no ``..`` or empty parts."""
    parts = path.split("/")
    if any(p in ("", ".", "..") for p in parts) or "\\" in path:
        return False
    return any(path.startswith(prefix) for prefix in prefixes)


@bp.get("/static/vendor/<path:path>")
def vendor_file(path: str) -> ResponseReturnValue:
    """Serve one allowed file from ``node_modules``; 404 for anything else."""
    prefixes = tuple(current_app.config.get("VENDOR_PREFIXES") or VENDOR_PREFIXES)
    if not allowed_path(path, prefixes):
        abort(404)
    root = Path(current_app.config.get("NODE_MODULES") or NODE_MODULES)
    return send_from_directory(root, path, max_age=CACHE_SECONDS)
