"""The linguistic pass: attribution candidates from a dependency parse, without any LLM.

``find_candidates`` parses an article body with spaCy (``en_core_web_sm``) and
finds who said what: a reporting cue (a verb from a lexicon such as "said",
"denied", "accused", or "according to"), its source (the subject, the by-agent
of a passive, the head of a relative clause, a subject inherited from the verb a
participle hangs on) and its content (the complement clause, the object, or the
quotation the cue introduces). Sources are resolved to names: pronouns and
definite descriptions ("he", "the diplomat") to the most recent fitting named
person, surnames to the full name first written.

The lexicon and the span conventions come from the PolNeAR training split: a
content span is the complement as written, with its "that" and quotation marks,
without the cue, the source, or final punctuation outside the quotation marks.
Offsets are indices into ``article.text``; nothing before ``article.body_start``
and no line of scraped template junk yields a candidate.

Modules, in the order the pass uses them: ``parsing`` (spaCy pipeline, body
text), ``lexicon`` (cue verbs, frames, word lists), ``spans`` (token ranges to
character spans), ``quotations``, ``cues`` (cue, source, frame), ``content``
(the content span of each frame), ``negation`` (stance signals), ``dates`` (a
cue's date expression), ``names`` and ``speakers`` (coreference, claimant,
role, organisation), ``claim_text`` (the content restated as a claim sentence),
``instructions`` (text written to a model, which yields nothing), ``claimness``
(which candidates report a claim by docs/annotation.md: no action, plan, topic,
question, wish, directive or ascribed belief),
``candidates`` (assembly into ``Candidate`` records).
"""

from extractor.nlp.candidates import Candidate, find_candidates
from extractor.nlp.claim_text import ClaimText, text_negated
from extractor.nlp.instructions import instruction_like
from extractor.nlp.parsing import MODEL_PACKAGE, body_text, load_nlp, parse
from extractor.nlp.quotations import quotation_spans

__all__ = [
    "MODEL_PACKAGE",
    "Candidate",
    "ClaimText",
    "body_text",
    "find_candidates",
    "instruction_like",
    "load_nlp",
    "parse",
    "quotation_spans",
    "text_negated",
]
