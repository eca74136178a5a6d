"""LangExtract (google/langextract 1.7.1) as a peer: one task description, one example, and a converter.

LangExtract is driven through its OpenAI-compatible provider
(``langextract.providers.openai.OpenAILanguageModel``) against the same
endpoint our tool uses. Its task is ours: extraction class ``claim`` whose
``extraction_text`` is the claimed content as written in the article, with
``claimant``, ``stance`` and ``claim`` attributes. The single example is the
first few-shot example of our ``whole_article`` prompt, so both tools see the
same demonstration.

``to_article_result`` turns LangExtract's extractions into our output line
(``ArticleResult``) with evidence offsets from ``char_interval``, passed through
the same gate our batch runner applies (evidence must be the exact article
text, after the header), so ``extractor eval`` scores both tools alike.

``CallCounter`` wraps the provider's OpenAI client to count requests and the
tokens the endpoint reports.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from typing import Any

import langextract as lx
from langextract.core import data as lx_data
from langextract.providers.openai import OpenAILanguageModel

from extractor.articles import sha256_text
from extractor.prompts import load_prompt
from extractor.records import Article, ArticleResult, AttributionKind, Claim, Claimant, Evidence, Stance, Usage

EXTRACTION_CLASS = "claim"
PROMPT_DESCRIPTION = (
    "Extract claims: statements the article attributes to a named person or organisation "
    "(said, told, announced, denied, according to, a quotation). Background facts the article states itself "
    "are not claims. extraction_text is the claimed content copied exactly from the article (do not paraphrase, "
    "do not include the source or the reporting verb). Attributes: claimant = the full name of the person or "
    "organisation as the article gives it, never a pronoun; stance = 'denies' when the claimant says something "
    "is not so, otherwise 'asserts'; claim = one short self-contained sentence stating the proposition."
)
_QUOTE_MARKS = re.compile(r"[\"“”«»]")


def examples() -> list[lx_data.ExampleData]:
    """Our whole_article prompt's first example, in LangExtract's form."""
    prompt = load_prompt("whole_article")
    example = prompt.examples[0]
    return [
        lx_data.ExampleData(
            text=example.text,
            extractions=[
                lx_data.Extraction(
                    extraction_class=EXTRACTION_CLASS,
                    extraction_text=claim.quote,
                    attributes={"claimant": claim.claimant, "stance": claim.stance.value, "claim": claim.claim},
                )
                for claim in example.claims
            ],
        )
    ]


class CallCounter:
    """Counts chat-completion requests and reported tokens of one LangExtract model (thread-safe)."""

    def __init__(self, model: OpenAILanguageModel) -> None:
        self.calls = 0
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self._lock = threading.Lock()
        completions = model._client.chat.completions
        original = completions.create

        def counted(*args: Any, **kwargs: Any) -> Any:
            response = original(*args, **kwargs)
            usage = getattr(response, "usage", None)
            with self._lock:
                self.calls += 1
                if usage is not None:
                    self.prompt_tokens += int(getattr(usage, "prompt_tokens", 0) or 0)
                    self.completion_tokens += int(getattr(usage, "completion_tokens", 0) or 0)
            return response

        completions.create = counted  # type: ignore[method-assign]

    def snapshot(self) -> tuple[int, int, int]:
        with self._lock:
            return self.calls, self.prompt_tokens, self.completion_tokens


def make_model(
    *, base_url: str, model_id: str, max_workers: int, max_output_tokens: int | None = None
) -> tuple[OpenAILanguageModel, CallCounter]:
    """LangExtract's OpenAI provider on ``base_url``; JSON output, no schema constraints (``json_object`` only)."""
    kwargs: dict[str, Any] = {}
    if max_output_tokens is not None:
        kwargs["max_output_tokens"] = max_output_tokens
    model = OpenAILanguageModel(
        model_id=model_id, api_key="not-needed", base_url=base_url, temperature=0.0, max_workers=max_workers, **kwargs
    )
    return model, CallCounter(model)


def extract(
    model: OpenAILanguageModel,
    documents: list[lx_data.Document],
    *,
    max_char_buffer: int,
    max_workers: int,
    batch_length: int | None = None,
) -> list[lx_data.AnnotatedDocument]:
    """Run ``lx.extract`` over documents with our description and example."""
    result = lx.extract(
        text_or_documents=documents,
        prompt_description=PROMPT_DESCRIPTION,
        examples=examples(),
        model=model,
        max_char_buffer=max_char_buffer,
        batch_length=max(batch_length or max_workers, 1),
        max_workers=max_workers,
        show_progress=False,
        fence_output=False,
        use_schema_constraints=False,
        resolver_params={"suppress_parse_errors": True},
    )
    return list(result) if isinstance(result, list) else [result]


def to_article_result(
    article: Article, annotated: lx_data.AnnotatedDocument | None, *, model_id: str, endpoint: str,
    seconds: float, usage: Usage, error: str | None = None,
) -> ArticleResult:
    """LangExtract's extractions for one article as our output line (same grounding gate as the batch runner)."""
    base: dict[str, Any] = {
        "id": article.id, "source": article.source, "strategy": "langextract", "model": model_id,
        "endpoint": endpoint, "prompt_version": "langextract-1.7.1", "published": article.published,
        "title": article.title, "text_sha256": sha256_text(article.text), "usage": usage, "seconds": seconds,
        "finished_at": dt.datetime.now(dt.UTC),
    }
    if error is not None or annotated is None:
        return ArticleResult(**base, status="error", error=error or "no result")
    claims: list[Claim] = []
    dropped = 0
    seen: set[tuple[int, int, str]] = set()
    for extraction in annotated.extractions or []:
        claim = _to_claim(article, extraction)
        if claim is None:
            dropped += 1
            continue
        key = (claim.evidence.start, claim.evidence.end, claim.claimant.name.lower())
        if key not in seen:
            seen.add(key)
            claims.append(claim)
    claims.sort(key=lambda c: (c.evidence.start, c.claimant.name))
    return ArticleResult(**base, status="ok", claims=claims, dropped_ungrounded=dropped)


def _to_claim(article: Article, extraction: lx_data.Extraction) -> Claim | None:
    interval = extraction.char_interval
    if interval is None or interval.start_pos is None or interval.end_pos is None:
        return None  # not aligned to the text: ungrounded
    start, end = int(interval.start_pos), int(interval.end_pos)
    if not (0 <= start < end <= len(article.text)) or start < article.body_start:
        return None
    quote = article.text[start:end]
    attributes = extraction.attributes or {}
    name = _attribute(attributes, "claimant", 200) or "unknown"
    stance = Stance.DENIES if (_attribute(attributes, "stance", 20) or "").lower().startswith("den") else Stance.ASSERTS
    claim_text = _attribute(attributes, "claim", 1000) or quote[:1000]
    context = article.text[max(0, start - 2) : min(len(article.text), end + 2)]
    return Claim(
        claimant=Claimant(name=name),
        stance=stance,
        claim=claim_text,
        evidence=Evidence(quote=quote, start=start, end=end),
        attribution=AttributionKind.DIRECT_QUOTE if _QUOTE_MARKS.search(context) else AttributionKind.REPORTED,
    )


def _attribute(attributes: dict[str, Any], name: str, limit: int) -> str | None:
    value = attributes.get(name)
    if isinstance(value, list):
        value = " ".join(str(v) for v in value)
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text[:limit] or None
