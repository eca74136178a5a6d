/* The review page's annotate mode: accept, reject or edit each predicted claim, add missed claims by
   selecting their evidence, mark articles done, and export the result as a gold file (JSON Lines).

   Loaded before review.js, which calls window.extractorAnnotator(api) when the page's mode is
   "annotate" and then asks the returned object to decorate what it draws and to handle keys.

   Offsets: the browser indexes strings in UTF-16 code units, gold files in code points of the
   article text (Python str indices). A selection is measured in UTF-16 units against the article's
   base text layer (which holds exactly the article text) and converted to code points; the quote
   is exactly the selected text. Work is kept in localStorage under the page's content key, so it
   survives a reload. As in review.js, every string from the data goes in as text (textContent,
   input values), never as HTML. */
(function () {
  "use strict";

  window.extractorAnnotator = function (api) {
    const { data, articles, h } = api;
    const setup = data.annotation;
    const storeKey = `extractor-annotate:${setup.key}`;
    const byId = new Map(articles.map((article) => [article.id, article]));
    let work = load();
    let editing = null; // {articleId, claimId} while the edit form is open

    /* ---- saved work ---- */

    function initial() {
      const fresh = { version: 1, articles: {} };
      for (const article of articles) {
        if (!article.annotation) continue;
        const added = article.annotation.added.map((claim, n) => Object.assign({ id: `a${n}` }, claim));
        fresh.articles[article.id] = { done: article.annotation.done, decisions: article.annotation.decisions, added, next: added.length };
      }
      return fresh;
    }

    function load() {
      try {
        const saved = JSON.parse(localStorage.getItem(storeKey) || "null");
        if (saved && saved.version === 1 && saved.articles) return saved;
      } catch (error) {
        // unreadable saved work: start again from the page's own data
      }
      return initial();
    }

    function save() {
      try {
        localStorage.setItem(storeKey, JSON.stringify(work));
      } catch (error) {
        note(`could not save in this browser (${error.name}); export to keep your work`);
      }
    }

    function articleWork(article) {
      if (!work.articles[article.id]) work.articles[article.id] = { done: false, decisions: {}, added: [], next: 0 };
      return work.articles[article.id];
    }

    /* ---- offsets ---- */

    function codePoints(text, units) {
      let count = 0;
      for (let i = 0; i < units; i += 1) {
        const code = text.charCodeAt(i);
        if (code >= 0xdc00 && code <= 0xdfff && i > 0) {
          const before = text.charCodeAt(i - 1);
          if (before >= 0xd800 && before <= 0xdbff) continue; // the second half of a pair
        }
        count += 1;
      }
      return count;
    }

    function utf16(text, points) {
      let units = 0;
      for (let seen = 0; seen < points && units < text.length; seen += 1) {
        const code = text.charCodeAt(units);
        units += code >= 0xd800 && code <= 0xdbff && units + 1 < text.length ? 2 : 1;
      }
      return units;
    }

    /* ---- the claims an article shows: predicted ones, plus the added ones drawn like them ---- */

    function layerFor(article, start, end) {
      const busy = new Set();
      for (const claim of article.claims) {
        if (claim.span && claim.span[0] < end && start < claim.span[1]) busy.add(claim.layer);
      }
      let layer = 0;
      while (busy.has(layer)) layer += 1;
      return layer;
    }

    function syncAdded(article) {
      article.claims = article.claims.filter((claim) => !claim.added);
      for (const added of articleWork(article).added) {
        const span = [utf16(article.text, added.start), utf16(article.text, added.end)];
        const claim = {
          id: added.id, side: "predicted", match: null, pair: null, claimant: added.claimant, role: added.role,
          organization: added.organization, stance: added.stance, claim: added.claim, quote: added.quote,
          start: added.start, end: added.end, span, layer: 0, said_on: added.said_on, attribution: added.attribution,
          cue: added.cue || null, named: added.named, disagreements: [], added: true,
        };
        claim.layer = layerFor(article, span[0], span[1]);
        article.claims.push(claim);
      }
      article.claims.sort((x, y) => x.start - y.start || x.end - y.end);
    }

    for (const article of articles) if (article.annotation && article.text !== null) syncAdded(article);

    /* ---- decisions ---- */

    function decisionOf(article, claim) {
      if (claim.added) return { status: "added" };
      return articleWork(article).decisions[claim.id] || { status: "pending" };
    }

    function fieldsOf(article, claim) {
      const base = {
        claimant: claim.claimant || "", named: claim.named, role: claim.role, organization: claim.organization,
        stance: claim.stance, claim: claim.claim, said_on: claim.said_on, attribution: claim.attribution,
      };
      const decision = decisionOf(article, claim);
      return decision.fields ? Object.assign(base, decision.fields) : base;
    }

    function decide(article, claimId, status) {
      const claim = article.claims.find((c) => c.id === claimId);
      if (!claim || !article.annotation) return;
      if (claim.added) {
        if (status === "rejected") {
          const own = articleWork(article);
          own.added = own.added.filter((added) => added.id !== claim.id);
          syncAdded(article);
        }
      } else {
        const own = articleWork(article);
        const earlier = own.decisions[claim.id];
        own.decisions[claim.id] = status === "accepted" && earlier && earlier.fields ? earlier : { status };
      }
      save();
      api.rerender();
      api.stepClaim(1);
    }

    function editDone(article, claim, fields) {
      const own = articleWork(article);
      if (claim.added) {
        const added = own.added.find((item) => item.id === claim.id);
        Object.assign(added, fields);
        syncAdded(article);
      } else {
        own.decisions[claim.id] = { status: "edited", fields };
      }
      editing = null;
      save();
      api.rerender(claim.id);
    }

    /* ---- adding a missed claim from the selected text ---- */

    function selectionInText(article) {
      const base = document.querySelector("#text-stack .layer.base");
      const selection = window.getSelection();
      if (!base || !selection || !selection.rangeCount || selection.isCollapsed) return null;
      const range = selection.getRangeAt(0);
      if (!base.contains(range.startContainer) || !base.contains(range.endContainer)) return null;
      const before = document.createRange();
      before.setStart(base, 0);
      before.setEnd(range.startContainer, range.startOffset);
      const start16 = before.toString().length;
      const quote = range.toString();
      const end16 = start16 + quote.length;
      if (!quote.trim() || article.text.slice(start16, end16) !== quote) return null;
      return { start16, end16, quote };
    }

    function nearestSpeaker(article, start16, end16) {
      // The claimant whose name (or surname) is written nearest the selection, among this article's claims.
      const names = [...new Set(article.claims.map((c) => c.claimant).filter(Boolean))];
      let best = null;
      for (const name of names) {
        const words = name.split(/\s+/).filter(Boolean);
        for (const form of [name, words[words.length - 1]]) {
          if (!form || form.length < 2) continue;
          let at = article.text.indexOf(form);
          while (at >= 0) {
            const distance = at + form.length <= start16 ? start16 - (at + form.length) : at >= end16 ? at - end16 : 0;
            if (!best || distance < best.distance) best = { name, distance };
            at = article.text.indexOf(form, at + 1);
          }
        }
      }
      return best ? best.name : "";
    }

    function addFromSelection(article) {
      if (!article.annotation || article.text === null) return false;
      const picked = selectionInText(article);
      if (!picked) {
        note("select the claim's evidence in the article text first (then press c)");
        return true;
      }
      const own = articleWork(article);
      const id = `a${own.next}`;
      own.next += 1;
      const claimant = nearestSpeaker(article, picked.start16, picked.end16);
      own.added.push({
        id, quote: picked.quote, start: codePoints(article.text, picked.start16), end: codePoints(article.text, picked.end16),
        claimant, named: claimant ? true : null, role: null, organization: null, stance: "asserts", claim: picked.quote,
        said_on: null, attribution: "reported", cue: null,
      });
      window.getSelection().removeAllRanges();
      syncAdded(article);
      save();
      editing = { articleId: article.id, claimId: id };
      api.rerender(id);
      return true;
    }

    /* ---- the edit form ---- */

    function input(name, value, label) {
      const field = h("input", { name, id: `edit-${name}`, autocomplete: "off" });
      field.value = value === null || value === undefined ? "" : String(value);
      return h("label", { class: "edit-field" }, [h("span", { text: label }), field]);
    }

    function choice(name, options, value, label) {
      const select = h("select", { name, id: `edit-${name}` }, options.map((option) => h("option", { value: option, text: option || "–" })));
      select.value = value || "";
      return h("label", { class: "edit-field" }, [h("span", { text: label }), select]);
    }

    function editForm(article, claim) {
      const fields = fieldsOf(article, claim);
      const named = h("input", { type: "checkbox", name: "named", id: "edit-named" });
      named.checked = fields.named !== false;
      const text = h("textarea", { name: "claim", id: "edit-claim", rows: "3" });
      text.value = fields.claim || "";
      const form = h("form", { class: "edit-form", id: "edit-form" }, [
        h("h3", { text: claim.added ? "Added claim" : "Edit claim" }),
        h("p", { class: "claim-quote", text: `“${claim.quote}” ${claim.start}–${claim.end}` }),
        input("claimant", fields.claimant, "claimant"),
        h("label", { class: "edit-field chk" }, [named, h("span", { text: "a name (not a description)" })]),
        input("role", fields.role, "role"),
        input("organization", fields.organization, "organisation"),
        choice("stance", setup.stances, fields.stance, "stance"),
        h("label", { class: "edit-field" }, [h("span", { text: "claim" }), text]),
        input("said_on", fields.said_on, "said on (YYYY-MM-DD)"),
        choice("attribution", setup.attributions, fields.attribution, "attribution"),
        h("p", { class: "form-error", id: "edit-error", "aria-live": "polite" }),
        h("div", { class: "form-buttons" }, [
          h("button", { type: "submit", id: "edit-save", text: "Save (Enter)" }),
          h("button", { type: "button", id: "edit-cancel", text: "Cancel (Esc)" }),
        ]),
      ]);
      const value = (name) => form.elements[name].value.trim();
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        const problem = !value("claimant") ? "a claimant name is needed" : !value("claim") ? "the claim text is needed"
          : value("said_on") && !/^\d{4}-\d{2}-\d{2}$/.test(value("said_on")) ? "said on: a date as YYYY-MM-DD, or empty" : "";
        if (problem) {
          form.querySelector("#edit-error").textContent = problem;
          return;
        }
        editDone(article, claim, {
          claimant: value("claimant"), named: named.checked, role: value("role") || null,
          organization: value("organization") || null, stance: value("stance"), claim: value("claim"),
          said_on: value("said_on") || null, attribution: value("attribution"),
        });
      });
      const cancel = () => {
        editing = null;
        api.rerender(claim.id);
      };
      form.querySelector("#edit-cancel").addEventListener("click", cancel);
      form.addEventListener("keydown", (event) => {
        if (event.key === "Escape") {
          event.preventDefault();
          cancel();
        } else if (event.key === "Enter" && event.target instanceof HTMLTextAreaElement && !event.shiftKey) {
          event.preventDefault();
          form.requestSubmit();
        }
      });
      return form;
    }

    /* ---- what review.js asks of the annotator ---- */

    function note(message) {
      document.getElementById("export-note").textContent = message;
    }

    function exportable() {
      return articles.filter((article) => article.annotation && article.annotation.source && article.text !== null);
    }

    function progress() {
      const all = exportable();
      const done = all.filter((article) => articleWork(article).done).length;
      document.getElementById("progress").textContent = `${done} of ${all.length} articles done`;
    }

    function decorate(article, view) {
      document.body.classList.add("annotating");
      progress();
      if (!article.annotation) return;
      const own = articleWork(article);
      const header = view.querySelector(".article-header");
      const doneBox = h("input", { type: "checkbox", id: "article-done" });
      doneBox.checked = own.done;
      doneBox.addEventListener("change", () => toggleDone(article, doneBox.checked));
      header.append(h("p", { class: "annotate-status" }, [
        h("label", { class: "chk" }, [doneBox, h("span", { text: " article done (d)" })]),
        article.annotation.why_not ? h("span", { class: "warn", id: "why-not", text: ` cannot be exported as gold: ${article.annotation.why_not}` }) : null,
      ]));
      for (const item of view.querySelectorAll("li.claim-item")) {
        const claim = article.claims.find((c) => c.id === item.getAttribute("data-claim"));
        if (!claim) continue;
        const decision = decisionOf(article, claim);
        item.classList.add(`decision-${decision.status}`);
        item.setAttribute("data-decision", decision.status);
        const fields = fieldsOf(article, claim);
        if (decision.status === "edited") {
          item.querySelector(".claimant").textContent = fields.claimant;
          item.querySelector(".claim-text").textContent = fields.claim;
        }
        const head = item.querySelector(".claim-head");
        head.prepend(h("span", { class: `badge decision ${decision.status}`, text: decision.status }));
      }
      for (const mark of view.querySelectorAll("mark.hl")) {
        const claim = article.claims.find((c) => c.id === mark.getAttribute("data-claim"));
        if (claim) mark.classList.add(`decision-${decisionOf(article, claim).status}`);
      }
      const side = view.querySelector("aside.side");
      side.prepend(h("div", { class: "annotate-actions" }, [
        h("button", { type: "button", id: "add-claim", text: "Add selected text as a claim (c)", on: { mousedown: (event) => event.preventDefault(), click: () => addFromSelection(article) } }),
      ]));
    }

    function detail(article, claim, pane) {
      if (!article.annotation || !claim || claim.side !== "predicted") return;
      if (editing && editing.articleId === article.id && editing.claimId === claim.id) {
        pane.replaceChildren(editForm(article, claim));
        const first = pane.querySelector("#edit-claimant");
        if (first) first.focus();
        return;
      }
      const decision = decisionOf(article, claim);
      pane.prepend(h("div", { class: "decide" }, [
        h("span", { class: "decision-now", id: "decision-now", text: `decision: ${decision.status}` }),
        h("button", { type: "button", id: "do-accept", text: "Accept (a)", on: { click: () => decide(article, claim.id, "accepted") } }),
        h("button", { type: "button", id: "do-reject", text: claim.added ? "Remove (r)" : "Reject (r)", on: { click: () => decide(article, claim.id, "rejected") } }),
        h("button", { type: "button", id: "do-edit", text: "Edit (e)", on: { click: () => startEdit(article, claim.id) } }),
      ]));
    }

    function startEdit(article, claimId) {
      if (!article.annotation) return;
      editing = { articleId: article.id, claimId };
      api.rerender(claimId);
    }

    function toggleDone(article, done) {
      articleWork(article).done = done;
      save();
      progress();
      api.rerender(api.selected());
    }

    function onKey(event, article) {
      if (!article || !article.annotation) return false;
      const selected = api.selected();
      switch (event.key) {
        case "a":
          if (selected) decide(article, selected, "accepted");
          return true;
        case "r":
          if (selected) decide(article, selected, "rejected");
          return true;
        case "e":
          if (selected) startEdit(article, selected);
          return true;
        case "c":
          return addFromSelection(article);
        case "d":
          toggleDone(article, !articleWork(article).done);
          return true;
        default:
          return false;
      }
    }

    /* ---- export ---- */

    function goldClaim(fields, claim) {
      return {
        claimant: { name: fields.claimant, role: fields.role || null, organization: fields.organization || null, mention: null, aliases: [], named: typeof fields.named === "boolean" ? fields.named : null },
        stance: fields.stance || null,
        claim: fields.claim,
        evidence: { quote: claim.quote, start: claim.start, end: claim.end },
        evidence_parts: null,
        said_on: fields.said_on || null,
        attribution: fields.attribution || null,
        cue: claim.cue || null,
      };
    }

    function goldLines() {
      const lines = [];
      for (const article of exportable()) {
        const own = articleWork(article);
        const claims = [];
        for (const claim of article.claims) {
          if (claim.side !== "predicted" || decisionOf(article, claim).status === "rejected") continue;
          claims.push(goldClaim(fieldsOf(article, claim), claim));
        }
        lines.push(JSON.stringify({
          id: article.id, source: article.annotation.source, text_sha256: article.annotation.file_sha256,
          published: article.annotation.published, claims, reviewed: Boolean(own.done),
        }));
      }
      return lines;
    }

    function exportGold() {
      const lines = goldLines();
      const blob = new Blob([lines.map((line) => `${line}\n`).join("")], { type: "application/x-ndjson" });
      const link = h("a", { href: URL.createObjectURL(blob), download: "gold.jsonl" });
      document.body.append(link);
      link.click();
      link.remove();
      const skipped = articles.length - lines.length;
      note(`exported ${lines.length} articles${skipped ? ` (${skipped} without a plain-text source left out)` : ""}; save gold.jsonl in ${setup.gold_dir}`);
    }

    document.getElementById("annotate-bar").hidden = false;
    document.getElementById("annotate-keys").hidden = false;
    document.getElementById("gold-dir").textContent = setup.gold_dir;
    document.getElementById("export").addEventListener("click", exportGold);
    progress();

    return {
      decorate,
      detail,
      onKey,
      isDone: (article) => Boolean(article.annotation && articleWork(article).done),
      byId,
    };
  };
})();
