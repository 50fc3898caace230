// State Hub dashboard: a little plain JavaScript over server-rendered pages.
// Everything here is an enhancement of what the server already rendered, except
// signing in and "Sweep now", which need a JSON POST (see auth.DASHBOARD_HEADER:
// a header a cross-site form cannot send, on top of the SameSite=Strict cookie).
"use strict";

(() => {
  const MARK = { "X-StateHub-Dashboard": "1" };
  const REFRESH_MS = 60_000;
  const POLL_MS = 1_000;
  const SWAPPED = ["live", "cadence-body", "fleet-body", "sweeps-body"];
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const byId = (id) => document.getElementById(id);
  let sort = { key: null, dir: 1 };
  let sweeping = false;

  document.documentElement.classList.add("js");

  async function call(url, options = {}) {
    const headers = { ...MARK, ...(options.headers || {}) };
    const answer = await fetch(url, { credentials: "same-origin", ...options, headers });
    if (answer.status === 401 && !url.startsWith("/dashboard/session")) {
      // The sign-in went stale (token rotated): the page itself shows the form.
      location.reload();
      throw new Error("signed out");
    }
    return answer;
  }

  async function detailOf(answer) {
    try {
      const body = await answer.json();
      return typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail);
    } catch {
      return `HTTP ${answer.status}`;
    }
  }

  // --- sign in / out ---------------------------------------------------------
  function setUpSignIn() {
    const form = byId("signin-form");
    if (!form) return;
    const error = byId("signin-error");
    form.token.focus();
    // Opened from a link on another site, a SameSite=Strict cookie stays home: ask
    // (same-site now, so it is sent) and, if signed in after all, load the page again.
    // Once: should the cookie still not come along, a loop of reloads would help nobody.
    const KEY = "statehub-signin-retry";
    if (Date.now() - Number(sessionStorage.getItem(KEY) || 0) > 10_000) {
      call("/dashboard/session").then((answer) => {
        if (answer.status !== 204) return;
        sessionStorage.setItem(KEY, String(Date.now()));
        location.replace(location.href);
      });
    }
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const token = form.token.value.trim();
      if (!token) {
        error.textContent = "Enter the token first.";
        error.hidden = false;
        return;
      }
      const answer = await call("/dashboard/session", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ token }),
      });
      if (answer.status === 204) {
        location.reload(); // the same page, now signed in
        return;
      }
      error.textContent = await detailOf(answer);
      error.hidden = false;
      form.token.select();
    });
  }

  function setUpSignOut() {
    for (const button of document.querySelectorAll("[data-sign-out]")) {
      button.addEventListener("click", async () => {
        await call("/dashboard/session", { method: "DELETE" });
        location.assign("/");
      });
    }
  }

  // --- fleet: filter and sort -------------------------------------------------
  function fleetRows() {
    return Array.from(document.querySelectorAll("#fleet-table tbody tr"));
  }

  function applyFilter(updateUrl) {
    const form = byId("fleet-filter");
    if (!form) return;
    const name = form.q.value.trim().toLowerCase();
    const tag = form.finding.value;
    let shown = 0;
    const rows = fleetRows();
    for (const row of rows) {
      const ok =
        (!name || row.dataset.name.includes(name)) &&
        (!tag || row.dataset.tags.split(" ").includes(tag));
      row.hidden = !ok;
      shown += ok ? 1 : 0;
    }
    const count = byId("fleet-count");
    if (count) {
      count.textContent = name || tag ? `Showing ${shown} of ${rows.length} repos` : "";
    }
    const none = byId("fleet-none");
    if (none) none.hidden = shown > 0 || rows.length === 0;
    if (updateUrl) {
      // Shareable: the URL says what is shown, and the server honours it too.
      const params = new URLSearchParams(location.search);
      name ? params.set("q", form.q.value.trim()) : params.delete("q");
      tag ? params.set("finding", tag) : params.delete("finding");
      const query = params.toString();
      history.replaceState(null, "", query ? `?${query}` : location.pathname);
    }
  }

  function setUpFilter() {
    const form = byId("fleet-filter");
    if (!form) return;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      applyFilter(true);
    });
    form.q.addEventListener("input", () => applyFilter(true));
    form.finding.addEventListener("change", () => applyFilter(true));
    applyFilter(false);
  }

  const NUMERIC = new Set(["ahead", "behind", "rank"]);
  // Newest first and most ahead/behind first read best on the first click.
  const DESCENDING_FIRST = new Set(["ahead", "behind", "checked", "changed"]);

  function compare(key, dir) {
    return (a, b) => {
      const x = a.dataset[key] || "";
      const y = b.dataset[key] || "";
      const order = NUMERIC.has(key) ? Number(x) - Number(y) : x.localeCompare(y);
      // Ties keep the server's order (needing action first) whichever way we sort.
      return dir * order || Number(a.dataset.order) - Number(b.dataset.order);
    };
  }

  function applySort() {
    const table = byId("fleet-table");
    if (!table || !sort.key) return;
    const body = table.tBodies[0];
    const rows = fleetRows().sort(compare(sort.key, sort.dir));
    body.append(...rows);
    for (const th of table.tHead.querySelectorAll("th")) {
      const button = th.querySelector("button");
      const active = button && button.dataset.sort === sort.key;
      th.setAttribute("aria-sort", active ? (sort.dir > 0 ? "ascending" : "descending") : "none");
    }
  }

  function setUpSort() {
    // Delegated: the table is replaced on refresh.
    byId("fleet-body")?.addEventListener("click", (event) => {
      const button = event.target.closest("thead button[data-sort]");
      if (!button) return;
      const key = button.dataset.sort;
      sort =
        sort.key === key
          ? { key, dir: -sort.dir }
          : { key, dir: DESCENDING_FIRST.has(key) ? -1 : 1 };
      applySort();
    });
  }

  // --- cadence strip tooltip ----------------------------------------------------
  function setUpStrip() {
    const body = byId("cadence-body");
    const tip = byId("strip-tip");
    if (!body || !tip) return;
    // The title is the no-JS tooltip; with JS the styled one replaces it.
    for (const slot of body.querySelectorAll(".slot[title]")) {
      slot.dataset.tip = slot.title.replaceAll("; ", "\n");
      slot.removeAttribute("title");
    }
    if (body.dataset.ready) return;
    body.dataset.ready = "1";
    const show = (slot) => {
      tip.textContent = slot.dataset.tip || "";
      tip.hidden = false;
      const box = body.getBoundingClientRect();
      const at = slot.getBoundingClientRect();
      const left = at.left - box.left + at.width / 2 - tip.offsetWidth / 2;
      tip.style.left = `${Math.max(0, Math.min(left, box.width - tip.offsetWidth))}px`;
      const above = at.top - box.top - tip.offsetHeight - 8;
      tip.style.top = `${above >= 0 ? above : at.bottom - box.top + 8}px`;
    };
    const hide = () => {
      tip.hidden = true;
    };
    for (const type of ["pointerover", "focusin"]) {
      body.addEventListener(type, (event) => {
        const slot = event.target.closest(".slot");
        slot ? show(slot) : hide();
      });
    }
    body.addEventListener("pointerleave", hide);
    body.addEventListener("focusout", hide);
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape") hide(); // dismissible without moving (WCAG 1.4.13)
    });
  }

  // --- finding badges: their explanation on hover and on focus ----------------------
  function setUpBadges() {
    const body = byId("fleet-body");
    if (!body) return;
    // As on the strip: the title is the no-JS tooltip; with JS the styled one replaces it
    // (one tooltip, not two), and it shows on keyboard focus as well as on hover.
    for (const badge of body.querySelectorAll(".badge[data-finding][title]")) {
      badge.dataset.tip = badge.title;
      badge.removeAttribute("title");
    }
    if (body.dataset.badgesReady) return;
    body.dataset.badgesReady = "1";
    let shown = null;
    const hide = () => {
      const tip = byId("badge-tip");
      if (tip) tip.hidden = true;
      shown?.removeAttribute("aria-describedby");
      shown = null;
    };
    const show = (badge) => {
      const tip = byId("badge-tip");
      if (!tip || !badge.dataset.tip) return;
      hide();
      tip.textContent = badge.dataset.tip;
      tip.hidden = false;
      badge.setAttribute("aria-describedby", "badge-tip");
      shown = badge;
      // Fixed to the viewport, so the table's scroll box never clips it.
      const at = badge.getBoundingClientRect();
      const room = document.documentElement.clientWidth;
      tip.style.left = `${Math.max(4, Math.min(at.left, room - tip.offsetWidth - 4))}px`;
      const below = at.bottom + 6;
      const fits = below + tip.offsetHeight <= window.innerHeight;
      tip.style.top = `${fits ? below : Math.max(4, at.top - tip.offsetHeight - 6)}px`;
    };
    body.addEventListener("pointerover", (event) => {
      const badge = event.target.closest(".badge[data-tip]");
      badge ? show(badge) : hide();
    });
    body.addEventListener("pointerleave", hide);
    body.addEventListener("focusin", (event) => {
      const badge = event.target.closest(".badge[data-tip]");
      badge ? show(badge) : hide();
    });
    body.addEventListener("focusout", hide);
    window.addEventListener("scroll", hide, { passive: true });
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape") hide(); // dismissible without moving (WCAG 1.4.13)
    });
  }

  // --- repo paths: the last components, in the room the row has -----------------------
  const ELLIPSIS = "\u2026/";

  // The longest "…/a/b/repo" that fits ``room`` pixels; whole components only. When even
  // the last one does not fit, CSS ellipsis cuts it.
  function fitted(path, room, width) {
    if (width(path) <= room) return path;
    const parts = path.split("/");
    for (let keep = parts.length - 2; keep >= 1; keep--) {
      const text = ELLIPSIS + parts.slice(-keep).join("/");
      if (width(text) <= room) return text;
    }
    return ELLIPSIS + parts[parts.length - 1];
  }

  const measure = document.createElement("canvas").getContext("2d");

  function fitPaths() {
    const spans = Array.from(document.querySelectorAll(".repo-path[data-path]"));
    if (!spans.length || !measure) return;
    // Widths are read with every path whole (the layout the table would have without the
    // cut), so a path cut shorter before cannot have narrowed its own column; then every
    // span is written at once: one layout, however many rows.
    for (const span of spans) span.textContent = span.dataset.path;
    const rooms = spans.map((span) => span.clientWidth);
    // The longhands: canvas rejects a shorthand holding a line height or a stretch.
    const style = getComputedStyle(spans[0]);
    measure.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const width = (text) => measure.measureText(text).width;
    spans.forEach((span, i) => {
      span.textContent = fitted(span.dataset.path, rooms[i], width);
    });
    // The width these cuts were made for: a reader (or a test) can tell a stale cut, one
    // made before the window last changed size, from a current one.
    const body = byId("fleet-body");
    if (body) body.dataset.fittedFor = String(body.clientWidth);
  }

  function setUpPaths() {
    const body = byId("fleet-body");
    if (!body) return;
    fitPaths();
    let pending = false;
    new ResizeObserver(() => {
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => {
        pending = false;
        fitPaths();
      });
    }).observe(body);
    // Copying a shortened path copies all of it (a click selects it whole: user-select).
    document.addEventListener("copy", (event) => {
      const selection = document.getSelection();
      const node = selection?.anchorNode;
      const element = node?.nodeType === Node.TEXT_NODE ? node.parentElement : node;
      const span = element?.closest?.(".repo-path[data-path]");
      if (!span || !span.contains(selection.focusNode) || !event.clipboardData) return;
      event.clipboardData.setData("text/plain", span.dataset.path);
      event.preventDefault();
    });
  }

  // --- refresh: re-read the page and swap its live parts --------------------------
  async function refresh() {
    const answer = await call(location.pathname + location.search);
    const fresh = new DOMParser().parseFromString(await answer.text(), "text/html");
    for (const id of SWAPPED) {
      const here = byId(id);
      const there = fresh.getElementById(id);
      if (here && there) here.replaceChildren(...Array.from(there.childNodes));
    }
    const select = byId("filter-finding");
    const freshSelect = fresh.getElementById("filter-finding");
    if (select && freshSelect) {
      const chosen = select.value;
      select.replaceChildren(...Array.from(freshSelect.options));
      select.value = chosen;
    }
    document.title = fresh.title;
    setUpStrip();
    setUpBadges();
    fitPaths();
    applySort();
    applyFilter(false);
  }

  function setUpAutoRefresh() {
    if (!byId("fleet-body")) return;
    setInterval(() => {
      const focusInside = SWAPPED.some((id) => byId(id)?.contains(document.activeElement));
      // Never pull the rug from under the keyboard, or race a sweep's own refresh.
      if (document.hidden || sweeping || focusInside) return;
      refresh().catch(() => {});
    }, REFRESH_MS);
  }

  // --- sweep now ------------------------------------------------------------------
  function setUpSweepNow() {
    const button = byId("sweep-now");
    const line = byId("sweep-progress");
    if (!button || !line) return;
    const text = line.querySelector("[data-progress-text]");
    const say = (message, state, sweepId) => {
      line.hidden = false;
      line.classList.toggle("done", state === "done");
      line.classList.toggle("bad", state === "bad");
      text.textContent = message;
      if (sweepId) {
        const link = document.createElement("a");
        link.href = `/dashboard/sweeps/${sweepId}`;
        link.textContent = "see the sweep";
        text.append(" — ", link);
      }
    };

    async function follow(url, started) {
      for (;;) {
        await sleep(POLL_MS);
        const answer = await call(url);
        if (!answer.ok) throw new Error(await detailOf(answer));
        const state = await answer.json();
        if (state.status === "finished") return state;
        if (state.status === "failed") throw new Error(state.detail || "the sweep failed");
        const seconds = Math.round((Date.now() - started) / 1000);
        say(`Sweeping… ${seconds} s`, "running");
      }
    }

    button.addEventListener("click", async () => {
      if (sweeping) return;
      sweeping = true;
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
      say("Starting a sweep…", "running");
      const started = Date.now();
      try {
        const answer = await call("/consistency/sweep/remote-all", {
          method: "POST",
          headers: { "Content-Type": "application/json", Prefer: "respond-async" },
          body: JSON.stringify({ triggered_by: "manual" }),
        });
        let result;
        let summary; // the line recorded with the sweep: its wording is the server's, not ours
        if (answer.status === 202) {
          ({ result, summary } = await follow(answer.headers.get("Location"), started));
        } else if (answer.ok) {
          result = await answer.json(); // a lock skip answers at once
        } else {
          throw new Error(await detailOf(answer));
        }
        if (result.lock_skipped) {
          const holder = result.held_by?.triggered_by || "another sweep";
          say(`Not started: ${holder} holds the sweep lock (recorded as a lock skip)`, "bad", result.sweep_id);
        } else {
          const done = `Sweep done in ${result.duration_seconds.toFixed(1)} s`;
          say(summary ? `${done} — ${summary}` : done, "done", result.sweep_id);
        }
        await refresh();
      } catch (error) {
        if (error.message !== "signed out") say(`Sweep failed: ${error.message}`, "bad");
      } finally {
        sweeping = false;
        button.disabled = false;
        button.removeAttribute("aria-busy");
      }
    });
  }

  setUpSignIn();
  setUpSignOut();
  setUpFilter();
  setUpSort();
  setUpStrip();
  setUpBadges();
  setUpPaths();
  setUpSweepNow();
  setUpAutoRefresh();
})();
