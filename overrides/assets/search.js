/* Search in the header: the site's own index (generator/search.py) behind Material's search field.
 *
 * The index is split by word: searchindex/index.json lists the vocabulary's buckets (by the
 * first letters of a stem) and the number of papers; a query fetches the buckets of its words,
 * then the postings of the stems that match (the last word also as a prefix, while it is being
 * typed), scores the papers that hold every word (BM25) and fetches the fragments (title,
 * topics, abstract) of the ten best. Its cost follows the query's words, not the number of
 * papers. Words are stemmed with porter2.js, the Snowball English stemmer the index was
 * written with. The index's root loads once the page is idle (or at once when the field gets
 * focus), so typing only waits for the query's own files.
 * Titles and excerpts are untrusted text: they reach the page as text nodes, never as HTML.
 */
(() => {
  "use strict";

  const SCRIPT = document.currentScript && document.currentScript.src; // porter2.js sits beside it

  /* Material 9.8.1's search dialog (partials/search.html in the theme): tests/test_material_seams.py
   * checks its markup, classes, toggle and icons against the installed theme (MATERIAL.md,
   * "The search dialog"). Built here rather than
   * repeated in every page. Its texts come from the page (the theme's translations), set as
   * text and attributes; the markup itself is constant. */
  const ICONS = {
    magnify:
      "M9.5 3A6.5 6.5 0 0 1 16 9.5c0 1.61-.59 3.09-1.56 4.23l.27.27h.79l5 5-1.5 1.5-5-5v-.79l-.27-.27A6.52 6.52 0 0 1 9.5 16 6.5 6.5 0 0 1 3 9.5 6.5 6.5 0 0 1 9.5 3m0 2C7 5 5 7 5 9.5S7 14 9.5 14 14 12 14 9.5 12 5 9.5 5",
    back: "M20 11v2H8l5.5 5.5-1.42 1.42L4.16 12l7.92-7.92L13.5 5.5 8 11z",
    close:
      "M19 6.41 17.59 5 12 10.59 6.41 5 5 6.41 10.59 12 5 17.59 6.41 19 12 13.41 17.59 19 19 17.59 13.41 12z",
  };
  const icon = (name) =>
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path d="${ICONS[name]}"/></svg>`;
  /* The dialog's controls: the field; the clear button, reachable once there is text to clear;
   * the back arrow (the close control of the full-screen search on narrow screens; a picture
   * of a magnifier on wide ones: the theme's label for #__search, a <button> here, as a label
   * may not take a button's role; search.css places it as the theme places its label); the
   * results as a list of links. The count of results is a
   * status line that screen readers announce, not the whole list on every keystroke. */
  const DIALOG = `<label class="md-search__overlay" for="__search"></label>
<div class="md-search__inner" role="search">
<form class="md-search__form" name="search">
<input type="text" class="md-search__input" name="query" autocapitalize="off" autocorrect="off" autocomplete="off" spellcheck="false" aria-controls="pl-search-list" aria-describedby="pl-search-meta" required>
<button type="button" class="md-search__icon md-icon pl-search-back">${icon("magnify")}${icon("back")}</button>
<nav class="md-search__options"><button type="reset" class="md-search__icon md-icon" tabindex="-1">${icon("close")}</button></nav>
</form>
<div class="md-search__output"><div class="md-search__scrollwrap">
<div class="md-search-result" id="pl-search-results">
<div class="md-search-result__meta" id="pl-search-meta" role="status" aria-live="polite" aria-atomic="true"></div>
<ol class="md-search-result__list" id="pl-search-list"></ol>
</div></div></div>
</div>`;
  const dialog = (texts) => {
    const parts = document.createElement("template");
    parts.innerHTML = DIALOG; // a constant: no page or search text goes through innerHTML
    const field = parts.content.querySelector(".md-search__input");
    field.setAttribute("aria-label", texts.plPlaceholder || "Search");
    field.setAttribute("placeholder", texts.plPlaceholder || "Search");
    const reset = parts.content.querySelector("button[type=reset]");
    reset.setAttribute("title", texts.plReset || "Clear");
    reset.setAttribute("aria-label", texts.plReset || "Clear");
    parts.content.querySelector(".pl-search-back").setAttribute("aria-label", texts.plClose || "Close search");
    parts.content.querySelector(".md-search__options").setAttribute("aria-label", texts.plPlaceholder || "Search");
    parts.content.querySelector(".md-search-result__meta").textContent = texts.plPrompt || "";
    return parts.content;
  };

  const root = document.querySelector(".pl-search");
  const toggle = document.getElementById("__search");
  if (!root || !toggle) return;
  root.replaceChildren(dialog(root.dataset));
  const input = root.querySelector(".md-search__input");
  const form = root.querySelector(".md-search__form");
  const meta = root.querySelector(".md-search-result__meta");
  const list = root.querySelector(".md-search-result__list");
  const bundle = new URL(root.getAttribute("data-pl-bundle"), document.baseURI);
  const site = new URL("../", bundle);
  const SHOWN = 10; // results rendered; the rest are counted
  const EXCERPT_WORDS = 28;
  const EXCERPT_FROM = 2000; // an excerpt starts at a match among an abstract's first words
  const DEBOUNCE_MS = 40;
  // One or two letters match much of the vocabulary as a prefix: wait for a pause.
  const SHORT_TERM = 3;
  const SHORT_DEBOUNCE_MS = 300;
  // generator/search.py: words, their longest indexed length, the format of the bundle.
  const WORD = /[\p{L}\p{N}]+/gu;
  const LONGEST = 64;
  const FORMAT = 2;
  const EXPANSIONS = 16; // stems a word being typed may stand for, besides its own (most papers first)
  // A pasted paragraph is searched by its first words: each word costs files to fetch.
  const MOST_TERMS = 12;
  const EXPANDED = 0.5; // a stem matched only as a prefix scores half
  const RUN = 4; // buckets a prefix may fetch (4,096 stems: a prefix of more stands for too much)
  const K1 = 1.2; // BM25 over the abstract and labels
  // A word in the title adds this much (times its idf) to the paper's score: about what a word
  // said many times in the abstract gives, so a title that holds the query ranks first.
  const TITLE = 2;
  const B = 0.75;

  const indexed = (word) => [...word].length <= LONGEST; // code points, as Python counts
  const words = (text) => (text.toLowerCase().match(WORD) || []).filter(indexed);

  const get = async (name, version, kind) => {
    const url = new URL(name, bundle);
    if (version) url.searchParams.set("v", version);
    const response = await fetch(url, version ? {} : { cache: "no-cache" });
    if (!response.ok) throw new Error(`${name}: HTTP ${response.status}`);
    return kind === "bytes" ? new Uint8Array(await response.arrayBuffer()) : response.json();
  };

  /* The index's root (index.json, the papers' lengths) and the stemmer: fetched once. */
  let engine = null;
  const failed = () => {
    meta.textContent = "Search is unavailable: its index could not be loaded.";
  };
  const load = () => {
    if (!engine) {
      engine = (async () => {
        const [stemmer, index] = await Promise.all([import(new URL("porter2.js", SCRIPT).href), get("index.json")]);
        const { format, papers, average, buckets, version } = index;
        const valid =
          format === FORMAT &&
          Number.isInteger(papers) &&
          papers >= 0 &&
          typeof average === "number" &&
          typeof version === "string" &&
          Array.isArray(buckets) &&
          buckets.every((b) => Array.isArray(b) && typeof b[0] === "string" && Number.isInteger(b[1]));
        if (!valid) throw new Error("index.json: unexpected content");
        const lengths = await get("lengths.bin", version, "bytes");
        if (lengths.length !== papers) throw new Error("lengths.bin: unexpected size");
        const norm = new Float32Array(papers);
        for (let n = 0; n < papers; n += 1) norm[n] = K1 * (1 - B + (B * lengths[n]) / (average || 1));
        warm();
        return { stem: stemmer.stem, papers, version, buckets, norm, files: new Map() };
      })();
      engine.catch(() => {
        engine = null;
        failed();
      });
    }
    return engine;
  };

  /* A file of the bundle, fetched once per page (a failed fetch is tried again next time). */
  const file = (loaded, name, kind) => {
    if (!loaded.files.has(name)) {
      const got = get(name, loaded.version, kind);
      got.catch(() => loaded.files.delete(name));
      loaded.files.set(name, got);
    }
    return loaded.files.get(name);
  };

  /* The query's terms: each word, its stem, and whether it is the word being typed (the last,
   * with no space after it, long enough to stand for few words), which also matches as a prefix.
   * Words of one stem are one term ("model models": a paper is not scored twice for it); the
   * word being typed is dropped when a whole word has its stem (that word asks for less). At
   * most MOST_TERMS terms: those of the first words. */
  const terms = (loaded, query) => {
    const tokens = query.toLowerCase().match(WORD) || [];
    // The last token, not the last indexed word: after a word too long to index, nothing is being typed.
    const last = /[\p{L}\p{N}]$/u.test(query) ? tokens.length - 1 : -1;
    const whole = new Map();
    let typing = null;
    tokens.forEach((word, i) => {
      if (whole.size >= MOST_TERMS || !indexed(word)) return; // a pasted page: its first words only
      const stem = loaded.stem(word);
      if (i === last && [...word].length >= SHORT_TERM) {
        typing = { word, stem, prefix: true };
      } else if (!whole.has(stem)) {
        whole.set(stem, { word, stem, prefix: false });
      }
    });
    const found = [...whole.values()];
    if (typing && !whole.has(typing.stem)) found.push(typing);
    return found.slice(0, MOST_TERMS);
  };

  /* The stems that ``term`` matches, each with its weight and postings' place. */
  const matches = async (loaded, term) => {
    const { word, stem, prefix } = term;
    // Buckets are runs of stems in string order, each named by its first (generator/search.py):
    // a stem is in the last bucket whose first stem is not after it.
    const { buckets } = loaded;
    const holder = (text) => {
      let found = null;
      for (const b of buckets) {
        if (b[0] > text) break;
        found = b;
      }
      return found;
    };
    // The stem's own bucket; for a word being typed, also the buckets of the stems that start
    // with the word or its stem (a run from the holder of that start, at most RUN buckets) and
    // those of the stems that start the word. The stem's holder is asked for alone: a stem is
    // not always a prefix of its word ("dying", "die").
    const wanted = new Set([holder(stem)]);
    if (prefix) {
      for (const start of new Set([word, stem])) {
        const end = start.slice(0, -1) + String.fromCharCode(start.charCodeAt(start.length - 1) + 1);
        const from = Math.max(0, buckets.indexOf(holder(start)));
        for (let k = from; k < buckets.length && k < from + RUN && buckets[k][0] < end; k += 1) {
          wanted.add(buckets[k]);
        }
      }
      for (let k = Math.min(4, word.length); k < word.length; k += 1) wanted.add(holder(word.slice(0, k)));
    }
    wanted.delete(null);
    const vocabularies = await Promise.all([...wanted].map(([, k]) => file(loaded, `v/${k}.json`)));
    const exact = [];
    const other = [];
    for (const entries of vocabularies) {
      if (!Array.isArray(entries)) throw new Error("vocabulary: unexpected content");
      for (const entry of entries) {
        const [s, count] = entry;
        if (s === stem) exact.push(entry);
        else if (prefix && (s.startsWith(stem) || s.startsWith(word) || (word.startsWith(s) && [...s].length >= Math.min(4, [...word].length)))) {
          other.push(entry);
        }
      }
    }
    other.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    return [...exact.slice(0, 1).map((e) => [e, 1]), ...other.slice(0, EXPANSIONS).map((e) => [e, EXPANDED])];
  };

  /* Every term's stems and postings fetched (what a query waits for), in order. */
  const fetched = async (loaded, query) =>
    Promise.all(
      terms(loaded, query).map(async (term) => {
        const stems = await matches(loaded, term);
        const lists = await Promise.all(stems.map(([[, , k]]) => file(loaded, `p/${k}.bin`, "bytes")));
        return stems.map(([entry, weight], i) => ({ entry, weight, bytes: lists[i] }));
      }),
    );

  /* One stem's postings (``size`` bytes at ``offset``) scored into ``best``, each paper's best
   * score for the term so far (BM25: ``scale`` is the stem's weight × idf); a paper reached for
   * the first time is added to ``touched`` after the first ``reached``. Returns the new count.
   * Its own function, warmed while the reader reads (``warm``): a query runs it compiled. */
  const scoreList = (bytes, offset, size, scale, norm, best, touched, reached) => {
    const end = Math.min(bytes.length, offset + size);
    const papers = best.length;
    const most = touched.length;
    let at = offset;
    let n = -1;
    while (at < end) {
      let byte = bytes[at++];
      let gap = byte & 0x7f; // most gaps are one byte
      for (let k = 1; byte & 0x80 && at < end; k += 1) {
        byte = bytes[at++];
        // A shift while it stays a small integer (a number that turns into a double recompiles the loop).
        gap += k < 4 ? (byte & 0x7f) << (7 * k) : (byte & 0x7f) * 2 ** (7 * k);
      }
      n += gap + 1;
      if (n >= papers || at >= end) break; // a cut or damaged list: what was read stands
      const field = bytes[at++]; // the high bit: in the title; the rest: times in the abstract and labels
      const tf = field & 0x7f;
      const score = scale * ((tf * (K1 + 1)) / (tf + norm[n]) + (field & 0x80 ? TITLE : 0));
      const had = best[n];
      if (had === 0) {
        if (reached === most) break; // more papers than its count says: a damaged list
        touched[reached++] = n;
        best[n] = score > 0 ? score : 1e-30; // above zero (in float32) even for a damaged tf of 0: 0 is "not yet touched"
      } else if (score > had) {
        best[n] = score;
      }
    }
    return reached;
  };

  /* The SHOWN best of ``candidates`` that hold ``all`` terms, best first (ties in catalog order),
   * and how many hold them all: kept in order as they are met, since sorting every match of a
   * common word cost more than scoring it. */
  const bestOf = (candidates, held, all, total) => {
    const top = [];
    let count = 0;
    for (let i = 0; i < candidates.length; i += 1) {
      const n = candidates[i];
      if (held[n] !== all) continue;
      count += 1;
      const score = total[n];
      if (top.length === SHOWN) {
        const last = top[SHOWN - 1];
        if (score < total[last] || (score === total[last] && n > last)) continue;
      }
      let at = top.length;
      while (at > 0 && (score > total[top[at - 1]] || (score === total[top[at - 1]] && n < top[at - 1]))) at -= 1;
      top.splice(at, 0, n);
      if (top.length > SHOWN) top.pop();
    }
    return { top, count };
  };

  /* Both run on a made-up list while the reader reads, so that the first query finds them compiled. */
  const warm = () => {
    const size = 8192;
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i += 2) {
      bytes[i] = i % 64 === 0 ? 0x81 : 0; // a gap of two bytes now and then
      bytes[i + 1] = (i % 5) | (i % 7 === 0 ? 0x80 : 0);
    }
    const norm = new Float32Array(size).fill(1);
    for (let round = 0; round < 20; round += 1) {
      const best = new Float32Array(size);
      const touched = new Int32Array(size);
      const reached = scoreList(bytes, 0, size, 1, norm, best, touched, 0);
      bestOf(touched.subarray(0, reached), new Uint8Array(size).fill(1), 1, best);
    }
  };

  /* ``query``'s papers, best first: those holding every term, scored by BM25 (a term's score is
   * that of its best stem), ties in catalog order. Also the stems matched, for the excerpts. */
  const find = async (query) => {
    const loaded = await load();
    const perTerm = await fetched(loaded, query);
    const { papers, norm } = loaded;
    const total = new Float32Array(papers);
    const held = new Uint8Array(papers);
    const stems = new Set();
    let candidates = null;
    for (const stemsOfTerm of perTerm) {
      const best = new Float32Array(papers);
      const claimed = stemsOfTerm.reduce((sum, { entry }) => sum + (entry[1] > 0 ? entry[1] : 0), 0);
      const most = Math.min(papers, claimed) || 0; // what the vocabulary says (a NaN: none)
      const touched = new Int32Array(most); // the papers this term reached, in the order met
      let reached = 0;
      for (const { entry, weight, bytes } of stemsOfTerm) {
        const [stem, count, , offset, size] = entry;
        stems.add(stem);
        const scale = weight * Math.log(1 + (papers - count + 0.5) / (count + 0.5)); // × idf
        reached = scoreList(bytes, offset, size, scale, norm, best, touched, reached);
      }
      for (let i = 0; i < reached; i += 1) {
        const n = touched[i];
        total[n] += best[n];
        held[n] += 1;
      }
      if (!candidates || reached < candidates.length) candidates = touched.subarray(0, reached);
    }
    const all = perTerm.length;
    const { top, count } = all ? bestOf(candidates, held, all, total) : { top: [], count: 0 };
    return { results: top, count, stems, loaded };
  };

  /* Paper n's fragment: its URL, title, topics and abstract (checked, as text). */
  const fragment = async (loaded, n) => {
    const data = await file(loaded, `f/${n}.json`);
    const text = (key) => (data && typeof data[key] === "string" ? data[key] : "");
    return { url: text("url"), title: text("title"), topics: text("topics"), text: text("text") };
  };

  /* An excerpt of ``text`` around its first word whose stem the query matched, built as text
   * nodes and <mark> elements. */
  const excerpt = (text, loaded, stems) => {
    const parts = text.split(/\s+/u).filter(Boolean);
    // Only the words looked at are stemmed: where the first match is (in the first EXCERPT_FROM
    // words: an excerpt shows no more) and the ones shown. A 1 MB abstract costs a split.
    const hit = (part) => words(part).some((word) => stems.has(loaded.stem(word)));
    const first = Math.max(0, parts.slice(0, EXCERPT_FROM).findIndex(hit));
    const start = Math.max(0, Math.min(first - 6, parts.length - EXCERPT_WORDS));
    const teaser = document.createElement("p");
    teaser.className = "md-search-result__teaser";
    if (start > 0) teaser.append("… ");
    parts.slice(start, start + EXCERPT_WORDS).forEach((part, i) => {
      if (i) teaser.append(" ");
      if (hit(part)) {
        const mark = document.createElement("mark");
        mark.textContent = part;
        teaser.append(mark);
      } else {
        teaser.append(part);
      }
    });
    if (start + EXCERPT_WORDS < parts.length) teaser.append(" …");
    return teaser;
  };

  /* A result: a link to the paper's page (on this site, or no link at all), its title, topics
   * and excerpt. */
  const item = (data, loaded, stems) => {
    const target = new URL(data.url.replace(/^\/+/, ""), site);
    const article = document.createElement("article");
    article.className = "md-search-result__article md-typeset";
    const icon = document.createElement("div");
    icon.className = "md-search-result__icon md-icon";
    const title = document.createElement("h1");
    title.textContent = data.title || data.url;
    article.append(icon, title);
    if (data.topics) {
      const topics = document.createElement("p");
      topics.className = "pl-search-topics";
      topics.textContent = data.topics;
      article.append(topics);
    }
    article.append(excerpt(data.text, loaded, stems));
    if (target.origin !== site.origin || !target.pathname.startsWith(site.pathname)) return article;
    const link = document.createElement("a");
    link.className = "md-search-result__link";
    link.href = target.href;
    link.append(article);
    return link;
  };

  /* A query on a large index waits for its files: searches are never queued behind each
   * other. While one runs, the newest query waits and the ones it replaced are never searched. */
  let current = 0; // the latest query; answers to older ones are dropped
  let waiting = null; // the query to search once the running search is done
  let running = null;
  const render = (query) => {
    current += 1;
    waiting = query;
    if (!running) running = drain().finally(() => (running = null));
  };
  const drain = async () => {
    while (waiting !== null) {
      const query = waiting;
      waiting = null;
      await show(query, current);
    }
  };
  const show = async (query, mine) => {
    const term = query.trim();
    if (!term) {
      list.replaceChildren();
      list.removeAttribute("data-query");
      meta.textContent = "Type to start searching";
      return;
    }
    const search = await find(query).catch(() => null);
    if (mine !== current) return;
    if (!search) {
      failed();
      return;
    }
    list.dataset.query = query; // which query the list answers, as typed ("LoLD" and "LoLD " differ): the benchmark waits for its own
    const { count } = search;
    meta.textContent = count === 0 ? "No matching papers" : count === 1 ? "1 matching paper" : `${count} matching papers`;
    // One slot per result, in rank order, filled as each fragment arrives.
    const slots = search.results.slice(0, SHOWN).map(() => {
      const li = document.createElement("li");
      li.className = "md-search-result__item";
      li.hidden = true;
      return li;
    });
    list.replaceChildren(...slots);
    search.results.slice(0, SHOWN).forEach(async (n, i) => {
      const data = await fragment(search.loaded, n).catch(() => null);
      if (mine !== current || !data) return;
      slots[i].append(item(data, search.loaded, search.stems));
      slots[i].hidden = false;
    });
  };

  /* --- the dialog: opened from the field, the header's button or a shortcut; focus stays in it
   * while it is open and goes back where it came from when it closes. --------------------- */
  const back = root.querySelector(".pl-search-back");
  const reset = root.querySelector("button[type=reset]");
  const trigger = document.querySelector("[data-pl-search]"); // the header's button (partials/header.html)
  const shown = (el) => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== "hidden";
  };
  let opener = null; // where focus goes back to on close
  let quiet = false; // focus moved by this script: not a reason to open
  const isOpen = () => toggle.checked;
  const focus = (el) => {
    quiet = true;
    el.focus();
    quiet = false;
  };
  /* Which controls take focus depends on the state: the clear button once there is text, the
   * back arrow only where it is a button (narrow screens: the wide layout ignores its clicks). */
  const sync = () => {
    const open = isOpen();
    root.setAttribute("aria-modal", String(open));
    reset.tabIndex = open && input.value ? 0 : -1;
    const control = open && getComputedStyle(back).pointerEvents !== "none";
    back.tabIndex = control ? 0 : -1;
    back.setAttribute("aria-hidden", String(!control));
  };
  const open = (from) => {
    if (!isOpen()) opener = from && from !== document.body && !root.contains(from) ? from : input;
    toggle.checked = true;
    sync();
    load();
  };
  const close = () => {
    toggle.checked = false;
    closed();
  };
  const closed = () => {
    sync();
    const target = [opener, trigger, input].find((el) => el && el.isConnected && shown(el));
    opener = null;
    if (target) focus(target);
    else if (root.contains(document.activeElement)) document.activeElement.blur();
  };
  const focusables = () =>
    [input, reset, back, ...list.querySelectorAll("a[href]")].filter((el) => el.tabIndex >= 0 && shown(el));

  let timer = 0;
  input.addEventListener("input", (event) => {
    if (!isOpen()) open(input);
    sync();
    clearTimeout(timer);
    const term = input.value.trim();
    // A query that arrives whole (pasted, dropped, chosen from autofill) is searched at once:
    // there are no more keys to wait for.
    if (event.inputType && !event.inputType.startsWith("insertText") && term.length >= SHORT_TERM) {
      render(input.value);
      return;
    }
    const wait = term.length < SHORT_TERM ? SHORT_DEBOUNCE_MS : DEBOUNCE_MS;
    timer = setTimeout(() => render(input.value), wait);
    // Fetch the query's files while the debounce waits (once it is long enough: one or two
    // letters start many words).
    if (term.length >= SHORT_TERM) {
      const query = input.value;
      load()
        .then((loaded) => fetched(loaded, query))
        .catch(() => {});
    }
  });
  // Reaching the field with Tab does not open the modal dialog (a keyboard user passing
  // through the header would be caught in it): typing does. A click or a shortcut opens it.
  let tabbing = false;
  document.addEventListener("keydown", (event) => { tabbing = event.key === "Tab"; }, true);
  document.addEventListener("pointerdown", () => { tabbing = false; }, true);
  input.addEventListener("focus", () => {
    load();
    if (!quiet && !tabbing) open(input);
  });
  input.addEventListener("pointerenter", load, { once: true });
  // The checkbox behind the dialog (the header's button, the back arrow, a click on the overlay
  // outside the dialog): opening moves focus in, closing moves it back.
  toggle.addEventListener("change", () => {
    if (isOpen()) {
      opener = trigger;
      open(trigger);
      focus(input);
    } else {
      closed();
    }
  });
  // The buttons toggle the checkbox as the theme's labels for it do: the change handler above.
  for (const el of [trigger, back]) {
    el?.addEventListener("click", () => {
      toggle.checked = !toggle.checked;
      toggle.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const first = list.querySelector("a[href]");
    if (first) first.click();
  });
  form.addEventListener("reset", () => {
    setTimeout(() => {
      render("");
      sync();
    }, 0);
    input.focus();
  });

  root.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      close();
    } else if (event.key === "Tab" && isOpen()) {
      // The focus trap: Tab past the last control comes back to the first, and the reverse.
      const all = focusables();
      const at = all.indexOf(document.activeElement);
      const next = event.shiftKey ? (at <= 0 ? all.length - 1 : -1) : at === all.length - 1 ? 0 : -1;
      if (next >= 0 && all.length) {
        event.preventDefault();
        all[next].focus();
      }
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      const all = [input, ...list.querySelectorAll("a[href]")];
      const at = Math.max(0, all.indexOf(document.activeElement));
      all[(at + (event.key === "ArrowDown" ? 1 : all.length - 1)) % all.length].focus();
      event.preventDefault();
    }
  });
  // Focus that leaves the open dialog some other way (a screen reader, a click on the header)
  // is brought back to the field.
  document.addEventListener("focusin", (event) => {
    if (isOpen() && !root.contains(event.target)) focus(input);
  });

  /* The shortcuts Material's own search binds: s, f and / open the search. */
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    const target = event.target;
    if (target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) {
      return;
    }
    if (event.key === "s" || event.key === "f" || event.key === "/") {
      event.preventDefault();
      open(document.activeElement);
      focus(input);
      input.select();
    }
  });
  sync();

  /* Warm up while the reader reads: at the first idle moment the stemmer, the index's root and
   * the papers' lengths load, so that the first query only waits for its own files. */
  const idle = window.requestIdleCallback || ((fn) => setTimeout(fn, 50));
  idle(() => load().catch(() => {}), { timeout: 300 });
})();
