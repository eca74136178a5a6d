"""Claim text from the parse: the content of an attribution restated as one self-contained sentence.

``Restater.restate`` reads a candidate's content tokens in the parse and edits
them, token by token, into the claim (docs/annotation.md §5–§6):

* the complementiser ("that", "if", "whether"), opening quotation marks and a
  leading concessive clause ("While X, ...", its own claim) are dropped;
* a negated main predicate is restated positively, and only that predicate:
  "not"/"n't"/"never" removed (with do-support undone: "does not maintain" ->
  "maintains"), "no X" -> "X", "nothing" -> "something", "no longer" -> "still".
  A coordinated verb that is not negated leaves the claim ("Russia has not
  conducted and plans to maintain contacts" -> "Russia has conducted contacts"),
  a negated one is restated with it. When the negation cannot be removed safely
  (two on one predicate, "neither ... nor") the text keeps it and the stance
  becomes what the words say, so a claim never reads as a double negative;
* a copular content that brands its subject as false ("Publications about X are
  conspiracy theories and rumors") becomes a denial of "Publications about X are true";
* pronouns become names: a subject or possessive pronoun of reported speech that
  fits the claimant ("Peskov said he ...", "his office") becomes the claimant, in
  a direct quotation "I"/"my" (and "we"/"our" for an organisation) too, with the
  verb agreeing ("I think" -> "Maria Zakharova thinks"); another person's pronoun
  ("calling him a war criminal") becomes the name the speaker resolver finds;
* a phrase content (accuse X of Y, call X Y, denounce X as Y, "announced its
  support for X", "a statement stating that S") becomes the proposition it
  carries ("X is responsible for Y", "X is Y", "X supports ...", "S"), else the
  claimant and cue report it ("Biden praised the deal.");
* a content that carries no proposition ("told reporters", "rejected them", a
  bare name, a topic: "discussed grain exports") gives no claim at all.

The claimant's name is not known yet when the pass runs (the model may name the
speaker later), so the text is a template with ``CLAIMANT`` where the name goes.

Modules, top down: ``restater`` (sentence assembly), ``phrases`` (phrase contents),
``pronouns`` (pronouns and names), ``denegation`` (negation removal), ``leading``
(what opens a content), ``edits`` (token edits, word forms), ``sentence`` (the
template, the reading, the finished sentence).
"""

from extractor.nlp.claim_text.denegation import text_negated
from extractor.nlp.claim_text.restater import Restater
from extractor.nlp.claim_text.sentence import CLAIMANT, MAX_CLAIM_CHARS, ClaimText, Reading, finish_sentence

__all__ = ["CLAIMANT", "MAX_CLAIM_CHARS", "ClaimText", "Reading", "Restater", "finish_sentence", "text_negated"]
