# The two commands a fresh machine needs: `make run` (set up, then extract claims from the
# sample articles on the embedded local model) and `make test` (set up, then run the tests).
SHARED ?= ../shared
OUT ?= claims.jsonl
PYTEST_OFFLINE = --block-network --allowed-hosts=127.0.0.1,::1,localhost

.PHONY: setup ray browser run test record seed-baseline eval-seeds lint bench screenshot train mutate

setup:
	bash scripts/setup.sh

# The ray extra (Ray Data, ~80 MB wheel): `--engine ray` and extractor.ray; its tests run in `make test`.
ray: setup
	.venv/bin/python -m pip install -q -e ".[ray]"

# Debian's Chromium for the review page's browser tests (installed only when missing; needs root).
browser:
	bash scripts/install-chromium.sh

run: setup
	.venv/bin/extractor extract $(SHARED)/articles -o $(OUT)

test: setup ray browser
	.venv/bin/ruff check extractor tests bench scripts support
	.venv/bin/lint-imports
	.venv/bin/pytest $(PYTEST_OFFLINE)

# Retrain the linguistic pass's reader on PolNeAR train (deterministic; ~3 CPU-minutes, docs/trained-pass.md).
# After it: the dev eval, `make record` and `make seed-baseline`, since the candidates change.
train: setup
	nice -n 10 .venv/bin/python -m extractor.training.reader $(SHARED)/polnear/train -o extractor/nlp/data/reader.json

# Re-record the HTTP cassettes from the real embedded server (needed after a prompt/schema change).
record: setup
	.venv/bin/pytest -m vcr --record-mode=rewrite

# Refresh the committed seed baseline report (eval/seeds-baseline.json, eval/seeds/) after a deliberate change.
# Only the default strategy's test: the gate's own negative tests (a stance-flipped strategy) would
# otherwise overwrite the baseline with their deliberately worse scores.
seed-baseline: setup
	EXTRACTOR_UPDATE_SEED_BASELINE=1 .venv/bin/pytest $(PYTEST_OFFLINE) \
		tests/test_seed_quality_gate.py::test_default_strategy_passes_the_seed_gate

# Extract the seed articles (cassette-backed cache) and score them against the seed gold with the CI gate.
eval-seeds: setup
	.venv/bin/pytest $(PYTEST_OFFLINE) tests/test_seed_quality_gate.py -v

lint: setup
	.venv/bin/ruff check extractor tests bench scripts support
	.venv/bin/lint-imports

# The benchmarks also need the peer tool (LangExtract, the `bench` extra).
bench: setup
	.venv/bin/python -m pip install -q -e ".[bench]"
	.venv/bin/python bench/run_all.py

# Mutation testing: each planted bug of scripts/mutate.py applied alone, its targeted tests run, the
# source restored (~30 minutes on 2 cores; a developer session, not CI). Score: docs/reliability.md.
mutate: setup ray
	nice -n 10 .venv/bin/python scripts/mutate.py --report mutation-results.json

# Regenerate docs/review-seeds.png (the review page of the five sample articles, baseline strategy,
# no model, against the seed gold) and docs/annotate.png (the annotation page), in headless Chromium.
screenshot: setup browser
	.venv/bin/python scripts/review_screenshot.py docs/review-seeds.png
	.venv/bin/python scripts/annotate_screenshot.py docs/annotate.png
