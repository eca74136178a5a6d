"""Writing the review page: the HTML template, the page's data as embedded JSON, the inlined CSS and script.

The page is one file that needs nothing else: no server, no network, no CDN.
Its data sits in a ``<script type="application/json">`` block with ``<``, ``>``,
``&``, U+2028, U+2029 and lone surrogates written as ``\\uXXXX`` escapes, so no
article text or model answer can close the block, open a comment or break the
JSON; the page's script reads it with ``JSON.parse`` and inserts every string
with ``textContent``. A Content-Security-Policy allows only this page's own
script and style (by hash) and no requests at all, so even a mistake in the
escaping could neither run injected code nor fetch anything.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from extractor.review.model import ReviewPage

_UNSAFE_IN_SCRIPT = re.compile("[<>&\u2028\u2029\ud800-\udfff]")


class ReviewOutputError(Exception):
    """The page cannot be written where asked (not a regular file, one of the inputs, unwritable)."""


def embed_json(value: object) -> str:
    """JSON that is safe inside a ``<script type="application/json">`` element and parses to ``value``."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return _UNSAFE_IN_SCRIPT.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _static(name: str) -> str:
    return resources.files("extractor.review").joinpath("static", name).read_text(encoding="utf-8")


def _csp_hash(content: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(content.encode("utf-8")).digest()).decode("ascii") + "'"


def render_page(page: ReviewPage) -> str:
    """The whole HTML document for ``page``."""
    script, css = _static("review.js"), _static("review.css")
    for name, content, closing in (("review.js", script, "</script"), ("review.css", css, "</style")):
        if closing in content.lower():  # would end the inline element early
            raise ValueError(f"static/{name} must not contain {closing!r}")
    csp = "; ".join(
        [
            "default-src 'none'",
            f"script-src {_csp_hash(script)}",
            f"style-src {_csp_hash(css)}",
            "img-src data:",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )
    environment = Environment(
        loader=PackageLoader("extractor.review", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    template = environment.get_template("page.html.j2")
    return template.render(
        title=page.title,
        csp=csp,
        css=Markup(css),
        script=Markup(script),
        data=Markup(embed_json(page.model_dump(mode="json"))),
    )


def write_page(page: ReviewPage, path: Path, *, inputs: Iterable[Path] = ()) -> None:
    """Write the page to ``path`` atomically (a temporary file beside it, then a rename).

    Refuses, touching nothing, when ``path`` exists and is not a regular file
    (a folder, a device, a FIFO) or is one of ``inputs``.
    """
    if path.exists() and not path.is_file():
        raise ReviewOutputError(f"{path}: exists and is not a regular file; give a file path for the page")
    target = path.resolve()
    for item in inputs:
        if item.exists() and item.resolve() == target:
            raise ReviewOutputError(f"{path}: is one of the inputs; write the page somewhere else")
    html = render_page(page)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise ReviewOutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(html)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise ReviewOutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
