"""Render a BPMN diagram to SVG with bpmn-js in headless Chromium.

    python tools/export_svg.py                                  # bpmn/refugee_lifecycle.bpmn
    python tools/export_svg.py bpmn/other.bpmn                  # -> bpmn/other.svg
    python tools/export_svg.py bpmn/other.bpmn /tmp/other.svg

The repository is served over a throw-away ``http.server`` on 127.0.0.1 so the page can load
bpmn-js from ``node_modules`` (``npm ci`` first); Debian's ``/usr/bin/chromium`` is driven by
Playwright (set ``STAFFEL_CHROMIUM`` to use another binary). The SVG is what bpmn-js'
``saveSVG()`` returns, so it looks exactly like the diagram in the web pages.

The module is importable: the browser tests reuse :func:`serve_directory`,
:func:`launch_chromium` and :func:`render_svg` with their session-wide browser.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import os
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BPMN = ROOT / "bpmn" / "refugee_lifecycle.bpmn"
CHROMIUM = Path(os.environ.get("STAFFEL_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWER_SCRIPT = "node_modules/bpmn-js/dist/bpmn-navigated-viewer.production.min.js"
VIEWER_CSS = (
    "node_modules/bpmn-js/dist/assets/diagram-js.css",
    "node_modules/bpmn-js/dist/assets/bpmn-js.css",
    "node_modules/bpmn-js/dist/assets/bpmn-font/css/bpmn.css",
)
EXPORT_PAGE = "/__export_svg__.html"
RENDER_TIMEOUT_MS = 30_000

_EXPORT_HTML = """<!doctype html>
<html><head><meta charset="utf-8"><title>export svg</title><link rel="icon" href="data:,">
{css}
<style>html, body, #canvas {{ width: 100%; height: 100%; margin: 0; }}</style>
</head><body><div id="canvas"></div>
<script src="/{script}"></script>
<script>
  window.renderSvg = async function (xml) {{
    const viewer = new BpmnJS({{ container: '#canvas' }});
    try {{
      const {{ warnings }} = await viewer.importXML(xml);
      viewer.get('canvas').zoom('fit-viewport');
      const {{ svg }} = await viewer.saveSVG();
      return {{ svg, warnings: warnings.map((w) => String(w.message)), error: null }};
    }} catch (err) {{
      return {{ svg: null, warnings: (err.warnings || []).map((w) => String(w.message)),
               error: String(err.message || err) }};
    }} finally {{
      viewer.destroy();
    }}
  }};
</script>
</body></html>
"""


class DiagramError(RuntimeError):
    """bpmn-js could not import the diagram (for example: it has no diagram interchange)."""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Static files from ``directory`` plus the in-memory export page, without access logs."""

    extensions_map = {  # noqa: RUF012 - extends the class attribute of the base handler
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".bpmn": "application/xml",
        ".dmn": "application/xml",
        ".mjs": "text/javascript",
        ".js": "text/javascript",
    }

    def do_GET(self) -> None:
        """Serve the export page from memory, everything else from disk."""
        if self.path.split("?", 1)[0] == EXPORT_PAGE:
            css = "\n".join(f'<link rel="stylesheet" href="/{href}">' for href in VIEWER_CSS)
            body = _EXPORT_HTML.format(css=css, script=VIEWER_SCRIPT).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def end_headers(self) -> None:
        """Never let the browser cache: diagrams change while the tests run."""
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test and tool output free of access logs."""


@contextlib.contextmanager
def serve_directory(directory: Path = ROOT) -> Iterator[str]:
    """Serve ``directory`` on a random free port of 127.0.0.1; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="staffel-static", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def missing_prerequisites(root: Path = ROOT) -> list[str]:
    """Explain what is missing for rendering (empty list: everything is there)."""
    problems = []
    if not CHROMIUM.exists():
        problems.append(f"{CHROMIUM} not found (apt-get install chromium)")
    if not (root / VIEWER_SCRIPT).exists():
        problems.append(f"{root / VIEWER_SCRIPT} not found (run npm ci)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problems.append("Python package playwright is not installed")
    return problems


def launch_chromium(playwright: Any) -> Any:
    """Launch Debian's headless Chromium through a started Playwright instance."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )


def render_svg(xml: str, *, browser: Any, base_url: str) -> tuple[str, list[str]]:
    """Render BPMN XML with bpmn-js; returns the SVG text and bpmn-js' import warnings.

    ``browser`` is a Playwright browser, ``base_url`` the address of :func:`serve_directory`.
    Raises :class:`DiagramError` when bpmn-js cannot import the diagram.
    """
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    try:
        page.set_default_timeout(RENDER_TIMEOUT_MS)
        page.goto(base_url + EXPORT_PAGE)
        page.wait_for_function("typeof window.BpmnJS === 'function'")
        result = page.evaluate("(xml) => window.renderSvg(xml)", xml)
    finally:
        page.close()
    if result["error"]:
        details = "; ".join(result["warnings"])
        raise DiagramError(result["error"] + (f" ({details})" if details else ""))
    return result["svg"], result["warnings"]


def export_svg(
    bpmn_path: Path | str = DEFAULT_BPMN,
    svg_path: Path | str | None = None,
    *,
    browser: Any = None,
    base_url: str | None = None,
) -> tuple[Path, list[str]]:
    """Write the SVG of ``bpmn_path`` (default: next to it, ``.svg``); returns path and warnings.

    Pass ``browser`` and ``base_url`` to reuse a running browser and server; otherwise both
    are started for this one export and stopped again.
    """
    bpmn_path = Path(bpmn_path)
    target = Path(svg_path) if svg_path is not None else bpmn_path.with_suffix(".svg")
    xml = bpmn_path.read_text(encoding="utf-8")
    if browser is not None and base_url is not None:
        svg, warnings = render_svg(xml, browser=browser, base_url=base_url)
    else:
        from playwright.sync_api import sync_playwright

        with serve_directory(ROOT) as url, sync_playwright() as playwright:
            own_browser = launch_chromium(playwright)
            try:
                svg, warnings = render_svg(xml, browser=own_browser, base_url=base_url or url)
            finally:
                own_browser.close()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(svg if svg.endswith("\n") else svg + "\n", encoding="utf-8")
    return target, warnings


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``export_svg.py [diagram.bpmn] [out.svg]``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("bpmn", nargs="?", default=str(DEFAULT_BPMN), help="BPMN file")
    parser.add_argument("svg", nargs="?", help="output file (default: BPMN path with .svg)")
    args = parser.parse_args(argv)

    problems = missing_prerequisites()
    if problems:
        print("export_svg: cannot render: " + "; ".join(problems), file=sys.stderr)
        return 2
    if not Path(args.bpmn).is_file():
        print(f"export_svg: {args.bpmn}: no such file", file=sys.stderr)
        return 2
    try:
        target, warnings = export_svg(args.bpmn, args.svg)
    except DiagramError as exc:
        print(f"export_svg: {args.bpmn}: {exc}", file=sys.stderr)
        return 1
    for warning in warnings:
        print(f"export_svg: {args.bpmn}: import warning: {warning}", file=sys.stderr)
    print(f"export_svg: wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
