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
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup
from pydantic import BaseModel
from pydantic_core import PydanticSerializationError

from extractor.errors import ExtractorError
from extractor.review.model import ReviewPage

_UNSAFE_IN_SCRIPT = re.compile("[<>&\u2028\u2029\ud800-\udfff]")


class ReviewOutputError(ExtractorError):
    """The page cannot be written where asked (not a regular file, one of the inputs, unwritable)."""


def script_safe(json_text: str) -> str:
    """The same JSON, safe inside a ``<script type="application/json">`` element (see the module docstring)."""
    return _UNSAFE_IN_SCRIPT.sub(lambda m: f"\\u{ord(m.group()):04x}", json_text)


def embed_json(value: object) -> str:
    """JSON that is safe inside a ``<script type="application/json">`` element and parses to ``value``."""
    return script_safe(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def _model_json(model: BaseModel, exclude: set[str] | None = None) -> str:
    try:
        return script_safe(model.model_dump_json(exclude=exclude))  # pydantic-core's serialiser: fast, no dicts
    except PydanticSerializationError:
        # A lone surrogate (from a JSON input's "\\ud800") cannot be UTF-8; json.dumps keeps it, then it is escaped.
        return embed_json(model.model_dump(mode="json", exclude=exclude))


def _page_json(page: ReviewPage) -> Iterator[str]:
    """The page's JSON, an article at a time, so the whole document is never held as one string."""
    head = _model_json(page, exclude={"articles"})
    yield head[:-1] + ',"articles":['
    for index, article in enumerate(page.articles):
        yield ("," if index else "") + _model_json(article)
    yield "]}"


def _static(name: str) -> str:
    return resources.files("extractor.review").joinpath("static", name).read_text(encoding="utf-8")


def _csp_hash(content: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(content.encode("utf-8")).digest()).decode("ascii") + "'"


# Stands where the data goes in the rendered template; it cannot occur in escaped output (it holds "<").
_DATA_SLOT = "<review-data-slot/>"


def _render(page: ReviewPage) -> Iterator[str]:
    """The HTML document in pieces (the data an article at a time), so a large page is never held whole."""
    script, css = _static("review.js"), _static("review.css")
    if page.mode == "annotate":  # the annotator registers itself first; review.js then hands it the page
        script = _static("annotate.js") + "\n" + script
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
    html = template.render(title=page.title, csp=csp, css=Markup(css), script=Markup(script), data=Markup(_DATA_SLOT))
    before, after = html.split(_DATA_SLOT)
    yield before
    yield from _page_json(page)
    yield after


def render_page(page: ReviewPage) -> str:
    """The whole HTML document for ``page``."""
    return "".join(_render(page))


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
    pieces = _render(page)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise ReviewOutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.writelines(pieces)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise ReviewOutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
