"""Training the linguistic pass's learnt parts from PolNeAR train (offline tooling, not used at extraction time).

``corpus`` reads an annotated split (texts and brat attributions); ``reader``
builds the trained reader's examples from it, fits the classifier and writes the
artefact the pass ships (``extractor/nlp/data/reader.json``). Needs the ``train``
extra (scikit-learn); see docs/trained-pass.md.
"""
