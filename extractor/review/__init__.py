"""The review page: one self-contained HTML file showing every claim highlighted in its article.

``extractor review PRED.jsonl [--gold GOLD.jsonl] -o review.html`` and the
``report.html`` that ``extractor eval --report-dir`` writes are both built here:
``texts`` finds the text each prediction's offsets index, ``model`` turns
predictions (and, with gold, the evaluation's matching) into the page's data,
``render`` writes that data into the HTML template with the page's own CSS and
JavaScript inlined. Nothing here calls a model: the page is built from stored
predictions only (an import-linter contract keeps it that way).

The package's ``__init__`` imports nothing, so registering the CLI command stays cheap;
import ``extractor.review.model`` and ``extractor.review.render`` directly.
"""
