/* Search in the header: Pagefind's sharded index behind Material's search field.
 *
 * The index is built in shards of bounded size (generator/search.py): pagefind/ holds the
 * engine (Pagefind's script and WebAssembly, with an index of no page), shard k's bundle is
 * pagefind/<k>/, and pagefind/lexicon/ is an index of one page per shard holding that shard's
 * words (generator/searchroute.py); pagefind/shards.json names the shards and maps each
 * lexicon page to its shard. A query is answered by the shards whose lexicon page matches it
 * (those that hold every word of it that any shard holds), each merged into an engine of its
 * own, their results ranked together by score as Pagefind's mergeIndex ranks them. With few
 * shards they are all searched beside the lexicon and only its shards' results are kept;
 * with many, only the lexicon's shards are searched (ALONGSIDE). The engines are spread over
 * WORKERS copies of Pagefind's module, each with its own web worker, so shards are searched on
 * every core, not one after another in one worker. The engine loads once the page is idle
 * (or at once when the field gets focus), so typing only waits for the index chunks of the
 * query and the fragments of the results shown.
 * Titles and excerpts are untrusted text: they reach the page as text nodes, never as HTML.
 */
(() => {
  "use strict";

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
  const DEBOUNCE_MS = 40;
  // One or two letters match most of the index and are slow to search: wait for a pause.
  const SHORT_TERM = 3;
  const SHORT_DEBOUNCE_MS = 300;
  const SHARD = /^[0-9]+\/$/; // a shard's directory, relative to the bundle
  const LEXICON = "lexicon/"; // generator/searchroute.py LEXICON
  // Up to ALONGSIDE shards, every shard is searched beside the lexicon (no wait for it); with
  // more, only the shards it names (a rare word fetches one shard's index, not fifty). Up to
  // PREPARED shards (128,000 papers), every shard's engine is made while the reader reads.
  const ALONGSIDE = 8;
  const PREPARED = 64;
  // Pagefind searches in one web worker per copy of its module: one copy per core (at most 4).
  const WORKERS = Math.max(1, Math.min(4, navigator.hardwareConcurrency || 2));
  const settings = { baseUrl: "/", excerptLength: EXCERPT_WORDS };

  /* The shards' bundle URLs and the lexicon's pages, from shards.json (revalidated: it changes
   * with each build). */
  const shards = async () => {
    const response = await fetch(new URL("shards.json", bundle), { cache: "no-cache" });
    if (!response.ok) throw new Error(`shards.json: HTTP ${response.status}`);
    const { shards: names, lexicon, engine } = await response.json();
    if (!Array.isArray(names) || !names.every((name) => typeof name === "string" && SHARD.test(name))) {
      throw new Error("shards.json: unexpected content");
    }
    const pages = new Map(Object.entries(lexicon || {}));
    if (![...pages.values()].every((k) => Number.isInteger(k) && k >= 0 && k < names.length)) {
      throw new Error("shards.json: unexpected lexicon");
    }
    // The engine's own page (of no paper) is in every answer that matches its one word: dropped.
    const skip = new Set(Array.isArray(engine) ? engine.filter((id) => typeof id === "string") : []);
    return { urls: names.map((name) => new URL(name, bundle).href), pages, skip };
  };

  let engine = null; // Pagefind's module, the shards' URLs, the lexicon's pages, the engines made
  let retry = false; // a load failed: the next one starts again from nothing merged
  const failed = () => {
    meta.textContent = "Search is unavailable: its index could not be loaded.";
  };
  const load = () => {
    if (!engine) {
      const index = shards(); // fetched while the engine loads
      index.catch(() => {}); // (awaited below; this only silences an early rejection)
      // Each further copy of the module (its own URL) has a worker of its own.
      const copies = Array.from({ length: WORKERS }, (_, w) => new URL(w ? `pagefind.js?worker=${w}` : "pagefind.js", bundle));
      engine = Promise.all(copies.map((url) => import(url.href))).then(async (modules) => {
        // Each copy's own engine is made first: it instantiates that worker's WebAssembly, which
        // Pagefind guards by a check that only holds once that is done. Engines started together
        // in a fresh worker would each instantiate it, the later replacing the earlier under the
        // engines already made on it ("memory access out of bounds" on their next search).
        // An empty search runs each engine once (its worker, its WebAssembly's first calls)
        // while the reader reads, fetching nothing: the first real query does not pay for it.
        await Promise.all(
          modules.map(async (module) => {
            if (retry) await module.destroy();
            await module.options(settings);
            await module.init();
            await module.search("").catch(() => {});
          }),
        );
        const loaded = { modules, ...(await index), engines: new Map() };
        made(loaded, LEXICON).catch(() => {});
        if (loaded.urls.length <= PREPARED) loaded.urls.forEach((url) => made(loaded, url).catch(() => {}));
        return loaded;
      });
      engine.catch(() => {
        engine = null;
        retry = true;
        failed();
      });
    }
    return engine;
  };

  /* The bundle at ``url`` (a shard, or the lexicon) merged into an engine of its own: made
   * once, made again after a failure. The lexicon is on the first worker, shard k on worker
   * (k + 1) mod WORKERS. */
  const made = (loaded, url) => {
    if (!loaded.engines.has(url)) {
      const module = loaded.modules[(loaded.urls.indexOf(url) + 1) % loaded.modules.length];
      const one = (async () => {
        const instance = module.createInstance({ basePath: bundle.href });
        await instance.options(settings);
        await Promise.all([instance.init(), instance.mergeIndex(new URL(url, bundle).href, settings)]);
        return instance;
      })();
      one.catch(() => loaded.engines.delete(url));
      loaded.engines.set(url, one);
    }
    return loaded.engines.get(url);
  };

  /* The shards that can answer ``term``: those whose lexicon page matches it (every shard
   * when the index has no lexicon). */
  const route = async (loaded, term) => {
    if (!loaded.pages.size) return loaded.urls.map((_, k) => k);
    const answer = await (await made(loaded, LEXICON)).search(term);
    const found = new Set(answer.results.map((result) => loaded.pages.get(result.id)));
    return loaded.urls.map((_, k) => k).filter((k) => found.has(k));
  };

  /* ``term`` searched in the shards that can answer it, ranked by score as Pagefind ranks merged indexes. */
  const find = async (term) => {
    const loaded = await load();
    const search = (k) => made(loaded, loaded.urls[k]).then((one) => one.search(term));
    let answers;
    if (loaded.urls.length <= ALONGSIDE) {
      const every = loaded.urls.map((_, k) => k);
      const [keep, all] = await Promise.all([route(loaded, term), Promise.all(every.map(search))]);
      answers = keep.map((k) => all[k]);
    } else {
      answers = await Promise.all((await route(loaded, term)).map(search));
    }
    const results = answers.flatMap((answer) => answer.results).filter((result) => !loaded.skip.has(result.id));
    return { results: results.sort((a, b) => b.score - a.score) };
  };

  /* An excerpt around the first matched word, built as text nodes and <mark> elements. */
  const excerpt = (content, locations) => {
    const words = content.split(/[\r\n\s]+/g);
    const first = locations.length ? Math.min(...locations) : 0;
    const start = Math.max(0, Math.min(first - 6, words.length - EXCERPT_WORDS));
    const marked = new Set(locations);
    const teaser = document.createElement("p");
    teaser.className = "md-search-result__teaser";
    if (start > 0) teaser.append("… ");
    words.slice(start, start + EXCERPT_WORDS).forEach((word, i) => {
      if (i) teaser.append(" ");
      if (marked.has(start + i)) {
        const mark = document.createElement("mark");
        mark.textContent = word;
        teaser.append(mark);
      } else {
        teaser.append(word);
      }
    });
    if (start + EXCERPT_WORDS < words.length) teaser.append(" …");
    return teaser;
  };

  const item = (data) => {
    const link = document.createElement("a");
    link.className = "md-search-result__link";
    link.href = new URL(data.url.replace(/^\/+/, ""), site).href;
    const article = document.createElement("article");
    article.className = "md-search-result__article md-typeset";
    const icon = document.createElement("div");
    icon.className = "md-search-result__icon md-icon";
    const title = document.createElement("h1");
    title.textContent = (data.meta && data.meta.title) || data.url;
    article.append(icon, title);
    if (data.meta && data.meta.topics) {
      const topics = document.createElement("p");
      topics.className = "pl-search-topics";
      topics.textContent = data.meta.topics;
      article.append(topics);
    }
    // The title opens the content Pagefind indexed; the excerpt skips it.
    const skip = title.textContent.split(/[\r\n\s]+/g).length;
    const words = data.content.split(/[\r\n\s]+/g);
    const locations = (data.locations || []).filter((l) => l >= skip).map((l) => l - skip);
    article.append(excerpt(words.slice(skip).join(" "), locations));
    link.append(article);
    return link;
  };

  /* Pagefind searches one query at a time, each shard in turn, and a common prefix costs
   * hundreds of milliseconds at 10,000 papers: searches are never queued behind each other.
   * While one runs, the newest query waits and the ones it replaced are never searched. */
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
    const search = await find(term).catch(() => null);
    if (mine !== current) return;
    if (!search) {
      failed();
      return;
    }
    list.dataset.query = term; // which query the list answers (the benchmark waits for its own)
    const count = search.results.length;
    meta.textContent = count === 0 ? "No matching papers" : count === 1 ? "1 matching paper" : `${count} matching papers`;
    // One slot per result, in rank order, filled as each fragment arrives.
    const slots = search.results.slice(0, SHOWN).map(() => {
      const li = document.createElement("li");
      li.className = "md-search-result__item";
      li.hidden = true;
      return li;
    });
    list.replaceChildren(...slots);
    search.results.slice(0, SHOWN).forEach(async (result, i) => {
      const data = await result.data();
      if (mine !== current) return;
      slots[i].append(item(data));
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
    // Fetch the query's index chunks while the debounce waits (with many shards, once the
    // query is long enough to leave some out: its first letters start words everywhere).
    if (term) {
      load()
        .then(async (loaded) => {
          const preload = (url) => made(loaded, url).then((one) => one.preload(term)).catch(() => {});
          preload(LEXICON);
          if (loaded.urls.length <= ALONGSIDE) loaded.urls.forEach(preload);
          else if (term.length >= SHORT_TERM) (await route(loaded, term)).forEach((k) => preload(loaded.urls[k]));
        })
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

  /* Warm up while the reader reads: at the first idle moment (the engine's WebAssembly compiles
   * in Pagefind's worker, off the page's thread), so that the first query only waits for its
   * own index chunks and result fragments. */
  const idle = window.requestIdleCallback || ((fn) => setTimeout(fn, 50));
  idle(() => load().catch(() => {}), { timeout: 300 });
})();
