"""Strategies by name: built-ins, code registrations and third-party plugins through the entry point group.

The plugin test installs a real (if tiny) distribution: a module and a ``.dist-info`` folder
with an ``entry_points.txt`` in ``tmp_path``, put on ``sys.path``, exactly what pip leaves
behind for a package declaring ``[project.entry-points."extractor.strategies"]``.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extractor import ConfigError, Extractor
from extractor.articles import read_articles
from extractor.cli import app
from extractor.strategies import (
    ENTRY_POINT_GROUP,
    StrategyOutput,
    available_strategies,
    get_strategy,
    register_strategy,
    unregister_strategy,
)

PLUGIN = '''
"""A third-party strategy: every sentence with "said" is a claim by the first capitalised word."""
import re
from extractor import AttributionKind, Claim, Claimant, Evidence, Stance, StrategyOutput

class EchoStrategy:
    name = "echo"
    prompt_version = "echo@1"
    uses_llm = False
    cpu_pass = False

    def extract(self, article, llm):
        claims = []
        for match in re.finditer(r"[^.\\n]*\\bsaid\\b[^.\\n]*", article.text):
            speaker = re.search(r"[A-Z][a-z]+", match.group(0))
            if speaker:
                claims.append(Claim(
                    claimant=Claimant(name=speaker.group(0)), stance=Stance.ASSERTS, claim=match.group(0).strip(),
                    evidence=Evidence(quote=match.group(0), start=match.start(), end=match.end()),
                    attribution=AttributionKind.REPORTED))
        # One invented quote in the body: the pipeline's grounding gate must drop it, plugin or not.
        end = len(article.text)
        invented = Claim(claimant=Claimant(name="Nobody"), stance=Stance.ASSERTS, claim="Invented.",
                         evidence=Evidence(quote="never written", start=end - 13, end=end),
                         attribution=AttributionKind.REPORTED)
        return StrategyOutput(claims=[*claims, invented])
'''


@pytest.fixture
def echo_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    site = tmp_path / "site"
    (site / "extractor_echo-1.0.dist-info").mkdir(parents=True)
    (site / "extractor_echo.py").write_text(textwrap.dedent(PLUGIN), encoding="utf-8")
    info = site / "extractor_echo-1.0.dist-info"
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: extractor-echo\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(
        f"[{ENTRY_POINT_GROUP}]\necho = extractor_echo:EchoStrategy\nguided = extractor_echo:EchoStrategy\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(site))
    yield site


def test_builtins_are_available_first() -> None:
    assert available_strategies()[:4] == ("guided", "guided_full", "whole_article", "baseline")
    assert get_strategy("baseline").name == "baseline"


def test_a_plugin_strategy_is_found_through_its_entry_point(echo_plugin: Path, articles_dir: Path) -> None:
    assert "echo" in available_strategies()
    strategy = get_strategy("echo")
    assert (strategy.name, strategy.prompt_version, strategy.uses_llm) == ("echo", "echo@1", False)
    # A plugin cannot take a built-in name: "guided" is still the built-in.
    assert type(get_strategy("guided")).__name__ == "GuidedStrategy"

    sample = sorted(articles_dir.glob("*.txt"))[0]
    text = sample.read_text(encoding="utf-8")
    (article,) = read_articles([sample])
    plain = get_strategy("echo").extract(article, None)  # type: ignore[arg-type]
    with Extractor(strategy="echo") as ex:
        result = ex.extract(text, detect_header=True)  # read as its file is: a title line is front matter
    assert result.status == "ok" and result.strategy == "echo" and result.prompt_version == "echo@1"
    # The pipeline's gates apply to plugins too: the invented quote and header matter are dropped.
    body_start = article.body_start  # type: ignore[union-attr]
    kept = [c for c in plain.claims if c.evidence.grounded_in(text) and c.evidence.start >= body_start]
    # The pipeline adds each claimant's speaker key (extractor.claimants); the rest is the plugin's claim.
    unkeyed = [c.model_copy(update={"claimant": c.claimant.model_copy(update={"key": None})}) for c in result.claims]
    assert unkeyed == kept and len(kept) >= 2
    assert result.dropped_ungrounded == len(plain.claims) - len(kept) >= 2


def test_the_cli_runs_a_plugin_strategy(echo_plugin: Path, articles_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    done = CliRunner().invoke(app, ["extract", str(articles_dir), "-o", str(out), "--strategy", "echo"])
    assert done.exit_code == 0, done.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 5 and {line["strategy"] for line in lines} == {"echo"}


def test_a_broken_plugin_is_a_config_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    info = tmp_path / "broken-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: broken\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\nbroken = no_such_module:X\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ConfigError, match=r"'broken' .*cannot be loaded: ModuleNotFoundError"):
        get_strategy("broken")
    done = CliRunner().invoke(app, ["extract", str(tmp_path), "-o", str(tmp_path / "o.jsonl"), "--strategy", "broken"])
    assert done.exit_code == 2 and "cannot be loaded" in done.output


class _Named:
    prompt_version = None
    uses_llm = False
    cpu_pass = False

    def __init__(self, name: str) -> None:
        self.name = name

    def extract(self, article: object, llm: object) -> StrategyOutput:
        return StrategyOutput(claims=[])


def test_register_in_code() -> None:
    register_strategy("mine", lambda: _Named("mine"))
    try:
        assert "mine" in available_strategies() and get_strategy("mine").name == "mine"
        with pytest.raises(ConfigError, match="already registered"):
            register_strategy("mine", lambda: _Named("mine"))
        with pytest.raises(ConfigError, match="already registered"):
            register_strategy("baseline", lambda: _Named("baseline"))
    finally:
        unregister_strategy("mine")
    assert "mine" not in available_strategies()


def test_a_strategy_must_implement_the_protocol_and_answer_to_its_name() -> None:
    register_strategy("liar", lambda: _Named("someone-else"))
    register_strategy("nothing", lambda: object())  # type: ignore[arg-type,return-value]
    try:
        with pytest.raises(ConfigError, match="calls itself 'someone-else'"):
            get_strategy("liar")
        with pytest.raises(ConfigError, match="does not implement the Strategy protocol"):
            get_strategy("nothing")
    finally:
        unregister_strategy("liar")
        unregister_strategy("nothing")
