"""Gold drafts from predictions (``gold from-predictions``) and where a gold line's article file is.

A draft takes every predicted claim as if accepted and marks each article ``reviewed: false``: a
starting point for an annotator (the review page's ``--annotate`` mode, or an editor), never gold
to score against as it stands (``load_gold`` warns about unreviewed articles).

A gold line names its article as a text file (``source``, relative to the gold file's folder) and
the sha256 of that file's bytes; its offsets index the file's text as ``extractor extract`` reads
it. ``locate_source`` finds, for a prediction line, that file: its ``source`` tried as given, then
under the folders given, and accepted only when the file's text has the sha256 the line recorded.
An article that was converted (HTML) or came from a JSON/JSONL record has no such file; it is
reported, not guessed.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from extractor.articles import normalise_text, sha256_text
from extractor.evaluation.gold import GoldArticle, GoldClaim, GoldClaimant
from extractor.records import ArticleResult, Claim

# Sources extraction reads as plain text: the file's text is the article's.
PLAIN_TEXT_SUFFIXES = frozenset({".txt", ".md", ".text", ""})


@dataclass(frozen=True)
class SourceFile:
    """A prediction line's article as a gold source: the file, and the sha256 of its bytes."""

    path: Path
    file_sha256: str


def locate_source(result: ArticleResult, base_dirs: Sequence[Path]) -> SourceFile | str:
    """The plain-text file a prediction line's offsets index, or why there is none."""
    if result.text_sha256 is None:
        return "the line records no text_sha256"
    source = Path(result.source)
    if source.suffix.lower() not in PLAIN_TEXT_SUFFIXES:
        return f"{result.source} is not a plain-text file (gold needs the article as .txt)"
    tries = [source] if source.is_absolute() else [base / source for base in base_dirs]
    found = next((candidate for candidate in tries if candidate.is_file()), None)
    if found is None:
        return f"source file not found: {result.source}"
    try:
        raw = found.read_bytes()
        text = normalise_text(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        return f"cannot read {found}: {exc}"
    if sha256_text(text) != result.text_sha256:
        return f"{found} changed since extraction (its text's sha256 is not the one the line recorded)"
    return SourceFile(path=found.resolve(), file_sha256=hashlib.sha256(raw).hexdigest())


def relative_to(path: Path, folder: Path) -> str:
    """``path`` written relative to ``folder`` with forward slashes (how gold lines name sources)."""
    return Path(os.path.relpath(path, folder.resolve())).as_posix()


def gold_claim_from(claim: Claim) -> GoldClaim:
    """A predicted claim as a gold claim, every field taken as predicted."""
    claimant = claim.claimant
    return GoldClaim(
        claimant=GoldClaimant(
            name=claimant.name, role=claimant.role, organization=claimant.organization, named=claimant.named
        ),
        stance=claim.stance,
        claim=claim.claim,
        evidence=claim.evidence,
        said_on=claim.said_on,
        attribution=claim.attribution,
        cue=claim.cue,
    )


@dataclass(frozen=True)
class Draft:
    """A draft gold file's lines, and the prediction lines that could not become one (id, why)."""

    articles: list[GoldArticle]
    skipped: list[tuple[str, str]]


def draft_from_predictions(
    results: Sequence[ArticleResult], base_dirs: Sequence[Path], output_dir: Path
) -> Draft:
    """Every ``ok`` line as an unreviewed gold article with all its claims; sources relative to ``output_dir``."""
    articles: list[GoldArticle] = []
    skipped: list[tuple[str, str]] = []
    for result in results:
        if result.status != "ok":
            skipped.append((result.id, f"an error line: {result.error}"))
            continue
        found = locate_source(result, base_dirs)
        if isinstance(found, str):
            skipped.append((result.id, found))
            continue
        articles.append(
            GoldArticle(
                id=result.id,
                source=relative_to(found.path, output_dir),
                text_sha256=found.file_sha256,
                published=result.published,
                claims=[gold_claim_from(claim) for claim in result.claims],
                reviewed=False,
            )
        )
    return Draft(articles=articles, skipped=skipped)
