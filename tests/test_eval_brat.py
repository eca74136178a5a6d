"""brat/PolNeAR import on a tiny hand-made corpus: double annotation, discontinuous spans, missing
sources and contents, marks, quotation detection and source resolution; and malformed input."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from extractor.evaluation.brat import ImportResult, import_brat, is_direct_quote, merge_fragments
from extractor.evaluation.errors import EvalInputError
from extractor.evaluation.gold import GoldClaim
from extractor.evaluation.names import MentionForm, mention_form

REPO_ROOT = Path(__file__).resolve().parents[1]
BRAT = REPO_ROOT / "tests" / "fixtures" / "eval" / "brat"


@pytest.fixture(scope="module")
def imported() -> ImportResult:
    return import_brat(BRAT / "text", BRAT / "ann", base_dir=REPO_ROOT)


def claims_of(result: ImportResult, article_id: str) -> list[GoldClaim]:
    return next(a for a in result.articles if a.id == article_id).claims


def test_every_attribution_is_a_claim_or_a_counted_skip(imported: ImportResult) -> None:
    stats = imported.stats
    assert [a.id for a in imported.articles] == ["art1", "art2"]
    assert stats.texts_without_annotation == 1  # art3
    assert stats.attributions == 8
    assert stats.claims == 7
    assert stats.skipped_no_content == 1  # "Officials were not reachable"
    assert stats.attributions == stats.claims + stats.skipped_no_content
    assert (stats.discard_marks, stats.discuss_marks, stats.annotator_notes) == (1, 1, 1)


def test_the_smallest_annotator_id_is_used_for_a_doubly_annotated_article(imported: ImportResult) -> None:
    assert imported.stats.articles_double_annotated == 1
    assert imported.stats.annotations_not_used == 1
    # Annotator bbbb marked a single, shorter content; aaaa's five claims are used.
    claims = claims_of(imported, "art1")
    assert len(claims) == 5
    assert claims[0].evidence.quote == "the bridge would open in May"


def test_source_and_cue_become_claimant_and_cue_with_offsets_into_the_text(imported: ImportResult) -> None:
    article = next(a for a in imported.articles if a.id == "art1")
    text = (REPO_ROOT / article.source).read_text(encoding="utf-8")
    first = article.claims[0]
    assert first.claimant is not None and first.claimant.name == "Senator Jane Roe"
    assert first.cue == "said"
    assert text[first.evidence.start : first.evidence.end] == first.evidence.quote
    assert (first.stance, first.said_on, first.attribution) == (None, None, None)
    assert article.source == "tests/fixtures/eval/brat/text/art1.txt"


def test_a_discontinuous_content_keeps_its_parts_in_text_order(imported: ImportResult) -> None:
    quoted = claims_of(imported, "art1")[1]
    assert quoted.evidence_parts is not None
    assert [p.quote for p in quoted.evidence_parts] == ["It is safe,", "and it is cheap."]
    assert quoted.evidence.start == quoted.evidence_parts[0].start
    assert quoted.evidence.end == quoted.evidence_parts[1].end
    assert quoted.claim == "It is safe, and it is cheap."
    assert quoted.attribution == "direct_quote"


def test_content_and_content2_arguments_are_joined(imported: ImportResult) -> None:
    joined = claims_of(imported, "art2")[0]
    assert joined.evidence_parts is not None and len(joined.evidence_parts) == 2
    assert joined.claim == "taxes would fall and wages rise"
    assert imported.stats.multiple_content_arguments == 1
    assert imported.stats.discontinuous == 2


def test_an_attribution_without_a_source_has_a_null_claimant(imported: ImportResult) -> None:
    unsourced = claims_of(imported, "art1")[4]
    assert unsourced.claimant is None
    assert unsourced.cue == "It is said"
    assert imported.stats.without_source == 1


def test_pronoun_and_description_sources_resolve_to_earlier_names_keeping_the_mention(
    imported: ImportResult,
) -> None:
    art1 = claims_of(imported, "art1")
    she, spokesman = art1[1].claimant, art1[3].claimant
    assert she is not None and (she.name, she.mention) == ("Senator Jane Roe", "she")
    assert spokesman is not None
    assert (spokesman.name, spokesman.mention) == ("The spokesman for Jane Roe, Tom Poe", "The spokesman")
    he = claims_of(imported, "art2")[1].claimant
    assert he is not None and (he.name, he.mention) == ("Trump", "he")
    assert imported.stats.sources_resolved == 3


def test_first_person_sources_resolve_to_the_speaker_of_the_enclosing_quote(tmp_path: Path) -> None:
    text = 'Mayor Lee said: "I think we will win." Nobody else spoke.\n'
    (tmp_path / "text").mkdir()
    (tmp_path / "ann").mkdir()
    (tmp_path / "text" / "q.txt").write_text(text, encoding="utf-8")

    def t(n: int, label: str, quote: str) -> str:
        start = text.index(quote)
        return f"T{n}\t{label} {start} {start + len(quote)}\t{quote}"

    lines = [
        t(1, "Source", "Mayor Lee"),
        t(2, "Cue", "said"),
        t(3, "Content", "I think we will win."),
        t(4, "Attribution", "said"),
        "E1\tAttribution:T4 Source:T1 Cue:T2 Content:T3",
        t(5, "Source", "I"),
        t(6, "Cue", "think"),
        t(7, "Content", "we will win"),
        t(8, "Attribution", "think"),
        "E2\tAttribution:T8 Source:T5 Cue:T6 Content:T7",
    ]
    (tmp_path / "ann" / "q.ann").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = import_brat(tmp_path / "text", tmp_path / "ann", base_dir=tmp_path)
    inner = result.articles[0].claims[1].claimant
    assert inner is not None and (inner.name, inner.mention) == ("Mayor Lee", "I")


def test_quotation_detection() -> None:
    text = 'He said “we will win,” and added that "taxes fall". Also: it works.'
    assert is_direct_quote(text, text.index("we"), text.index(",”") + 1)  # marks just outside
    assert is_direct_quote(text, text.index("“"), text.index("”") + 1)  # marks inside
    assert is_direct_quote(text, text.index("taxes"), text.index('".'))
    assert not is_direct_quote(text, text.index("that"), text.index('".'))  # starts before the quote
    assert not is_direct_quote(text, text.index("it works"), len(text) - 1)


def test_fragments_are_sorted_and_touching_ones_merged() -> None:
    assert merge_fragments([(10, 15), (0, 4), (4, 6), (12, 20), (30, 30)]) == [(0, 6), (10, 20)]


@pytest.mark.parametrize(
    ("mention", "form"),
    [
        ("he", MentionForm.PRONOUN),
        ("Who", MentionForm.PRONOUN),
        ("Trump", MentionForm.NAMED),
        ("The New York Times", MentionForm.NAMED),
        ("the Clinton campaign", MentionForm.NAMED),
        ("the spokesman", MentionForm.DEFINITE),
        ("His campaign", MentionForm.DEFINITE),
        ("officials", MentionForm.OTHER),
        ("a source", MentionForm.OTHER),
    ],
)
def test_mention_forms(mention: str, form: MentionForm) -> None:
    assert mention_form(mention) is form


def copy_fixture(tmp_path: Path) -> tuple[Path, Path]:
    shutil.copytree(BRAT, tmp_path / "brat")
    return tmp_path / "brat" / "text", tmp_path / "brat" / "ann"


def test_an_annotation_that_does_not_match_the_text_is_an_error_naming_file_and_line(tmp_path: Path) -> None:
    text_dir, ann_dir = copy_fixture(tmp_path)
    ann = ann_dir / "art2.ann"
    ann.write_text(ann.read_text(encoding="utf-8").replace("T3\tContent 11 27", "T3\tContent 12 28"), encoding="utf-8")
    with pytest.raises(EvalInputError, match=r"art2\.ann:3: annotated text does not match the article"):
        import_brat(text_dir, ann_dir, base_dir=tmp_path)


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ("T99\tQuote 0 5\tTrump", "unknown label 'Quote'"),
        ("T99\tSource 0 a\tTrump", "malformed offsets"),
        ("T99\tSource 0 500\tTrump", "outside the article"),
        ("E99\tAttribution:T1 Content:T404", "refers to T404, which is not defined"),
        ("E99\tRelation:T1 Content:T3", "unknown event type 'Relation'"),
    ],
)
def test_malformed_annotation_lines_are_errors(tmp_path: Path, bad_line: str, message: str) -> None:
    text_dir, ann_dir = copy_fixture(tmp_path)
    ann = ann_dir / "art2.ann"
    line_count = len(ann.read_text(encoding="utf-8").splitlines())
    ann.write_text(ann.read_text(encoding="utf-8") + bad_line + "\n", encoding="utf-8")
    with pytest.raises(EvalInputError, match=rf"art2\.ann:{line_count + 1}: .*{message}"):
        import_brat(text_dir, ann_dir, base_dir=tmp_path)


def test_an_annotation_without_its_text_is_an_error(tmp_path: Path) -> None:
    text_dir, ann_dir = copy_fixture(tmp_path)
    (text_dir / "art2.txt").unlink()
    with pytest.raises(EvalInputError, match=r"no matching text file art2\.txt"):
        import_brat(text_dir, ann_dir, base_dir=tmp_path)
