"""Command-line commands that join packages which never import each other.

``evaluate`` holds ``extractor eval``, ``extractor gold …`` and ``extractor diff``: they score
with ``extractor.evaluation`` and write pages with ``extractor.review``. The review page reads
evaluation reports, so evaluation itself never imports the review page (an import contract);
the commands that need both live here, beside the CLI.
"""
