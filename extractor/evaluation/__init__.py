"""Evaluation harness: gold files, PolNeAR/brat import, claim matching, metrics, reports, CI gate.

Nothing in this package calls a model or imports ``extractor.llm``: evaluation
reads a gold file and a predictions file and compares them, offline.
See ``docs/evaluation.md`` for the exact rules.
"""
