// The Webhook journal tab: every callback with each attempt (time, status or error, latency,
// URL), its body pretty-printed, filters by state and source, and redeliver buttons. It reloads
// when the event stream says something happened (never on a timer).
import { get, post, el, clock, notify } from "./api.js";

const STATES = [["", "All"], ["pending", "Pending"], ["delivered", "Delivered"], ["given_up", "Given up"]];
let root, listBox, summary, sourceSelect, panel;
let state = "";
let source = "";
let stale = true;
let timer = null;

export function mount(p) {
  panel = p;
  const filters = el("fieldset", { class: "filters" }, el("legend", {}, "Show"),
    ...STATES.map(([value, label]) => el("label", { class: "radio" },
      el("input", { type: "radio", name: "journal-state", value, checked: value === state,
        onchange: () => { state = value; reload(); } }), ` ${label}`)));
  sourceSelect = el("select", { id: "journal-source", onchange: () => { source = sourceSelect.value; reload(); } },
    el("option", { value: "" }, "every source"), el("option", { value: "onprem" }, "onprem"));
  summary = el("p", { class: "meta", id: "journal-summary" });
  listBox = el("div", { class: "journal", "aria-live": "polite" });
  root = el("div", { class: "journal-panel" },
    el("div", { class: "toolbar" }, filters,
      el("label", { for: "journal-source" }, "Source "), sourceSelect,
      el("button", { type: "button", id: "redeliver-all", onclick: redeliverAll }, "Redeliver every given-up callback"),
      el("button", { type: "button", onclick: reload }, "Refresh")),
    summary, listBox);
  panel.append(root);
}

export function shown() {
  if (stale) reload();
}

export function onEvent() {
  stale = true;
  if (panel.hidden) return;
  clearTimeout(timer);
  timer = setTimeout(reload, 250);
}

export async function reload() {
  if (!panel || panel.hidden) {
    stale = true;
    return;
  }
  stale = false;
  const query = new URLSearchParams({ limit: "200" });
  if (state) query.set("state", state);
  if (source) query.set("source", source);
  try {
    const answer = await get(`/v1/emulator/callbacks?${query}`);
    let callbacks = answer.callbacks || [];
    noteSources(callbacks);
    summary.textContent = `${callbacks.length} shown · ${answer.pending} pending in the queue`;
    listBox.replaceChildren(...callbacks.slice().reverse().map(entry));
    if (!callbacks.length) listBox.append(el("p", { class: "meta" }, "No callbacks yet."));
  } catch (err) {
    notify(err.message, true);
  }
}

function noteSources(callbacks) {
  const known = new Set([...sourceSelect.options].map((o) => o.value));
  for (const c of callbacks) {
    const s = c.source || "onprem";
    if (!known.has(s)) {
      sourceSelect.append(el("option", { value: s }, s));
      known.add(s);
    }
  }
}

function pretty(body) {
  if (typeof body !== "string") return JSON.stringify(body, null, 2);
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

function entry(c) {
  const label = c.event || c.kind;
  const head = el("header", {},
    el("span", { class: "mono" }, `#${c.id}`), " ",
    el("span", { class: "strong" }, label), " ",
    c.source ? el("span", { class: "tag" }, c.source) : null, " ",
    el("span", { class: `state ${c.state}`, dataset: { state: c.state } }, c.state.replace("_", " ")),
    el("span", { class: "meta" }, ` created ${clock(c.created_ms)} · ${c.attempts_total} attempt${c.attempts_total === 1 ? "" : "s"}`),
    c.state === "pending" && c.next_attempt_ms ? el("span", { class: "meta" }, ` · next ${clock(c.next_attempt_ms)}`) : null);
  const article = el("article", { class: "callback", dataset: { callbackId: c.id, state: c.state } }, head);
  if (c.state === "given_up") {
    article.append(el("button", { type: "button", class: "redeliver", dataset: { callbackId: c.id },
      onclick: () => redeliver(c.id) }, `Redeliver #${c.id}`));
  }
  if (c.attempts && c.attempts.length) {
    article.append(el("table", { class: "attempts" },
      el("caption", { class: "sr-only" }, `Attempts of callback ${c.id}`),
      el("thead", {}, el("tr", {}, ...["time", "answer", "latency", "URL"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, c.attempts.map((a) => el("tr", { class: a.status === 200 ? "ok" : "bad" },
        el("td", {}, clock(a.at_ms, true)),
        el("td", {}, answerText(a)),
        el("td", {}, `${a.latency_ms} ms`),
        el("td", { class: "mono url" }, a.url))))));
  } else {
    article.append(el("p", { class: "meta" }, "Not attempted yet."));
  }
  if (c.request) {
    const r = c.request;
    const headers = (r.headers || []).map((h) => (Array.isArray(h) ? `${h[0]}: ${h[1]}` : `${h.name}: ${h.value}`)).join("\n");
    article.append(el("details", {}, el("summary", {}, `Request ${r.method || "POST"} ${r.url || ""}`),
      headers ? el("pre", { class: "json" }, headers) : null,
      el("pre", { class: "json" }, pretty(r.body))));
  } else {
    article.append(el("details", {}, el("summary", {}, "Body"), el("pre", { class: "json" }, pretty(c.body))));
  }
  return article;
}

/** "HTTP 500", "timeout", or "HTTP 302 (redirect to ...)" when the error says more. */
function answerText(a) {
  const status = a.status ? `HTTP ${a.status}` : "";
  if (!a.error || a.error === status) return status || "error";
  return status ? `${status} (${a.error})` : a.error;
}

async function redeliver(id) {
  try {
    await post(`/v1/emulator/callbacks/${id}/redeliver`);
    notify(`Callback #${id} is queued again`);
    reload();
  } catch (err) {
    notify(err.message, true);
  }
}

async function redeliverAll() {
  try {
    const answer = await post("/v1/emulator/callbacks/redeliver");
    notify(`${answer.callbacks.length} callback(s) queued again`);
    reload();
  } catch (err) {
    notify(err.message, true);
  }
}
