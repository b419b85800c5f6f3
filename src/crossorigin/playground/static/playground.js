// The CORS playground page: edit the API's policy, compose a request, send a
// real fetch() to the API origin, then show what the API recorded, what the
// browser did and what crossorigin's model says (from /control/report).
// Everything is drawn with DOM nodes and textContent: no data becomes HTML.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const BODYLESS = new Set(["GET", "HEAD"]);
  const CORS_REQUEST = /^(origin|access-control-request-.*|cookie|authorization)$/i;
  const CORS_RESPONSE = /^(access-control-.*|vary)$/i;
  let state = null;
  let counter = 0;
  let currentPreset = null;

  // -- small DOM helpers ---------------------------------------------------------------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("data")) node.setAttribute(key.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase()), value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  // Text with `code` spans, as the server writes its sentences.
  function prose(text) {
    const parts = String(text).split("`");
    return parts.map((part, index) => (index % 2 ? el("code", { text: part }) : document.createTextNode(part)));
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  async function postJSON(path, data) {
    const response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(data),
    });
    return response.json();
  }

  function splitList(text) {
    return text.split(/[\n,]/).map((item) => item.trim()).filter(Boolean);
  }

  function show(value) {
    if (value === null || value === undefined) return "null";
    if (value === true) return "yes";
    if (value === false) return "no";
    return String(value);
  }

  // -- the forms -------------------------------------------------------------------------

  function policyFromForm() {
    const origins = splitList($("p-origins").value.replace(/,/g, "\n"));
    const policy = {
      origins: origins.length === 1 && origins[0] === "*" ? "*" : origins,
      methods: splitList($("p-methods").value),
      request_headers: splitList($("p-headers").value),
      credentials: $("p-credentials").checked,
      expose_headers: splitList($("p-expose").value),
    };
    const maxAge = $("p-max-age").value.trim();
    if (maxAge !== "") policy.max_age = /^-?\d+$/.test(maxAge) ? Number(maxAge) : maxAge;
    return policy;
  }

  function fillPolicy(policy) {
    const origins = policy.origins === "*" ? ["*"] : policy.origins || [];
    $("p-origins").value = origins.join("\n");
    $("p-methods").value = (policy.methods || ["GET", "HEAD", "POST"]).join(", ");
    $("p-headers").value = (policy.request_headers || []).join(", ");
    $("p-credentials").checked = Boolean(policy.credentials);
    $("p-expose").value = (policy.expose_headers || []).join(", ");
    $("p-max-age").value = policy.max_age === null || policy.max_age === undefined ? "" : String(policy.max_age);
  }

  function requestFromForm() {
    const headers = [];
    for (const line of $("r-headers").value.split("\n")) {
      if (!line.trim()) continue;
      const colon = line.indexOf(":");
      headers.push(colon < 0 ? [line.trim(), ""] : [line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
    }
    const method = $("r-method").value;
    return {
      method,
      headers,
      credentials: $("r-credentials").value,
      body: BODYLESS.has(method) ? "" : $("r-body").value,
      read: splitList($("r-read").value),
    };
  }

  function fillRequest(request) {
    $("r-method").value = request.method || "GET";
    $("r-headers").value = (request.headers || []).map(([name, value]) => `${name}: ${value}`).join("\n");
    $("r-credentials").value = request.credentials || "same-origin";
    $("r-body").value = request.body || "";
    $("r-read").value = (request.read || []).join(", ");
    updatePreview();
  }

  function updatePreview() {
    const request = requestFromForm();
    const bodyless = BODYLESS.has(request.method);
    $("r-body").disabled = bodyless;
    $("body-note").textContent = bodyless ? `(a ${request.method} request has no body)` : "sent as text";
    const lines = [`fetch("${state ? state.api_url : ""}?attempt=…", {`, `  method: ${JSON.stringify(request.method)},`];
    if (request.headers.length) {
      lines.push("  headers: {");
      for (const [name, value] of request.headers) lines.push(`    ${JSON.stringify(name)}: ${JSON.stringify(value)},`);
      lines.push("  },");
    }
    lines.push(`  credentials: ${JSON.stringify(request.credentials)},`);
    if (request.body) lines.push(`  body: ${JSON.stringify(request.body)},`);
    lines.push("}).then((response) => {");
    for (const name of request.read) lines.push(`  response.headers.get(${JSON.stringify(name)});`);
    lines.push("});");
    $("fetch-preview").textContent = lines.join("\n");
  }

  function issueItem(issue) {
    // Like Issue.__str__: the value is shown unless the message already quotes it.
    const value = issue.value === null || issue.value === undefined ? "" : String(issue.value);
    const showValue = value !== "" && !issue.message.includes(value);
    return el(
      "li",
      { dataCode: issue.code },
      el("code", { class: "issue-code", text: issue.code }),
      " ",
      showValue ? el("code", { text: JSON.stringify(issue.value) }) : "",
      showValue ? ": " : "",
      issue.message,
    );
  }

  function showPolicyResult(result) {
    const box = $("policy-issues");
    const list = clear($("policy-issue-list"));
    box.hidden = result.ok;
    if (!result.ok) for (const issue of result.issues || []) list.append(issueItem(issue));
    const notes = clear($("policy-notes"));
    const noteList = result.ok ? result.notes || [] : [];
    notes.hidden = noteList.length === 0;
    for (const note of noteList) notes.append(issueItem(note));
  }

  // -- permalinks ----------------------------------------------------------------------------
  // `#s=` + base64url(UTF-8 JSON {v: 1, policy, request}) restores a scenario. The
  // fragment never reaches a server; the page's own origin is written `{page}`, so
  // a link works on whatever name and port the playground is opened under.
  // Nothing in a link is applied to the API until Send is pressed.

  const LINK_PREFIX = "#s=";
  const MAX_LINK = 16384;

  function toBase64Url(text) {
    let binary = "";
    for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function fromBase64Url(text) {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const binary = atob(base64 + "===".slice((base64.length + 3) % 4));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  }

  function scenarioLink() {
    const policy = policyFromForm();
    if (Array.isArray(policy.origins)) {
      policy.origins = policy.origins.map((origin) => (origin === state.page_origin ? "{page}" : origin));
    }
    const request = requestFromForm();
    return LINK_PREFIX + toBase64Url(JSON.stringify({ v: 1, policy, request }));
  }

  function updatePermalink() {
    if (state) $("permalink").href = scenarioLink();
  }

  function strings(value) {
    return Array.isArray(value) ? value.filter((item) => typeof item === "string") : [];
  }

  // The scenario in a link, checked field by field: a link is input from anyone.
  function scenarioFromLink(hash) {
    if (hash.length > MAX_LINK) throw new Error("the link is too long");
    let data;
    try {
      data = JSON.parse(fromBase64Url(hash.slice(LINK_PREFIX.length)));
    } catch (error) {
      throw new Error("the link is damaged (it is not a scenario this page wrote)");
    }
    if (!data || typeof data !== "object" || data.v !== 1) throw new Error("the link holds no scenario of this version");
    const page = (value) => (value === "{page}" ? state.page_origin : value);
    const policy = data.policy && typeof data.policy === "object" ? data.policy : {};
    const request = data.request && typeof data.request === "object" ? data.request : {};
    return {
      policy: {
        origins: policy.origins === "*" ? "*" : strings(policy.origins).map(page),
        methods: strings(policy.methods),
        request_headers: strings(policy.request_headers),
        credentials: policy.credentials === true,
        expose_headers: strings(policy.expose_headers),
        max_age: typeof policy.max_age === "number" || typeof policy.max_age === "string" ? policy.max_age : null,
      },
      request: {
        method: Array.from($("r-method").options, (option) => option.value).includes(request.method) ? request.method : "GET",
        headers: Array.isArray(request.headers)
          ? request.headers.filter((pair) => Array.isArray(pair) && pair.length === 2 && pair.every((part) => typeof part === "string"))
          : [],
        credentials: ["same-origin", "include", "omit"].includes(request.credentials) ? request.credentials : "same-origin",
        body: typeof request.body === "string" ? request.body : "",
        read: strings(request.read),
      },
    };
  }

  function loadLink(hash) {
    const problem = $("link-problem");
    let scenario;
    try {
      scenario = scenarioFromLink(hash);
    } catch (error) {
      problem.hidden = false;
      problem.textContent = `This page's link could not be opened: ${error.message}. Showing the first case instead.`;
      return false;
    }
    problem.hidden = true;
    currentPreset = null;
    for (const button of document.querySelectorAll("#preset-buttons button")) button.setAttribute("aria-pressed", "false");
    $("lesson").hidden = true;
    $("result").hidden = true;
    fillPolicy(scenario.policy);
    fillRequest(scenario.request);
    showPolicyResult({ ok: true, notes: [] });
    updatePermalink();
    document.body.dataset.scenario = "link";
    return true;
  }

  // -- presets -----------------------------------------------------------------------------

  async function loadPreset(preset) {
    currentPreset = preset;
    for (const button of document.querySelectorAll("#preset-buttons button")) {
      button.setAttribute("aria-pressed", String(button.dataset.preset === preset.id));
    }
    fillPolicy(preset.policy);
    fillRequest(preset.request);
    $("lesson").hidden = false;
    $("lesson").dataset.preset = preset.id;
    $("lesson-title").textContent = preset.title;
    $("lesson-text").textContent = preset.lesson;
    const refused = $("refused-policy");
    refused.hidden = !preset.refused_policy;
    if (preset.refused_policy) {
      $("refused-config").textContent = `Policy(${Object.entries(preset.refused_policy)
        .map(([key, value]) => `${key}=${value === true ? "True" : JSON.stringify(value)}`)
        .join(", ")})`;
      const result = await postJSON("/control/policy", { policy: preset.refused_policy, apply: false });
      const list = clear($("refused-issues"));
      for (const issue of result.issues || []) list.append(issueItem(issue));
      refused.dataset.ready = "true";
    }
    $("result").hidden = true;
    showPolicyResult({ ok: true, notes: [] });
    updatePermalink();
  }

  // -- sending ------------------------------------------------------------------------------

  async function browserFetch(url, request, readHeaders) {
    const init = { method: request.method, headers: request.headers, credentials: request.credentials, mode: "cors" };
    if (request.body && !BODYLESS.has(request.method)) init.body = request.body;
    try {
      const response = await fetch(url, init);
      const readable = {};
      for (const name of readHeaders) readable[name] = response.headers.get(name);
      const text = await response.text();
      return { resolved: true, status: response.status, type: response.type, readable, body: text.slice(0, 400), user_agent: navigator.userAgent };
    } catch (error) {
      const readable = {};
      for (const name of readHeaders) readable[name] = null;
      return { resolved: false, error: `${error.name}: ${error.message}`, readable, user_agent: navigator.userAgent };
    }
  }

  async function send(event) {
    event.preventDefault();
    const button = $("send");
    button.disabled = true;
    const result = $("result");
    result.dataset.state = "sending";
    try {
      const policyResult = await postJSON("/control/policy", { policy: policyFromForm(), apply: true });
      showPolicyResult(policyResult);
      if (!policyResult.ok) {
        result.hidden = true;
        result.dataset.state = "refused-policy";
        $("policy-issues").scrollIntoView({ block: "nearest" });
        return;
      }
      counter += 1;
      const attempt = `${Date.now().toString(36)}-${counter}`;
      const url = `${state.api_url}?attempt=${attempt}`;
      const request = requestFromForm();
      const readHeaders = request.read;
      const browser = await browserFetch(url, request, readHeaders);
      // The address bar now holds this scenario: copy it to share or come back.
      history.replaceState(null, "", scenarioLink());
      const report = await postJSON("/control/report", {
        attempt,
        url,
        request: { method: request.method, headers: request.headers, credentials: request.credentials, body: request.body },
        browser,
        read_headers: readHeaders,
      });
      render(report);
    } finally {
      button.disabled = false;
    }
  }

  // -- the report ---------------------------------------------------------------------------

  function render(report) {
    const result = $("result");
    result.hidden = false;
    result.dataset.attempt = report.attempt;
    result.dataset.verdict = report.verdict;
    result.dataset.agree = String(report.agree);
    result.dataset.preset = currentPreset ? currentPreset.id : "";
    const verdict = $("verdict");
    verdict.className = `verdict ${report.verdict}`;
    $("verdict-mark").textContent = { allowed: "✓", partial: "!", blocked: "✕", rejected: "!" }[report.verdict] || "?";
    $("headline").textContent = report.headline;
    const story = clear($("story"));
    for (const line of report.story || []) story.append(el("li", {}, prose(line)));

    renderAgreement(report);
    renderEngines(report);
    renderWire(report);
    renderWhy(report);
    renderTabs($("snippet-tabs"), report.snippets || [], "snippet");
    renderReplay(report);
    renderExport(report);
    result.dataset.state = "done";
    result.scrollIntoView({ block: "start" });
  }

  function renderAgreement(report) {
    const rows = clear($("agreement-rows"));
    for (const check of report.agreement || []) {
      rows.append(
        el(
          "tr",
          { class: check.agree ? "agree" : "disagree", dataCheck: check.what },
          el("td", {}, prose(check.what)),
          el("td", { class: "browser-value" }, show(check.browser)),
          el("td", { class: "model-value" }, show(check.model)),
          el("td", { class: "mark", text: check.agree ? "✓ same" : "✕ DIFFERENT" }),
        ),
      );
    }
    const summary = $("agreement-summary");
    $("agreement").className = `card agreement ${report.agree ? "agree" : "disagree"}`;
    summary.textContent = report.agree
      ? "They agree on every point: the model, fed the answers the API really sent, predicts exactly what your browser did."
      : "The model and your browser DISAGREE on the rows marked below. That is a bug in crossorigin's model: please report it with the scenario below.";
  }

  // The model's verdict as Chromium, Firefox and WebKit for the same answers;
  // a row that is not what your browser did is flagged (report.py engine_rows).
  function renderEngines(report) {
    const rows = clear($("engine-rows"));
    const words = { allowed: "allowed", blocked: "blocked by CORS", rejected: "fetch() throws", unknown: "cannot tell" };
    for (const row of report.engines || []) {
      const name = row.yours ? `${row.product} (your browser)` : row.product;
      const why = row.console || row.reason || (row.verdict === "allowed" ? "" : row.error || "");
      rows.append(
        el(
          "tr",
          { class: row.agrees ? "agree" : "disagree", dataEngine: row.browser },
          el("td", { text: name }),
          el("td", { text: words[row.verdict] || row.verdict }),
          el("td", { class: "console", text: why }),
          el("td", { class: "mark", text: row.agrees ? "✓ as yours" : "✕ DIFFERENT" }),
        ),
      );
    }
    const differences = report.engine_differences || [];
    $("engines-summary").textContent = differences.length
      ? differences.map((difference) => difference.text).join(" ")
      : "All three engines would do what your browser did.";
  }

  function headerTable(headers, highlight, extraHighlight) {
    const table = el("table", { class: "headers" });
    const rest = [];
    for (const [name, value] of headers) {
      const row = el("tr", {}, el("th", { text: name + ":" }), el("td", { text: value }));
      if (highlight.test(name) || extraHighlight.has(name.toLowerCase())) {
        row.className = "cors";
        table.append(row);
      } else {
        rest.push(row);
      }
    }
    const box = el("div", { class: "header-box" }, table);
    if (rest.length) {
      const more = el("table", { class: "headers other" }, rest);
      box.append(el("details", { class: "more" }, el("summary", { text: `${rest.length} more header${rest.length > 1 ? "s" : ""}` }), more));
    }
    return box;
  }

  function missingNote(text) {
    return el("div", { class: "missing" }, text);
  }

  function renderWire(report) {
    const wire = clear($("wire"));
    const page = report.page_origin;
    wire.append(
      el(
        "div",
        { class: "lanes" },
        el("div", { class: "lane-head page" }, el("strong", { text: "Browser" }), el("span", { text: `page at ${page}` })),
        el("div", {}),
        el("div", { class: "lane-head api" }, el("strong", { text: "API" }), el("span", { text: report.api_origin })),
      ),
    );
    const outcome = report.model ? report.model.outcome : null;
    const userHeaders = new Set(((report.request || {}).headers || []).map(([name]) => String(name).toLowerCase()));
    const failedAt = outcome ? outcome.failed_at : null;
    const readNames = new Set(((report.scenario || {}).read_headers || []).map((name) => String(name).toLowerCase()));
    const exchanges = report.exchanges || [];
    if (!exchanges.length) {
      wire.append(row("note", el("div", { class: "nothing" }, "Nothing reached the API: fetch() failed before sending anything."), null));
    }
    exchanges.forEach((exchange, index) => {
      const isPreflight = exchange.kind === "preflight";
      const label = isPreflight ? "preflight: may I?" : "the request itself";
      const requestBox = el(
        "div",
        { class: "message request" },
        el("div", { class: "label" }, el("span", { class: "kind", text: label }), el("code", { text: `${exchange.method} ${exchange.target}` })),
        el("div", { class: "arrow right" }),
        headerTable(exchange.request_headers, CORS_REQUEST, isPreflight ? new Set() : userHeaders),
      );
      wire.append(row(isPreflight ? "preflight-request" : "actual-request", requestBox, null, exchange.kind));

      const decision = exchange.decision || {};
      const engineNote = el(
        "div",
        { class: `engine ${decision.allowed ? "ok" : "refused"}` },
        el("strong", { text: decision.allowed ? "crossorigin: allowed" : "crossorigin: refused" }),
        decision.reason ? el("div", { text: decision.explanation || decision.reason }) : null,
        !isPreflight ? el("div", { class: "sub", text: "the application ran" }) : null,
      );
      const isCulprit =
        outcome && !outcome.allowed && ((failedAt === "preflight" && isPreflight) || (failedAt !== "preflight" && !isPreflight && index === exchanges.length - 1));
      const responseHeaders = exchange.response_headers || [];
      const hasAllowOrigin = responseHeaders.some(([name]) => name.toLowerCase() === "access-control-allow-origin");
      const responseBox = el(
        "div",
        { class: `message response${isCulprit ? " culprit" : ""}` },
        el("div", { class: "label" }, el("code", { text: `${exchange.status} ${exchange.status_text || ""}` })),
        el("div", { class: "arrow left" }),
        headerTable(responseHeaders, CORS_RESPONSE, isPreflight ? new Set() : readNames),
        hasAllowOrigin ? null : missingNote("No Access-Control-Allow-Origin header."),
        isCulprit && outcome.console ? el("div", { class: "rejected" }, el("strong", { text: "The browser rejects this answer. " }), shortReason(outcome.console)) : null,
      );
      wire.append(row(isPreflight ? "preflight-response" : "actual-response", responseBox, engineNote, exchange.kind));
    });
    // The last step: what the page's script got.
    const browser = report.browser || {};
    const end = browser.resolved
      ? el("div", { class: "outcome ok" }, el("strong", { text: `fetch() resolved: ${browser.status}` }), el("div", { text: "the page can read the response" }))
      : el("div", { class: "outcome blocked" }, el("strong", { text: "fetch() rejected" }), el("div", { text: browser.error || "TypeError: Failed to fetch" }));
    wire.append(row("outcome", null, null, "outcome", end));
  }

  function shortReason(consoleLine) {
    const marker = "has been blocked by CORS policy: ";
    const at = consoleLine.indexOf(marker);
    return at < 0 ? consoleLine : consoleLine.slice(at + marker.length);
  }

  function row(kind, message, apiNote, dataKind, pageNote) {
    return el(
      "div",
      { class: `step step-${kind}`, dataStep: kind, dataKind: dataKind || kind },
      el("div", { class: "lane page" }, pageNote || null),
      el("div", { class: "middle" }, message),
      el("div", { class: "lane api" }, apiNote),
    );
  }

  function renderWhy(report) {
    const explanation = report.explanation || { summary: "", notes: [], fixes: [] };
    $("why-title").textContent = report.verdict === "allowed" ? "Why it worked" : "Why, and how to fix it";
    const server = $("server-refusal");
    server.hidden = !explanation.server;
    $("check-says").hidden = !explanation.server || report.verdict === "allowed";
    clear(server).append(...prose(explanation.server || ""));
    const summary = $("explanation-summary");
    clear(summary).append(...prose(explanation.summary));
    const outcome = report.model ? report.model.outcome : null;
    const consoleBlock = $("console-block");
    consoleBlock.hidden = !(outcome && outcome.console);
    $("console-line").textContent = outcome && outcome.console ? outcome.console : "";
    $("reason-code").textContent = outcome && outcome.reason ? outcome.reason : "";
    const notes = clear($("explanation-notes"));
    for (const note of explanation.notes || []) notes.append(el("li", {}, prose(note)));
    const fixes = explanation.fixes || [];
    $("fix-block").hidden = fixes.length === 0;
    renderTabs($("fix-tabs"), fixes, "fix");
  }

  function renderTabs(container, items, prefix) {
    clear(container);
    const bar = el("div", { class: "tab-bar", role: "tablist" });
    const panes = [];
    items.forEach((item, index) => {
      const pane = el("pre", { class: "code pane", id: `${prefix}-${item.stack}`, dataStack: item.stack, text: item.text });
      pane.hidden = index !== 0;
      const tab = el("button", { type: "button", role: "tab", class: "tab", dataStack: item.stack, text: item.name });
      tab.setAttribute("aria-selected", String(index === 0));
      tab.addEventListener("click", () => {
        for (const other of bar.children) other.setAttribute("aria-selected", String(other === tab));
        for (const other of panes) other.hidden = other !== pane;
      });
      bar.append(tab);
      panes.push(pane);
    });
    container.append(bar, ...panes);
  }

  function shellQuote(text) {
    return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
  }

  function renderReplay(report) {
    const request = report.request || {};
    const parts = ["crossorigin check", shellQuote(report.url), "--origin", shellQuote(report.page_origin)];
    if (request.method && request.method !== "GET") parts.push("--method", shellQuote(request.method));
    for (const [name, value] of request.headers || []) parts.push("-H", shellQuote(`${name}: ${value}`));
    if (request.credentials === "include") parts.push("--credentials");
    $("check-command").textContent = parts.join(" ");
    $("scenario-json").textContent = JSON.stringify(report.scenario, null, 2);
    $("explain-command").textContent = `crossorigin explain ${harFilename(report.attempt)}`;
  }

  // The HAR download of this attempt (GET /har, page.py); nothing to export
  // when fetch() threw before sending anything.
  function harFilename(attempt) {
    return `crossorigin-playground-${String(attempt).replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 64)}.har`;
  }

  function renderExport(report) {
    const sentSomething = (report.exchanges || []).length > 0 || report.verdict !== "rejected";
    $("har-export").hidden = !sentSomething;
    $("explain-command").hidden = !sentSomething;
    const link = $("export-har");
    link.href = `/har?attempt=${encodeURIComponent(report.attempt)}`;
    link.setAttribute("download", harFilename(report.attempt));
    $("export-har-all").setAttribute("download", "crossorigin-playground.har");
  }

  // -- start --------------------------------------------------------------------------------

  async function start() {
    state = await (await fetch("/control/state")).json();
    for (const node of document.querySelectorAll(".page-origin")) node.textContent = state.page_origin;
    for (const node of document.querySelectorAll(".api-origin")) node.textContent = state.api_origin;
    $("api-url").textContent = state.api_url;
    $("api-sends").textContent = state.api_response_headers.join(", ");
    const buttons = $("preset-buttons");
    for (const preset of state.presets) {
      const button = el("button", { type: "button", class: "preset", dataPreset: preset.id, text: preset.title });
      button.addEventListener("click", () => loadPreset(preset));
      buttons.append(button);
    }
    $("request-form").addEventListener("input", updatePreview);
    $("request-form").addEventListener("input", updatePermalink);
    $("policy-form").addEventListener("input", updatePermalink);
    $("request-form").addEventListener("submit", send);
    $("policy-form").addEventListener("submit", send);
    window.addEventListener("hashchange", () => {
      if (location.hash.startsWith(LINK_PREFIX)) loadLink(location.hash);
    });
    if (!(location.hash.startsWith(LINK_PREFIX) && loadLink(location.hash))) await loadPreset(state.presets[0]);
    document.body.dataset.ready = "true";
  }

  start();
})();
