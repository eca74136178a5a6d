"""Matching predicted to gold claims: token spans, one-to-one assignment, tie-breaking, exact boundaries."""

from __future__ import annotations

from extractor.evaluation.matching import ClaimSpans, TokenIndex, exact_match_count, match_article, trimmed_span

TEXT = "Alpha beta gamma. Delta epsilon zeta eta. Theta iota kappa."


def spans_of(text: str, *quotes: str, claim: str = "") -> ClaimSpans:
    found = []
    for quote in quotes:
        start = text.index(quote)
        found.append((start, start + len(quote)))
    return ClaimSpans(spans=tuple(found), claim=claim or " ".join(quotes))


def test_a_span_holds_every_token_it_touches_and_parts_are_united() -> None:
    index = TokenIndex(TEXT)
    # "ta gam" cuts into "beta" and "gamma": both count.
    start = TEXT.index("ta gam")
    assert index.tokens([(start, start + len("ta gam"))]) == {1, 2}
    alpha, theta = TEXT.index("Alpha"), TEXT.index("Theta")
    assert index.tokens([(alpha, alpha + 5), (theta, theta + 5)]) == {0, 7}
    # Punctuation and spaces alone hold no token.
    dot = TEXT.index(". Delta")
    assert index.tokens([(dot, dot + 2)]) == set()


def test_perfect_prediction_matches_with_full_dice() -> None:
    gold = [spans_of(TEXT, "Delta epsilon zeta eta")]
    result = match_article(TEXT, [spans_of(TEXT, "Delta epsilon zeta eta")], gold)
    assert [(p.predicted, p.gold, p.shared_tokens) for p in result.pairs] == [(0, 0, 4)]
    assert result.pairs[0].dice == 1.0
    assert result.exact_matches == 1


def test_spans_without_a_shared_token_are_never_paired() -> None:
    predicted = [spans_of(TEXT, "Alpha beta")]
    gold = [spans_of(TEXT, "gamma")]  # adjacent, no common token
    result = match_article(TEXT, predicted, gold)
    assert result.pairs == []
    assert result.unmatched_predicted == [0]
    assert result.unmatched_gold == [0]


def test_the_same_claim_predicted_twice_matches_once() -> None:
    predicted = [spans_of(TEXT, "Delta epsilon"), spans_of(TEXT, "Delta epsilon")]
    result = match_article(TEXT, predicted, [spans_of(TEXT, "Delta epsilon zeta")])
    assert len(result.pairs) == 1
    assert len(result.unmatched_predicted) == 1
    assert result.unmatched_gold == []


def test_one_prediction_over_two_gold_claims_pairs_with_the_more_similar_claim() -> None:
    # "beta gamma. Delta epsilon zeta" has Dice 2*2/(5+2) with both gold claims: the claim text decides.
    predicted = [ClaimSpans(spans=((TEXT.index("beta"), TEXT.index(" eta")),), claim="Delta epsilon zeta happened")]
    gold = [
        spans_of(TEXT, "beta gamma", claim="Beta and gamma"),
        spans_of(TEXT, "Delta epsilon", claim="Delta epsilon zeta happened"),
    ]
    result = match_article(TEXT, predicted, gold)
    assert [(p.predicted, p.gold) for p in result.pairs] == [(0, 1)]
    assert result.unmatched_gold == [0]


def test_overlap_outweighs_claim_similarity() -> None:
    # The prediction covers gold 0 almost exactly but reads like gold 1's claim.
    predicted = [ClaimSpans(spans=((TEXT.index("Delta"), TEXT.index(" eta")),), claim="Theta iota kappa")]
    gold = [
        spans_of(TEXT, "Delta epsilon zeta eta", claim="Something else entirely"),
        spans_of(TEXT, "zeta eta. Theta iota kappa", claim="Theta iota kappa"),
    ]
    result = match_article(TEXT, predicted, gold)
    assert [(p.predicted, p.gold) for p in result.pairs] == [(0, 0)]


def test_assignment_is_globally_optimal_not_greedy() -> None:
    # Greedy would give P0 its best gold (G0) and leave P1 with nothing.
    predicted = [spans_of(TEXT, "Alpha beta gamma. Delta"), spans_of(TEXT, "Alpha beta")]
    gold = [spans_of(TEXT, "Alpha beta gamma"), spans_of(TEXT, "Delta epsilon")]
    result = match_article(TEXT, predicted, gold)
    assert sorted((p.predicted, p.gold) for p in result.pairs) == [(0, 1), (1, 0)]


def test_exact_boundaries_ignore_quote_marks_punctuation_and_spaces() -> None:
    text = "He said: “We will win.” Then he left."
    quoted = text.index("“")
    with_marks = (quoted, text.index("”") + 1)
    bare = (text.index("We"), text.index(".”"))
    assert trimmed_span(text, with_marks) == trimmed_span(text, bare)
    predicted = [ClaimSpans(spans=(with_marks,), claim="x")]
    gold = [ClaimSpans(spans=(bare,), claim="y")]
    assert exact_match_count(text, predicted, gold) == 1
    shorter = [ClaimSpans(spans=((bare[0], bare[1] - 1),), claim="x")]
    assert exact_match_count(text, shorter, gold) == 0


def test_exact_match_of_discontinuous_gold_uses_its_covering_span() -> None:
    gold = [spans_of(TEXT, "Alpha beta", "Delta epsilon")]
    covering = ClaimSpans(spans=((0, TEXT.index("Delta epsilon") + len("Delta epsilon")),), claim="c")
    first_part_only = spans_of(TEXT, "Alpha beta")
    assert exact_match_count(TEXT, [covering], gold) == 1
    assert exact_match_count(TEXT, [first_part_only], gold) == 0


def test_exact_matches_are_one_to_one() -> None:
    gold = [spans_of(TEXT, "Delta epsilon")]
    twice = [spans_of(TEXT, "Delta epsilon"), spans_of(TEXT, "Delta epsilon")]
    assert exact_match_count(TEXT, twice, gold) == 1


def test_offsets_are_code_points_so_emoji_and_accents_before_a_span_do_not_shift_it() -> None:
    text = "Zoë 😀🇨🇭 said: Café prices stay low."
    start = text.index("Café")
    gold = [ClaimSpans(spans=((start, start + len("Café prices stay low")),), claim="g")]
    predicted = [ClaimSpans(spans=((start, start + len("Café prices stay low")),), claim="p")]
    result = match_article(text, predicted, gold)
    assert result.exact_matches == 1
    assert result.pairs[0].shared_tokens == 4
    # The same span in UTF-8 bytes or UTF-16 units would land elsewhere and not match exactly.
    byte_start = len(text[:start].encode("utf-8"))
    shifted = [ClaimSpans(spans=((byte_start, byte_start + 20),), claim="p")]
    assert match_article(text, shifted, gold).exact_matches == 0


def test_among_gold_claims_on_the_same_words_the_same_claimant_is_paired() -> None:
    # Two gold claims on one span (Psaki asserts, Ryabkov denies), one prediction (Ryabkov, denies):
    # the claim texts favour Psaki, but who said it must decide the pairing.
    gold = [
        spans_of(TEXT, "Delta epsilon zeta eta", claim="Delta epsilon zeta eta"),
        spans_of(TEXT, "Delta epsilon zeta eta", claim="Something else entirely"),
    ]
    predicted = [spans_of(TEXT, "Delta epsilon zeta eta", claim="Delta epsilon zeta eta")]
    claimants = {"p": ["Ryabkov"], "g": ["Psaki", "Ryabkov"]}

    def agreement(i: int, j: int) -> tuple[bool, bool]:
        return claimants["p"][i] == claimants["g"][j], False

    assert [p.gold for p in match_article(TEXT, predicted, gold).pairs] == [0]
    result = match_article(TEXT, predicted, gold, agreement=agreement)
    assert [(p.predicted, p.gold) for p in result.pairs] == [(0, 1)]
    assert result.unmatched_gold == [0]


def test_stance_breaks_the_tie_between_two_claims_of_the_same_claimant() -> None:
    gold = [
        spans_of(TEXT, "Delta epsilon zeta eta", claim="Delta epsilon zeta eta"),
        spans_of(TEXT, "Delta epsilon zeta eta", claim="Other words"),
    ]
    predicted = [spans_of(TEXT, "Delta epsilon zeta eta")]
    stances = ["asserts", "denies"]
    result = match_article(TEXT, predicted, gold, agreement=lambda i, j: (True, stances[j] == "denies"))
    assert [p.gold for p in result.pairs] == [1]


def test_claimant_preference_never_costs_a_pair() -> None:
    # P0 overlaps G0 (same claimant) and G1; P1 overlaps only G0 (other claimant). Preferring the claimant
    # would pair P0-G0 and leave two claims over; the most pairs come first: P0-G1 and P1-G0.
    gold = [spans_of(TEXT, "Delta epsilon"), spans_of(TEXT, "zeta eta")]
    predicted = [spans_of(TEXT, "epsilon zeta"), spans_of(TEXT, "Delta")]
    result = match_article(TEXT, predicted, gold, agreement=lambda i, j: (i == 0 and j == 0, False))
    assert sorted((p.predicted, p.gold) for p in result.pairs) == [(0, 1), (1, 0)]
