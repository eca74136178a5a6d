"""Candidate-guided extraction with a claim check: the model answers yes or no for each doubtful candidate.

Strategy ``guided_checked`` is ``guided`` (the linguistic pass, the model naming the
speakers the pass could not) plus one question. The pass keeps some candidates
although its claimness rules doubt them (``Candidate.doubt``: a "topic", a
"question" or an ascribed "belief", ``extractor.nlp.claimness``): acting on those
reasons by rule raises precision on the guideline gold but costs PolNeAR recall,
which annotates them. Here the model decides: for every claim whose candidate
carries a doubt, one call asks "is the text in [[brackets]] a claim by the
speaker?" under the definition of docs/annotation.md §2, with a schema of one
boolean (``ClaimCheck``), a few output tokens, through ``LLM.complete`` (cached by
content, retried, re-asked). The claim is dropped only on a "no"; a candidate
without a doubt is never asked about, and a failed or unusable answer keeps the
claim, as the rules do, without failing the article.

The check runs after the speakers are named, on the claims ``guided`` makes, so
its claimant calls are ``guided``'s own (the same cache entries) and no question
is spent on a candidate that yields no claim. The prompt (``prompts/claim_check``)
states the definition and five examples from PolNeAR train articles
(nyt_2016-04-21_crucial-wins-for-clinton-and-tru, huff-post_2016-06-08_chuck-grassley-compares-trump-s-,
wash-post_2016-03-30_trump-sticking-by-his-campaign-m, politico_2015-12-28_are-democrats-crippling-obamacar,
west-journal_2016-01-25_rick-perry-just-announced-his-of); its instructions come
first and the candidate last, so a server's prefix cache reuses them across calls.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict

from extractor import nlp
from extractor.errors import LLMError
from extractor.prompts import Prompt, load_prompt
from extractor.records import Article, Claim, Usage
from extractor.strategies.base import StrategyOutput
from extractor.strategies.claims import carry_dates
from extractor.strategies.guided import GuidedStrategy
from extractor.strategies.prompt_data import data_line

log = logging.getLogger(__name__)

CHECK_PROMPT = "claim_check"
# {"is_claim": false} is seven tokens or so; the margin covers a tool call's wrapping.
CHECK_MAX_TOKENS = 24
# A content running over many sentences is shown in part, with some of its sentence around it:
# the question is about its shape, not all its words.
MAX_CONTENT_CHARS = 600
MAX_CONTEXT_CHARS = 300


class ClaimCheck(BaseModel):
    """The model's verdict on one candidate: is the bracketed text a claim by the guideline?"""

    model_config = ConfigDict(extra="forbid")

    is_claim: bool


@dataclass
class CheckedGuidedStrategy(GuidedStrategy):
    """``guided``, then one yes/no question per claim whose candidate the claimness rules doubt.

    ``prompt_version`` names both prompts (``guided_claimant@…+claim_check@…``), so
    results, cache keys and resumption tell this strategy's outputs from ``guided``'s;
    each call still carries its own prompt's version.
    """

    name: str = "guided_checked"
    check_prompt: Prompt = field(default_factory=lambda: load_prompt(CHECK_PROMPT))

    @property
    def prompt_version(self) -> str:
        assert self.prompt is not None
        return f"{self.prompt.version}+{self.check_prompt.version}"

    def extract(self, article: Article, llm) -> StrategyOutput:  # llm: extractor.llm.LLM | None
        usage = Usage()
        merged = self.completed(article, llm, usage)
        kept = [claim for candidate, claim in merged if self.keeps(article, candidate, claim, llm, usage)]
        return StrategyOutput(claims=carry_dates(article, kept), usage=usage)

    def keeps(self, article: Article, candidate: nlp.Candidate, claim: Claim, llm, usage: Usage) -> bool:
        """Whether ``claim`` stays: it has no doubt, or the model does not say it is no claim."""
        if candidate.doubt is None or llm is None:
            return True
        try:
            result = llm.complete(
                response_model=ClaimCheck,
                messages=[{"role": "user", "content": self.render_check(article, candidate, claim)}],
                max_tokens=CHECK_MAX_TOKENS,
                prompt_version=self.check_prompt.version,
            )
        except LLMError as error:
            # The rules' reading stands: the candidate was kept before it was asked about.
            usage.add(error.usage)
            log.warning("%s: claim check failed (%s); the claim is kept", article.id, error)
            return True
        usage.add(result.usage)
        return result.value.is_claim

    def render_check(self, article: Article, candidate: nlp.Candidate, claim: Claim) -> str:
        """The question for one candidate: its sentence with the content in [[ ]], and its speaker."""
        text = article.text
        s, c = candidate.sentence, candidate.content
        lo = max(min(s.start, c.start), c.start - MAX_CONTEXT_CHARS)
        hi = min(max(s.end, c.end), c.end + MAX_CONTEXT_CHARS)
        content = text[c.start : c.end]
        if len(content) > MAX_CONTENT_CHARS:
            content = content[:MAX_CONTENT_CHARS] + " …"
        marked = data_line(f"{text[lo : c.start]}[[{content}]]{text[c.end : hi]}")
        return self.check_prompt.template.render(speaker=data_line(claim.claimant.name), sentence=marked)
