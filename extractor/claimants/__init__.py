"""Speakers across a batch: one key per speaker (``keys``), and the claims and claimants tables (``tables``)."""
