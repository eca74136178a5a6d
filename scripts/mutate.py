"""Planted bugs: each one applied alone, the tests that cover it run, the source put back (``make mutate``).

    .venv/bin/python scripts/mutate.py                 # every mutant (about 20-30 minutes on 2 busy cores)
    .venv/bin/python scripts/mutate.py --only default_body_limit,eval_reads_disk
    .venv/bin/python scripts/mutate.py --list
    .venv/bin/python scripts/mutate.py --report docs/mutation-results.json

A mutant is a realistic bug in one of the modules whose promises the README makes
(``extractor/service/``, ``output.py``, ``batch.py``, ``articles/``, ``workers/``, ``ray/``,
``evaluation/matching.py``, and the linear-time lookups of ``nlp/``): one or more exact
text replacements, and the targeted tests that should catch it. It is *killed* when those
tests fail, *survives* when they pass. The first ten are the bugs issue #23 found the
suite missed. Hand-written rather than mutmut's or cosmic-ray's thousands of operator
swaps: on a 2-core machine those take hours, while these take one developer session and
each is a bug someone could write. Not for CI (it rewrites source files while it runs;
``git diff`` is clean again when it ends, even on Ctrl-C). Exit 0 when every mutant was
killed, 1 otherwise.
"""

# ruff: noqa: E501 - the mutants are exact source lines, kept whole to be found
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTEST = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "--block-network",
          "--allowed-hosts=127.0.0.1,::1,localhost"]  # fmt: skip
TIMEOUT_S = 600


@dataclass(frozen=True)
class Mutant:
    name: str
    path: str
    edits: tuple[tuple[str, str], ...]
    tests: tuple[str, ...]
    why: str


def m(name: str, path: str, old: str, new: str, *tests: str, why: str, more: tuple[tuple[str, str], ...] = ()) -> Mutant:
    return Mutant(name, path, ((old, new), *more), tests, why)


SERVER = "tests/test_service_server.py"
APP = "tests/test_service_app.py"
MUTANTS = (
    # -- the ten bugs issue #23 planted that the suite missed (the three owned elsewhere left out) --
    m("results_of_another_key", "extractor/service/routes/jobs.py",
      "    await anyio.to_thread.run_sync(_own_job, service, key, job_id)\n",
      "    await anyio.to_thread.run_sync(service.store.info, job_id)\n",
      f"{APP}::test_jobs_are_private_to_their_key", why="results readable with another key"),
    m("eval_reads_disk", "extractor/service/routes/evaluation.py",
      "        if source not in body.texts:\n            raise EvalInputError(",
      "        if source not in body.texts:\n            return Path(source), Path(source).read_bytes(), "
      "normalise_text(Path(source).read_text()), False\n            raise EvalInputError(",
      f"{APP}::test_eval_never_reads_a_gold_source_from_the_servers_disk", why="/v1/eval reads a gold source from disk"),
    m("job_stored_after_202", "extractor/service/jobs.py",
      "        now = time.time()\n        with self._write() as db:\n            db.execute(\n                \"INSERT INTO jobs",
      "        now = time.time()\n        threading.Timer(1.0, self._store, (job_id, key_name, articles, now)).start()\n"
      "        return job_id\n\n    def _store(self, job_id: str, key_name: str, articles: list, now: float) -> str:\n"
      "        with self._write() as db:\n            db.execute(\n                \"INSERT INTO jobs",
      f"{SERVER}::test_a_job_is_stored_before_its_202_so_kill_9_right_after_loses_nothing",
      why="a job stored in the background after its 202"),
    m("restart_reruns_finished", "extractor/service/jobs.py",
      "        where, parameters = \"owner = ? AND state = 'running'\", [owner]\n",
      "        where, parameters = \"owner = ?\", [owner]\n",
      f"{SERVER}::test_a_job_survives_kill_9_and_completes_after_restart_with_five_results",
      more=(("\"UPDATE items SET state = 'done', owner = NULL, status = ?", "\"UPDATE items SET state = 'done', status = ?"),),
      why="a restarted server puts a dead owner's finished articles back to pending"),
    m("default_body_limit", "extractor/service/cli.py", "    ] = 8 * 1024 * 1024,\n", "    ] = 8 * 1024 * 1024 * 1024,\n",
      f"{SERVER}::test_serve_with_its_defaults_refuses_a_9_mib_body_with_413", why="default body limit 8 GiB"),
    m("rerun_keeps_old_out", "extractor/output.py",
      "            if not self.resume:\n                os.replace(partial_path(target), target)\n",
      "            if not self.resume and not target.exists():\n                os.replace(partial_path(target), target)\n",
      "tests/test_output_safety.py::test_a_finished_rerun_without_resume_replaces_the_output_and_leaves_no_partial",
      why="a finished re-run without --resume leaves the old OUT"),
    m("ray_failed_call_no_lines", "extractor/ray/engine.py",
      "                    results = [pipeline.error_result(article, message) for article in articles]\n",
      "                    results = []\n",
      "tests/test_ray.py::test_an_actor_that_dies_on_one_article_gives_its_whole_batch_error_lines_and_exit_1",
      why="a failed Ray actor call yields no lines"),
    m("whole_article_always_named", "extractor/strategies/whole_article.py",
      "                named=grounding.names_someone(name),", "                named=True,",
      "tests/test_answer_mapping.py::test_whole_article_marks_a_described_claimant_not_named",
      why="whole_article never sets named: false"),
    # -- the adversarial probe's cases, kept fixed --
    m("readyz_shows_credentials", "extractor/service/routes/operations.py",
      "            endpoint = redact_url(base)", "            endpoint = base",
      f"{SERVER}::test_credentials_in_the_base_url_never_reach_readiness_logs_errors_or_metrics",
      why="/readyz shows user:password@ of --base-url"),
    m("unrunnable_article_retried", "extractor/service/state.py",
      "        if strategy not in self.extractors:\n", "        if False:\n",
      f"{APP}::test_a_stored_article_whose_strategy_is_no_longer_served_is_an_error_line_not_a_retry_loop",
      why="an article whose strategy is not served spins"),
    m("retries_unbounded", "extractor/service/jobs.py",
      "                if attempt == MAX_ARTICLE_TRIES:\n", "                if attempt == MAX_ARTICLE_TRIES + 10:\n",
      f"{APP}::test_an_article_whose_run_keeps_raising_is_tried_a_bounded_number_of_times_with_pauses",
      why="a failing article retried without end"),
    m("retries_without_backoff", "extractor/service/jobs.py",
      "                if self._stopping.wait(self.retry_s * 2 ** (attempt - 1)):\n",
      "                if self._stopping.wait(0):\n",
      f"{APP}::test_an_article_whose_run_keeps_raising_is_tried_a_bounded_number_of_times_with_pauses",
      why="retries without a pause"),
    m("keys_line_echoed", "extractor/service/auth.py",
      "                f\"{where}: word {position} is not a setting", "                f\"{where}: word {setting} is not a setting",
      "tests/test_service_limits.py", why="a malformed keys line echoes its words"),
    m("keys_fifo_read", "extractor/service/auth.py",
      "            if path.exists() and not path.is_file():\n", "            if False:\n",
      "tests/test_service_limits.py::test_a_keys_file_that_is_a_fifo_or_a_folder_is_refused_at_once",
      why="a FIFO keys file hangs the start"),
    m("extract_many_drops_finished", "extractor/pipeline.py",
      "                stopped = exc\n            for future in as_completed(pending):",
      "                raise\n            for future in as_completed(pending):",
      "tests/test_api.py::test_extract_many_yields_every_finished_result_before_the_inputs_error",
      why="extract_many loses finished work when the input raises"),
    m("worker_pool_drops_finished", "extractor/workers/pool.py",
      "            stopped = exc\n        for future in as_completed(list(pending)):",
      "            raise\n        for future in as_completed(list(pending)):",
      "tests/test_api.py::test_extract_many_yields_every_finished_result_before_the_inputs_error",
      why="the worker pool loses finished work when the input raises"),
    m("service_accepts_surrogates", "extractor/service/models.py",
      "        if reason is not None:\n            raise ValueError(f\"value {reason}\")",
      "        if False:\n            raise ValueError(f\"value {reason}\")",
      f"{APP}::test_a_value_no_answer_could_carry_is_422_not_500", why="a lone surrogate or deep meta: 500"),
    m("library_accepts_surrogates", "extractor/pipeline.py",
      "        _refuse_unwritable(fields)\n", "",
      "tests/test_api.py::test_a_field_the_output_cannot_write_is_refused_with_an_input_error",
      why="id/title/url/source with a lone surrogate accepted"),
    m("not_json_is_422", "extractor/service/app.py",
      "status_code=400 if not_json else 422", "status_code=422",
      f"{APP}::test_a_body_that_is_not_json_is_400_but_only_after_the_key_check", why="docs say 400"),
    m("body_before_key", "extractor/service/app.py",
      "    refused = _key_refusal(request)\n    if refused is not None:\n", "    refused = None\n    if refused is not None:\n",
      f"{APP}::test_a_body_that_is_not_json_is_400_but_only_after_the_key_check", why="a keyless caller learns about the body"),
    m("jobs_db_unchecked", "extractor/service/cli.py", "    _check_jobs_db(settings)\n", "",
      f"{SERVER}::test_a_jobs_db_that_is_no_database_or_a_port_in_use_is_one_line_and_exit_2",
      why="a garbage jobs db: traceback, exit 3"),
    m("port_unchecked", "extractor/service/cli.py", "    _check_port(settings.host, settings.port)\n", "",
      f"{SERVER}::test_a_jobs_db_that_is_no_database_or_a_port_in_use_is_one_line_and_exit_2",
      why="a port in use: uvicorn's exit 3"),
    m("ray_address_unprobed", "extractor/ray/cluster.py", "    if address:\n        _check_reachable(address)\n", "",
      "tests/test_ray.py::test_an_unreachable_ray_address_is_one_line_and_exit_2_at_once",
      why="an unreachable Ray address hangs"),
    # -- the rest of the promised modules --
    m("duplicate_ids_overwrite", "extractor/batch.py", "        if earlier is None:\n", "        if True:\n",
      "tests/test_output_safety.py::test_case2_duplicate_ids_are_an_error_line_each_never_an_overwrite",
      why="a repeated id overwrites the first article's line"),
    m("nul_text_accepted", "extractor/articles/text.py", "    if \"\\x00\" in text:\n", "    if False:\n",
      f"{APP}::test_a_jsonl_job_counts_its_failed_articles_as_errors", why="a text with NUL bytes extracted"),
    m("max_chars_off_by_one", "extractor/articles/text.py", "    if len(article.text) > max_chars:\n",
      "    if len(article.text) > max_chars + 1:\n", "tests/test_articles.py tests/test_bad_input.py",
      why="an article one character over the limit accepted"),
    m("matching_trim_keeps_edges", "extractor/evaluation/matching.py",
      "    while start < end and _is_trim_character(text[start]):", "    while False and _is_trim_character(text[start]):",
      "tests/test_eval_matching.py", why="spans compared with their edge punctuation"),
    m("intervals_cover_end", "extractor/nlp/spans.py", "return last >= 0 and self._reach[last] > char",
      "return last >= 0 and self._reach[last] >= char", "tests/test_doc_index.py", why="a content's end counted inside"),
    m("ents_starting_inclusive", "extractor/nlp/spans.py",
      "return self.ents[bisect_left(self.ent_starts, first) : bisect_left(self.ent_starts, end)]",
      "return self.ents[bisect_left(self.ent_starts, first) : bisect_left(self.ent_starts, end + 1)]",
      "tests/test_doc_index.py", why="an entity starting at the end included"),
    m("own_job_ignores_key", "extractor/service/routes/jobs.py",
      "    if info is None or info.key_name != key.name:\n", "    if info is None:\n",
      f"{APP}::test_jobs_are_private_to_their_key", why="any key reads, cancels any job"),
    m("cancel_leaves_pending", "extractor/service/jobs.py",
      "                db.execute(\"UPDATE items SET state = 'cancelled' WHERE job_id = ? AND state = 'pending'\", (job_id,))\n",
      "                pass\n", f"{APP}::test_cancel_stops_articles_not_yet_started", why="cancel starts the rest anyway"),
)


def run(mutant: Mutant) -> tuple[str, float]:
    path = REPO / mutant.path
    original = path.read_text(encoding="utf-8")
    mutated = original
    for old, new in mutant.edits:
        if mutated.count(old) != 1:
            return "stale (the code it mutates changed: update the mutant)", 0.0
        mutated = mutated.replace(old, new)
    started = time.monotonic()
    try:
        path.write_text(mutated, encoding="utf-8")
        tests = [part for test in mutant.tests for part in test.split()]
        try:
            done = subprocess.run([*PYTEST, *tests], cwd=REPO, capture_output=True, text=True, timeout=TIMEOUT_S)
            outcome = "killed" if done.returncode != 0 else "survived"
        except subprocess.TimeoutExpired:
            outcome = "killed (timeout)"
    finally:
        path.write_text(original, encoding="utf-8")
    return outcome, time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated mutant names")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--report", type=Path, help="write the outcomes as JSON here")
    args = parser.parse_args()
    chosen = [mt for mt in MUTANTS if not args.only or mt.name in args.only.split(",")]
    if args.list:
        for mutant in chosen:
            print(f"{mutant.name:32} {mutant.path:42} {mutant.why}")
        return 0
    outcomes: dict[str, dict[str, object]] = {}
    for mutant in chosen:
        outcome, seconds = run(mutant)
        outcomes[mutant.name] = {"path": mutant.path, "outcome": outcome, "seconds": round(seconds, 1), "why": mutant.why}
        print(f"{outcome:18} {seconds:6.1f}s  {mutant.name}  ({mutant.why})", flush=True)
    killed = sum(1 for value in outcomes.values() if str(value["outcome"]).startswith("killed"))
    print(f"score: {killed}/{len(outcomes)} killed")
    if args.report:
        args.report.write_text(json.dumps({"killed": killed, "total": len(outcomes), "mutants": outcomes}, indent=1) + "\n")
    return 0 if killed == len(outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
