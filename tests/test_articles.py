"""Input parsing: titles, scraped header junk, publication dates, body start, and every input format."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from extractor.articles import ArticleFailure, parse_header, read_articles
from extractor.records import Article


def _read(paths: list[Path], **kwargs: object) -> list[Article | ArticleFailure]:
    return list(read_articles(paths, **kwargs))  # type: ignore[arg-type]


def test_sample_articles_titles_dates_and_body(articles_dir: Path) -> None:
    read = [a for a in _read([articles_dir]) if isinstance(a, Article)]
    # A file's id is its path as reached from the given folder.
    assert [a.id for a in read] == [str(p) for p in sorted(articles_dir.glob("*.txt"))]
    found = {Path(a.id).stem: a for a in read}
    assert len(found) == 5
    junk = found["002_196d01a656543f14"]
    assert junk.published == dt.date(2024, 2, 14)
    assert junk.title and junk.title.startswith("Diplomat calls publications")
    assert "{{" not in junk.text[junk.body_start :]
    fused = found["004_d8f5a990ccd71f66"]
    assert fused.published == dt.date(2021, 4, 10)
    assert fused.text[fused.body_start :].startswith("Russia has not conducted")
    repeated_title = found["000_4de6a718e1ebd4a2"]
    # The standfirst under a repeated title is front matter too (docs/annotation.md §1).
    assert repeated_title.text[repeated_title.body_start :].startswith("Russia and the US are currently")
    lede_not_title = found["003_135d9834a0f45a4b"]
    assert lede_not_title.title is None and lede_not_title.body_start == 0


def test_text_is_normalised_only_as_documented(tmp_path: Path) -> None:
    raw = "\ufeffHeadline\r\n\r\nCafé owner Zoë said “no”. \u00a0Spaces  kept.\rCombining e\u0301.\r\n"
    path = tmp_path / "a.txt"
    path.write_bytes(raw.encode("utf-8"))
    (article,) = _read([path])
    assert isinstance(article, Article)
    # BOM dropped, CRLF and CR to LF; no Unicode or whitespace normalisation.
    assert article.text == "Headline\n\nCafé owner Zoë said “no”. \u00a0Spaces  kept.\nCombining e\u0301.\n"
    # ... which is exactly what Python's default text read gives (less the BOM): what readers of `source` see.
    assert article.text == path.read_text(encoding="utf-8").removeprefix("\ufeff")
    assert article.title == "Headline" and article.text_from_source


def test_header_with_only_a_date_marker() -> None:
    header = parse_header(" date 2024-02-14 {{x | date}}\nTitle here\n\nBody sentence one. Body two.\n")
    assert header.published == dt.date(2024, 2, 14)
    assert header.title == "Title here"


def test_standfirst_only_after_a_repeated_title() -> None:
    standfirst = "Kremlin denies talks\n\nKremlin denies talks\n\nPeskov said there were no talks.\n\nBody one. Two.\n"
    assert standfirst[parse_header(standfirst).body_start :].startswith("Body one.")
    # A single title: the one-sentence paragraph after it is the lede, as in most news copy.
    lede = "Kremlin denies talks\n\nPeskov said there were no talks.\n\nBody one. Two.\n"
    assert lede[parse_header(lede).body_start :].startswith("Peskov said")
    # Several sentences after a repeated title: that is body text.
    body = "Kremlin denies talks\n\nKremlin denies talks\n\nPeskov spoke. He denied it.\n\nMore.\n"
    assert body[parse_header(body).body_start :].startswith("Peskov spoke.")
    # Nothing after it: a lone paragraph is the body, never dropped.
    alone = "Kremlin denies talks\n\nKremlin denies talks\n\nPeskov said there were no talks.\n"
    assert alone[parse_header(alone).body_start :].startswith("Peskov said")


def test_json_and_jsonl_inputs(tmp_path: Path) -> None:
    (tmp_path / "one.json").write_text(json.dumps({"id": "x1", "text": "Body.", "published": "2020-01-02"}))
    lines = [json.dumps({"id": 7, "text": "First body.", "title": "T"}), "{not json", json.dumps({"text": "no id"})]
    (tmp_path / "many.jsonl").write_text("\n".join(lines) + "\n")
    results = _read([tmp_path / "one.json", tmp_path / "many.jsonl"])
    assert isinstance(results[0], Article) and results[0].published == dt.date(2020, 1, 2)
    assert isinstance(results[1], Article) and results[1].id == "7" and results[1].title == "T"
    assert isinstance(results[2], ArticleFailure) and "line 2" in results[2].message
    # A record without an id is named by its place: file:line.
    assert isinstance(results[3], Article) and results[3].id == f"{tmp_path / 'many.jsonl'}:3"


def test_html_main_text_is_extracted(tmp_path: Path) -> None:
    body = " ".join(["The minister said the talks would resume next week, according to officials."] * 5)
    html = (
        "<html><head><title>Talks</title><script>var x = 'ignore me';</script></head>"
        f"<body><nav>Menu</nav><article><h1>Talks</h1><p>{body}</p></article></body></html>"
    )
    (tmp_path / "page.html").write_text(html)
    (article,) = _read([tmp_path / "page.html"])
    assert isinstance(article, Article)
    assert "minister said" in article.text and "ignore me" not in article.text


def test_unsupported_and_missing_and_oversized(tmp_path: Path) -> None:
    (tmp_path / "x.pdf").write_bytes(b"%PDF")
    (tmp_path / "big.txt").write_text("Title\n\n" + "word " * 100)
    results = _read([tmp_path / "x.pdf", tmp_path / "nope.txt", tmp_path / "big.txt"], max_chars=100)
    messages = [r.message for r in results if isinstance(r, ArticleFailure)]
    assert len(messages) == 3
    assert "unsupported file type" in messages[0]
    assert "no such file" in messages[1]
    assert "over the limit" in messages[2]


def test_the_article_size_limit_is_exact_to_the_character() -> None:
    from extractor.articles import article_from_text

    text = "Bridge news.\nAnna Smith said the bridge would reopen in May.\n"
    at_limit = article_from_text(text, max_chars=len(text))
    over = article_from_text(text + "x", max_chars=len(text))
    assert isinstance(at_limit, Article)
    assert isinstance(over, ArticleFailure) and f"over the limit of {len(text):,}" in over.message
