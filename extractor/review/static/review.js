/* The review page's script: reads the page's embedded JSON and draws the index, and one article at a time.

   Every string that comes from the data (article text, ids, titles, model answers) enters the page
   through textContent, text nodes or setAttribute, never as HTML. Articles are drawn only when
   opened, so a page of ten thousand articles opens as fast as its index. Each highlight is one
   <mark> with data-start/data-end (the evidence offsets) holding exactly the evidence quote;
   overlapping highlights sit in stacked layers (see model.py's assign_layers). */
(function () {
  "use strict";

  const PAGE_SIZE = 200;
  const CLAIMANT_SUGGESTIONS = 300;
  const data = JSON.parse(document.getElementById("review-data").textContent);
  const articles = data.articles;
  const hasGold = data.has_gold;
  // The words the page uses; diff mode (run A against run B) replaces them (model.py's labels).
  const L = Object.assign({
    gold: "gold",
    predicted: "predicted",
    matched: "matched",
    missed: "missed",
    spurious: "spurious",
    "gold-matched": "gold span of a match",
    missed_badge: "missed (gold)",
    pair_title: "Paired gold claim",
    field_gold: "gold",
    field_predicted: "predicted",
    agree: "Claimant, stance and date agree with the gold claim (where it annotates them).",
    gold_claims: "gold claims",
    predicted_claims: "predicted claims",
  }, data.labels || {});
  if (data.labels && data.labels.missed && !data.labels.missed_badge) L.missed_badge = data.labels.missed;
  const state = {
    sortKey: null,
    sortDir: 1,
    shown: PAGE_SIZE,
    order: [],
    current: -1,
    selected: null,
    indexDirty: true,
    filters: { search: "", stance: "", claimant: "", status: "", match: { matched: true, missed: true, spurious: true } },
  };
  // Annotate mode (static/annotate.js, loaded first): decisions, added claims, export.
  const annotator = data.mode === "annotate" && window.extractorAnnotator
    ? window.extractorAnnotator({
        data,
        articles,
        h: (...args) => h(...args),
        rerender,
        selected: () => state.selected,
        stepClaim: (step) => stepClaim(step),
      })
    : null;
  const indexView = document.getElementById("index-view");
  const articleView = document.getElementById("article-view");

  /* ---- small DOM helpers: the only way anything is put on the page ---- */

  function h(tag, props, children) {
    const node = document.createElement(tag);
    if (props) {
      for (const [key, value] of Object.entries(props)) {
        if (value === null || value === undefined || value === false) continue;
        if (key === "class") node.className = value;
        else if (key === "text") node.textContent = value;
        else if (key === "on") for (const [name, handler] of Object.entries(value)) node.addEventListener(name, handler);
        else node.setAttribute(key, value === true ? "" : String(value));
      }
    }
    if (children) for (const child of children) if (child !== null && child !== undefined) node.append(child);
    return node;
  }

  function fmt(value) {
    return value === null || value === undefined ? "–" : value.toFixed(3);
  }

  /* ---- filters ---- */

  function lower(value) {
    return (value || "").toLowerCase();
  }

  function articleHaystack(article) {
    if (article._hay === undefined) article._hay = [article.id, article.title, article.source].map(lower).join("\n");
    return article._hay;
  }

  function claimHaystack(claim) {
    if (claim._hay === undefined) {
      claim._hay = [claim.claimant, claim.role, claim.organization, claim.claim, claim.quote, claim.cue].map(lower).join("\n");
    }
    return claim._hay;
  }

  function matchKey(claim) {
    return claim.match === "gold-matched" ? "matched" : claim.match;
  }

  function claimFiltersActive() {
    const f = state.filters;
    return Boolean(f.stance || f.claimant || (hasGold && !(f.match.matched && f.match.missed && f.match.spurious)));
  }

  function claimVisible(article, claim) {
    const f = state.filters;
    if (hasGold && claim.match && !f.match[matchKey(claim)]) return false;
    if (f.stance && claim.stance !== f.stance) return false;
    if (f.claimant && !lower(claim.claimant).includes(f.claimant)) return false;
    if (f.search && !articleHaystack(article).includes(f.search) && !claimHaystack(claim).includes(f.search)) return false;
    return true;
  }

  function articleVisible(article) {
    const f = state.filters;
    if (f.status && article.status !== f.status) return false;
    const byClaims = claimFiltersActive();
    if (!byClaims && !f.search) return true;
    if (!byClaims && articleHaystack(article).includes(f.search)) return true;
    return article.claims.some((claim) => claimVisible(article, claim));
  }

  /* ---- the index ---- */

  function count(article, predicate) {
    let n = 0;
    for (const claim of article.claims) if (predicate(claim)) n += 1;
    return n;
  }

  const predictedCount = (a) => count(a, (c) => c.side === "predicted");
  const noteOf = (a) => a.error || a.text_note || (a.in_gold === false ? "not in the gold file" : "");
  const columns = hasGold
    ? [
        { key: "id", label: "article", value: (a) => a.id },
        { key: "title", label: "title", value: (a) => a.title || "" },
        { key: "status", label: "status", value: (a) => a.status },
        { key: "gold", label: L.gold, num: true, value: (a) => count(a, (c) => c.side === "gold") },
        { key: "predicted", label: L.predicted, num: true, value: predictedCount },
        { key: "matched", label: L.matched, num: true, value: (a) => count(a, (c) => c.match === "matched") },
        { key: "missed", label: L.missed, num: true, value: (a) => count(a, (c) => c.match === "missed") },
        { key: "spurious", label: L.spurious, num: true, value: (a) => count(a, (c) => c.match === "spurious") },
        { key: "precision", label: "P", num: true, score: true, value: (a) => (a.scores ? a.scores.precision : null) },
        { key: "recall", label: "R", num: true, score: true, value: (a) => (a.scores ? a.scores.recall : null) },
        { key: "f1", label: "F1", num: true, score: true, value: (a) => (a.scores ? a.scores.f1 : null) },
        { key: "note", label: "note", value: noteOf },
      ]
    : [
        { key: "id", label: "article", value: (a) => a.id },
        { key: "title", label: "title", value: (a) => a.title || "" },
        { key: "status", label: "status", value: (a) => a.status },
        { key: "claims", label: "claims", num: true, value: predictedCount },
        { key: "asserts", label: "asserts", num: true, value: (a) => count(a, (c) => c.stance === "asserts") },
        { key: "denies", label: "denies", num: true, value: (a) => count(a, (c) => c.stance === "denies") },
        { key: "unplaced", label: "not highlighted", num: true, value: (a) => count(a, (c) => !c.span) },
        { key: "note", label: "note", value: noteOf },
      ];

  if (annotator) columns.splice(columns.length - 1, 0, { key: "done", label: "done", value: (a) => (annotator.isDone(a) ? "done" : "") });

  function computeOrder() {
    const order = [];
    for (let i = 0; i < articles.length; i += 1) if (articleVisible(articles[i])) order.push(i);
    const column = columns.find((c) => c.key === state.sortKey);
    if (column) {
      const dir = state.sortDir;
      const values = new Map(order.map((i) => [i, column.value(articles[i])]));
      order.sort((x, y) => {
        const a = values.get(x);
        const b = values.get(y);
        if (a === b) return x - y;
        if (a === null) return 1; // articles without a score sort last either way
        if (b === null) return -1;
        const cmp = column.num ? a - b : String(a).localeCompare(String(b));
        return cmp * dir || x - y;
      });
    }
    state.order = order;
  }

  function summaryBlock() {
    const s = data.summary;
    const cards = [
      ["articles", `${s.articles} (${s.ok} ok, ${s.error} error${hasGold ? `, ${s.missing} missing` : ""})`],
      [L.predicted_claims, String(s.claims)],
      ["highlighted", `${s.highlighted} (${s.not_highlighted} not placed)`],
      ["articles without text", String(s.without_text)],
    ];
    if (hasGold) {
      cards.push([L.gold_claims, String(s.gold_claims)], [L.matched, String(s.matched)]);
      cards.push([L.missed, String(s.missed)], [L.spurious, String(s.spurious)]);
    }
    const block = h("section", { class: "summary", id: "summary" }, [
      h("div", { class: "cards" }, cards.map(([label, value]) => h("div", { class: "card" }, [h("span", { class: "card-label", text: label }), h("span", { class: "card-value", text: value })]))),
    ]);
    if (s.metrics.length) {
      const rows = s.metrics.map((m) => h("tr", null, [h("th", { text: m.label, scope: "row" }), h("td", { text: m.value }), h("td", { text: m.interval ? `95% CI ${m.interval}` : "" })]));
      block.append(h("table", { class: "metrics", id: "metrics" }, [h("tbody", null, rows)]));
    }
    if (s.gate) {
      const verdict = s.gate.passed ? "gate passed" : "gate FAILED";
      const checks = s.gate.checks.map((c) => h("li", { class: c.passed ? "pass" : "fail", text: `${c.passed ? "pass" : "FAIL"}: ${c.kind}: ${c.detail}` }));
      block.append(h("div", { class: `gate ${s.gate.passed ? "pass" : "fail"}`, id: "gate" }, [h("strong", { text: verdict }), h("ul", null, checks)]));
    }
    if (s.warnings.length) block.append(h("ul", { class: "warnings" }, s.warnings.map((w) => h("li", { text: w }))));
    const sources = [data.mode === "diff" ? `runs: ${data.predictions}` : `predictions: ${data.predictions}`];
    if (data.gold) sources.push(`gold: ${data.gold}`);
    sources.push(`generated ${data.generated_at}`);
    block.append(h("p", { class: "provenance", text: sources.join(" · ") }));
    return block;
  }

  function headerCell(column) {
    const sorted = state.sortKey === column.key;
    const ariaSort = sorted ? (state.sortDir > 0 ? "ascending" : "descending") : "none";
    const arrow = sorted ? (state.sortDir > 0 ? " ▲" : " ▼") : "";
    const button = h("button", { type: "button", class: "sort", "data-sort": column.key, text: column.label + arrow });
    button.addEventListener("click", () => {
      if (state.sortKey === column.key) state.sortDir = -state.sortDir;
      else {
        state.sortKey = column.key;
        state.sortDir = column.score ? -1 : 1; // scores: worst-first is one click away, best first by default
      }
      computeOrder();
      renderIndex();
    });
    return h("th", { scope: "col", "aria-sort": ariaSort, class: column.num ? "num" : null }, [button]);
  }

  function indexRow(i) {
    const article = articles[i];
    const cells = columns.map((column) => {
      const value = column.value(article);
      if (column.key === "id") return h("td", { class: "col-id" }, [h("a", { href: `#/a/${i}`, text: value })]);
      const text = column.score ? fmt(value) : String(value);
      return h("td", { class: column.num ? `num col-${column.key}` : `col-${column.key}`, text });
    });
    const row = h("tr", { tabindex: "0", "data-index": i, class: `row status-${article.status}` }, cells);
    row.addEventListener("click", (event) => {
      if (event.target instanceof HTMLAnchorElement) return;
      location.hash = `#/a/${i}`;
    });
    row.addEventListener("keydown", (event) => {
      if (event.key === "Enter") location.hash = `#/a/${i}`;
    });
    return row;
  }

  function renderIndex() {
    const shown = state.order.slice(0, state.shown);
    const table = h("table", { class: "index", id: "index-table" }, [
      h("thead", null, [h("tr", null, columns.map(headerCell))]),
      h("tbody", null, shown.map(indexRow)),
    ]);
    const status = h("p", { class: "shown", id: "index-count", text: `Showing ${shown.length} of ${state.order.length} matching articles (${articles.length} in all).` });
    const more = state.order.length > shown.length
      ? h("button", { type: "button", id: "show-more", text: `Show ${Math.min(PAGE_SIZE, state.order.length - shown.length)} more`, on: { click: () => { state.shown += PAGE_SIZE; renderIndex(); } } })
      : null;
    indexView.replaceChildren(summaryBlock(), status, h("div", { class: "table-wrap" }, [table]), more || "");
    state.indexDirty = false;
  }

  /* ---- one article ---- */

  function claimById(article, id) {
    return article.claims.find((c) => c.id === id) || null;
  }

  function claimClasses(claim) {
    const parts = ["hl", `side-${claim.side}`];
    if (claim.stance) parts.push(`stance-${claim.stance}`);
    if (claim.match) parts.push(`match-${claim.match}`);
    return parts.join(" ");
  }

  function tooltip(claim) {
    const who = claim.claimant || "(no claimant)";
    const how = claim.stance || "stance not annotated";
    const what = claim.match ? ` [${claim.match}]` : "";
    return `${who} (${how})${what}: ${claim.claim}`;
  }

  function textStack(article) {
    const text = article.text;
    const drawn = article.claims.filter((c) => c.span);
    const layers = drawn.reduce((most, c) => Math.max(most, c.layer + 1), 1);
    const stack = h("div", { class: "text-stack", id: "text-stack" });
    for (let layer = 0; layer < layers; layer += 1) {
      const base = layer === 0;
      const node = h("div", { class: base ? "layer base" : "layer overlay", "data-layer": Math.min(layer, 5), "aria-hidden": base ? null : "true" });
      const inLayer = drawn.filter((c) => c.layer === layer).sort((x, y) => x.span[0] - y.span[0]);
      let pos = 0;
      for (const claim of inLayer) {
        if (claim.span[0] > pos) node.append(text.slice(pos, claim.span[0]));
        const mark = h("mark", { class: claimClasses(claim), "data-claim": claim.id, "data-start": claim.start, "data-end": claim.end, title: tooltip(claim) });
        mark.textContent = text.slice(claim.span[0], claim.span[1]);
        node.append(mark);
        pos = claim.span[1];
      }
      // Overlays only need the text up to their last highlight to wrap exactly like the base layer.
      if (base) node.append(text.slice(pos));
      stack.append(node);
    }
    stack.addEventListener("click", (event) => {
      const marks = document.elementsFromPoint(event.clientX, event.clientY).filter((el) => el instanceof HTMLElement && el.matches("mark.hl:not(.off)"));
      if (!marks.length) return;
      // Several highlights under the pointer: each click moves to the next one.
      const ids = marks.map((m) => m.getAttribute("data-claim"));
      const current = ids.indexOf(state.selected);
      const pair = state.selected ? (claimById(article, state.selected) || {}).pair : null;
      const at = current >= 0 ? current : ids.indexOf(pair);
      selectClaim(ids[(at + 1) % ids.length], false);
    });
    return stack;
  }

  function badge(cls, text) {
    return h("span", { class: `badge ${cls}`, text });
  }

  function listItem(claim) {
    const item = h("li", { class: `claim-item ${claimClasses(claim)}`, "data-claim": claim.id, tabindex: "-1" }, [
      h("div", { class: "claim-head" }, [
        claim.stance ? badge(`stance-${claim.stance}`, claim.stance) : badge("stance-none", "no stance"),
        claim.match ? badge(`match-${claim.match}`, claim.match === "missed" ? L.missed_badge : L[claim.match] || claim.match) : null,
        h("span", { class: "claimant", text: claim.claimant || "(no claimant)" }),
      ]),
      h("div", { class: "claim-text", text: claim.claim }),
      h("div", { class: "claim-quote", text: `“${claim.quote}” ${claim.start}–${claim.end}` }),
      claim.span ? null : h("div", { class: "warn", text: "not highlighted: the quote is not at these offsets in the text shown" }),
    ]);
    item.addEventListener("click", () => selectClaim(claim.id, true));
    return item;
  }

  function field(label, value) {
    return [h("dt", { text: label }), h("dd", { text: value === null || value === undefined || value === "" ? "–" : String(value) })];
  }

  function claimFields(claim) {
    return [
      ...field("claimant", claim.claimant),
      ...field("role", claim.role),
      ...field("organization", claim.organization),
      ...field("stance", claim.stance),
      ...field("claim", claim.claim),
      ...field("said on", claim.said_on),
      ...field("attribution", claim.attribution),
      ...field("cue", claim.cue),
      ...field("evidence", `${claim.start}–${claim.end}`),
      ...field("quote", claim.quote),
    ];
  }

  function renderDetail(article, claim) {
    const detail = document.getElementById("detail");
    if (!claim) {
      detail.replaceChildren(h("p", { class: "hint", text: "Select a claim (click it, or press j / k) to see all its fields." }));
      return;
    }
    const title = claim.side === "gold" ? `${L.gold} claim (${L.missed})` : claim.match ? `${L.predicted} claim (${L[claim.match] || claim.match})` : "Claim";
    const parts = [h("h3", { text: title }), h("dl", null, claimFields(claim))];
    const pair = claim.pair ? claimById(article, claim.pair) : null;
    if (pair) {
      parts.push(h("h3", { text: L.pair_title }), h("dl", null, claimFields(pair)));
    }
    if (claim.disagreements.length) {
      const rows = claim.disagreements.map((d) => h("tr", null, [h("th", { scope: "row", text: d.field }), h("td", { text: d.gold ?? "–" }), h("td", { text: d.predicted ?? "–" })]));
      parts.push(h("h3", { text: "Disagreements" }), h("table", { class: "disagreements" }, [h("thead", null, [h("tr", null, [h("th", { text: "field" }), h("th", { text: L.field_gold }), h("th", { text: L.field_predicted })])]), h("tbody", null, rows)]));
    } else if (pair) {
      parts.push(h("p", { class: "agree", text: L.agree }));
    }
    detail.replaceChildren(...parts);
    if (annotator) annotator.detail(article, claim, detail);
  }

  function selectClaim(id, scroll) {
    const article = articles[state.current];
    let claim = id ? claimById(article, id) : null;
    if (claim && claim.match === "gold-matched") claim = claimById(article, claim.pair);
    for (const node of articleView.querySelectorAll(".selected")) node.classList.remove("selected");
    for (const node of articleView.querySelectorAll("[aria-current]")) node.removeAttribute("aria-current");
    state.selected = claim ? claim.id : null;
    renderDetail(article, claim);
    if (!claim) return;
    const ids = [claim.id];
    if (claim.pair) ids.push(claim.pair);
    let firstMark = null;
    for (const cid of ids) {
      for (const node of articleView.querySelectorAll(`[data-claim="${CSS.escape(cid)}"]`)) {
        node.classList.add("selected");
        if (node.tagName === "MARK" && cid === claim.id) firstMark = node;
      }
    }
    const item = articleView.querySelector(`li[data-claim="${CSS.escape(claim.id)}"]`);
    if (item) {
      item.setAttribute("aria-current", "true");
      item.scrollIntoView({ block: "nearest" });
    }
    if (firstMark && scroll) firstMark.scrollIntoView({ block: "center" });
    history.replaceState(null, "", `#/a/${state.current}/c/${claim.id}`);
  }

  function applyClaimFilters() {
    const article = articles[state.current];
    if (!article) return;
    let listed = 0;
    for (const claim of article.claims) {
      const visible = claimVisible(article, claim);
      for (const node of articleView.querySelectorAll(`[data-claim="${CSS.escape(claim.id)}"]`)) {
        if (node.tagName === "MARK") node.classList.toggle("off", !visible);
        else {
          node.hidden = !visible;
          if (visible) listed += 1;
        }
      }
    }
    const counter = document.getElementById("claim-count");
    if (counter) counter.textContent = `${listed} of ${article.claims.filter((c) => c.match !== "gold-matched").length} claims shown`;
  }

  function legend() {
    const items = [h("span", { class: "legend-item" }, [h("span", { class: "sample stance-asserts", text: "asserts" })]), h("span", { class: "legend-item" }, [h("span", { class: "sample stance-denies", text: "denies" })])];
    if (hasGold) {
      items.push(
        h("span", { class: "legend-item" }, [h("span", { class: "sample stance-asserts match-matched", text: L.matched })]),
        h("span", { class: "legend-item" }, [h("span", { class: "sample side-gold match-missed", text: data.labels && data.labels.missed ? L.missed : "missed (gold only)" })]),
        h("span", { class: "legend-item" }, [h("span", { class: "sample stance-asserts match-spurious", text: data.labels && data.labels.spurious ? L.spurious : "spurious (predicted only)" })]),
        h("span", { class: "legend-item" }, [h("span", { class: "sample side-gold match-gold-matched", text: L["gold-matched"] })]),
      );
    }
    return h("div", { class: "legend", "aria-label": "Highlight styles" }, items);
  }

  function renderArticle(i) {
    const article = articles[i];
    state.current = i;
    state.selected = null;
    const position = state.order.indexOf(i);
    const nav = h("nav", { class: "article-nav" }, [
      h("a", { href: "#/", id: "back", text: "← all articles" }),
      h("button", { type: "button", id: "prev-article", text: "← previous (p)", on: { click: () => stepArticle(-1) } }),
      h("button", { type: "button", id: "next-article", text: "next (n) →", on: { click: () => stepArticle(1) } }),
      h("span", { class: "position", text: position >= 0 ? `${position + 1} of ${state.order.length}` : "not in the filtered list" }),
    ]);
    const meta = [`source: ${article.source}`, `status: ${article.status}`];
    if (article.strategy) meta.push(`strategy: ${article.strategy}`);
    if (article.model) meta.push(`model: ${article.model}`);
    if (article.prompt_version) meta.push(`prompt: ${article.prompt_version}`);
    if (article.scores) {
      const s = article.scores;
      meta.push(`gold ${s.gold}, predicted ${s.predicted}, matched ${s.matched}; P ${fmt(s.precision)} R ${fmt(s.recall)} F1 ${fmt(s.f1)}`);
    }
    const header = h("header", { class: "article-header" }, [
      h("h2", { id: "article-id", text: article.id }),
      article.title ? h("p", { class: "article-title", id: "article-title", text: article.title }) : null,
      h("p", { class: "article-meta", text: meta.join(" · ") }),
      article.error ? h("p", { class: "error", id: "article-error", text: `error: ${article.error}` }) : null,
      article.text_note ? h("p", { class: "note", id: "text-note", text: article.text_note }) : null,
    ]);
    const listed = article.claims.filter((c) => c.match !== "gold-matched");
    const textPane = article.text !== null
      ? h("div", { class: "text-pane" }, [textStack(article)])
      : h("div", { class: "text-pane unavailable", text: "The article text is not available, so its claims are listed without highlights." });
    const side = h("aside", { class: "side" }, [
      h("p", { class: "claim-count", id: "claim-count" }),
      listed.length ? h("ol", { class: "claims", id: "claims" }, listed.map(listItem)) : h("p", { class: "hint", text: "No claims." }),
      h("div", { class: "detail", id: "detail", "aria-live": "polite" }),
    ]);
    articleView.replaceChildren(nav, header, legend(), h("div", { class: "article-layout" }, [textPane, side]));
    renderDetail(article, null);
    applyClaimFilters();
    if (annotator) annotator.decorate(article, articleView);
  }

  // Draw the open article again (annotate mode changed it), keeping or moving the selection.
  function rerender(selectId) {
    if (state.current < 0) return;
    const keep = selectId !== undefined ? selectId : state.selected;
    const top = window.scrollY;
    renderArticle(state.current);
    state.indexDirty = true;
    if (keep) selectClaim(keep, false);
    window.scrollTo(0, top);
  }

  function stepArticle(step) {
    if (!articles.length) return;
    const order = state.order.length ? state.order : articles.map((_, i) => i);
    const at = order.indexOf(state.current);
    const next = at < 0 ? order[0] : order[Math.min(order.length - 1, Math.max(0, at + step))];
    if (next !== undefined && next !== state.current) location.hash = `#/a/${next}`;
  }

  function stepClaim(step) {
    const items = [...articleView.querySelectorAll("li.claim-item:not([hidden])")];
    if (!items.length) return;
    const at = items.findIndex((item) => item.getAttribute("data-claim") === state.selected);
    const next = at < 0 ? (step > 0 ? 0 : items.length - 1) : Math.min(items.length - 1, Math.max(0, at + step));
    selectClaim(items[next].getAttribute("data-claim"), true);
  }

  function stepRow(step) {
    const rows = [...indexView.querySelectorAll("tr.row")];
    if (!rows.length) return;
    const at = rows.indexOf(document.activeElement);
    const next = at < 0 ? 0 : Math.min(rows.length - 1, Math.max(0, at + step));
    rows[next].focus();
  }

  /* ---- routing: #/ is the index, #/a/N an article, #/a/N/c/ID a selected claim ---- */

  function showIndex() {
    articleView.hidden = true;
    articleView.replaceChildren(); // drop the article's DOM: only the index stays drawn
    state.current = -1;
    if (state.indexDirty) renderIndex();
    indexView.hidden = false;
  }

  function route() {
    const found = /^#\/a\/(\d+)(?:\/c\/([pga]\d+))?$/.exec(location.hash);
    const index = found ? Number(found[1]) : -1;
    if (index < 0 || index >= articles.length) {
      showIndex();
      return;
    }
    indexView.hidden = true;
    articleView.hidden = false;
    if (state.current !== index) {
      renderArticle(index);
      window.scrollTo(0, 0);
    }
    if (found[2]) selectClaim(found[2], true);
  }

  /* ---- wiring ---- */

  function onFiltersChanged() {
    computeOrder();
    state.shown = PAGE_SIZE;
    state.indexDirty = true;
    if (!indexView.hidden) renderIndex();
    if (!articleView.hidden) applyClaimFilters();
  }

  function setUpFilters() {
    const f = state.filters;
    const search = document.getElementById("f-search");
    let timer = 0;
    search.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        f.search = lower(search.value.trim());
        onFiltersChanged();
      }, 120);
    });
    const stance = document.getElementById("f-stance");
    stance.addEventListener("change", () => { f.stance = stance.value; onFiltersChanged(); });
    const claimant = document.getElementById("f-claimant");
    claimant.addEventListener("input", () => { f.claimant = lower(claimant.value.trim()); onFiltersChanged(); });
    const status = document.getElementById("f-status");
    status.addEventListener("change", () => { f.status = status.value; onFiltersChanged(); });
    for (const key of ["matched", "missed", "spurious"]) {
      const box = document.getElementById(`f-${key}`);
      box.addEventListener("change", () => { f.match[key] = box.checked; onFiltersChanged(); });
    }
    document.getElementById("match-filters").hidden = !hasGold;
    for (const key of ["matched", "missed", "spurious"]) {
      const label = document.getElementById(`f-${key}`).parentElement.lastChild;
      if (label && label.nodeType === Node.TEXT_NODE) label.textContent = L[key];
    }
    if (!hasGold) status.querySelector('option[value="missing"]').remove();
    document.getElementById("f-clear").addEventListener("click", () => {
      search.value = claimant.value = stance.value = status.value = "";
      for (const key of ["matched", "missed", "spurious"]) document.getElementById(`f-${key}`).checked = true;
      Object.assign(f, { search: "", stance: "", claimant: "", status: "", match: { matched: true, missed: true, spurious: true } });
      onFiltersChanged();
    });
    const names = new Map();
    for (const article of articles) for (const claim of article.claims) if (claim.claimant) names.set(claim.claimant, (names.get(claim.claimant) || 0) + 1);
    const top = [...names.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, CLAIMANT_SUGGESTIONS);
    document.getElementById("claimant-names").replaceChildren(...top.map(([name]) => h("option", { value: name })));
  }

  function onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target instanceof HTMLInputElement || target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement) {
      if (event.key === "Escape") target.blur();
      return;
    }
    const inArticle = !articleView.hidden;
    if (annotator && inArticle && annotator.onKey(event, articles[state.current])) {
      event.preventDefault();
      return;
    }
    switch (event.key) {
      case "/":
        event.preventDefault();
        document.getElementById("f-search").focus();
        break;
      case "j":
        if (inArticle) stepClaim(1);
        else stepRow(1);
        break;
      case "k":
        if (inArticle) stepClaim(-1);
        else stepRow(-1);
        break;
      case "n":
        if (inArticle) stepArticle(1);
        break;
      case "p":
        if (inArticle) stepArticle(-1);
        break;
      case "Escape":
        if (inArticle) location.hash = "#/";
        break;
      default:
        return;
    }
  }

  setUpFilters();
  computeOrder();
  document.addEventListener("keydown", onKey);
  window.addEventListener("hashchange", route);
  route();
  document.documentElement.setAttribute("data-ready", "true");
  window.reviewReadyAt = performance.now();
})();
