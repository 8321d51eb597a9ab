// The Conversations tab: one chat per customer number, the app's messages on the right with
// their ticks updated in place from `status` events, the customer's on the left, a composer to
// answer as the customer, and a detail pane (the exact request, the status plan, forced statuses).
import { get, post, el, clock, notify } from "./api.js";
import * as render from "./render.js";
import { createComposer } from "./composer.js";

const RANK = { accepted: 0, sent: 1, delivered: 2, read: 3, failed: 4, deleted: 5 };
const TICKS = { accepted: "🕓", sent: "✓", delivered: "✓✓", read: "✓✓", failed: "⚠", deleted: "🗑" };

const conversations = new Map(); // wa_id -> { waId, name, items: Map(id -> item) }
const early = new Map(); // statuses that arrived before their message was fetched
let templates = [];
let selected = null;
let detailId = null;
let replyTo = null;
let root, list, thread, title, detail, composer;

function conversation(waId) {
  if (!conversations.has(waId)) conversations.set(waId, { waId, name: "", items: new Map() });
  return conversations.get(waId);
}

function failedCode(steps) {
  const f = (steps || []).filter((s) => s.status === "failed").pop();
  return f ? f.error_code : undefined;
}

function addSent(m) {
  const item = {
    id: m.id, dir: "out", at: m.created_ms, type: m.type, payload: m.request,
    status: m.status, errorCode: failedCode(m.steps), steps: m.steps, to: m.to,
  };
  conversation(m.to).items.set(m.id, item);
  const pending = early.get(m.id);
  early.delete(m.id);
  if (pending) for (const s of pending) applyStatus(item, s);
  return item;
}

function addInbound(message, contact, at) {
  const c = conversation(message.from);
  if (contact && contact.profile) c.name = contact.profile.name;
  c.items.set(message.id, { id: message.id, dir: "in", at, type: message.type, payload: message });
}

function applyStatus(item, s) {
  const steps = item.steps || [];
  if (s.forced && !steps.some((x) => x.status === s.status && x.at_ms === s.at_ms)) {
    item.steps = [...steps, { status: s.status, at_ms: s.at_ms, error_code: s.error_code, forced: true }];
  }
  if (!s.forced && RANK[s.status] <= RANK[item.status]) return;
  item.status = s.status;
  item.errorCode = s.error_code === null ? undefined : s.error_code;
}

export function mount(panel) {
  root = panel;
  list = el("ul", { class: "convo-list", "aria-label": "Customers" });
  const number = el("input", { id: "new-customer", inputmode: "tel", placeholder: "15551234567", autocomplete: "off" });
  const start = el("form", { class: "new-convo", onsubmit: (e) => {
    e.preventDefault();
    const waId = number.value.replace(/[^0-9]/g, "");
    if (waId.length < 8) return notify("A customer number has 8 to 15 digits", true);
    conversation(waId);
    number.value = "";
    select(waId);
  } }, el("label", { for: "new-customer" }, "Play a customer"), number, el("button", { type: "submit" }, "Open chat"));
  title = el("h2", { class: "chat-title" }, "No conversation selected");
  thread = el("ol", { class: "thread", "aria-label": "Messages", "aria-live": "polite" });
  composer = createComposer({
    customer: () => selected,
    replyTo: () => replyTo,
    clearReply: () => { replyTo = null; composer.showReply(null); },
  });
  // Keep the newest message in view when an image above it finishes loading.
  thread.addEventListener("load", () => (thread.scrollTop = thread.scrollHeight), true);
  detail = el("aside", { class: "detail", "aria-label": "Message detail", hidden: true });
  root.append(el("div", { class: "chat-layout" },
    el("nav", { class: "convos", "aria-label": "Conversations" }, start, list),
    el("section", { class: "chat" }, title, thread, composer.node),
    detail));
}

export async function reload() {
  try {
    const [sent, inbound, tpl] = await Promise.all([
      get("/v1/emulator/messages?limit=1000"), get("/v1/emulator/inbound?limit=1000"), get("/v1/emulator/templates"),
    ]);
    templates = tpl.templates || [];
    const keep = new Set([...conversations.values()].filter((c) => c.items.size === 0).map((c) => c.waId));
    conversations.clear();
    keep.forEach(conversation);
    for (const m of sent.messages) addSent(m);
    for (const m of inbound.messages) {
      const n = m.notification || {};
      addInbound((n.messages || [])[0] || { id: m.id, from: m.from, type: "unknown" }, (n.contacts || [])[0], m.received_ms);
    }
    if (!selected && conversations.size) selected = [...conversations.keys()][0];
    draw();
  } catch (err) {
    notify(err.message, true);
  }
}

export function onEvent({ event, data }) {
  if (event === "message_sent") {
    // A template is shown with its registered text: fetch the registrations again for it.
    const known = data.type === "template" ? get("/v1/emulator/templates").then((t) => (templates = t.templates || [])) : null;
    Promise.all([get(`/v1/emulator/messages/${encodeURIComponent(data.id)}`), known]).then(([a]) => {
      const item = addSent(a.messages[0]);
      if (!selected) selected = item.to;
      draw();
    }).catch((err) => notify(err.message, true));
  } else if (event === "inbound") {
    const m = (data.messages || [])[0];
    if (!m) return;
    addInbound(m, (data.contacts || [])[0], Date.now());
    if (!selected) selected = m.from;
    draw();
  } else if (event === "status") {
    const item = conversation(data.recipient_id).items.get(data.id);
    if (!item) {
      early.set(data.id, [...(early.get(data.id) || []), data]);
      return;
    }
    applyStatus(item, data);
    updateTicks(item);
    if (detailId === item.id) showDetail(item);
  }
}

function select(waId) {
  selected = waId;
  replyTo = null;
  composer.showReply(null);
  draw();
}

function draw() {
  list.replaceChildren();
  const sorted = [...conversations.values()].sort((a, b) => last(b) - last(a));
  for (const c of sorted) {
    const items = [...c.items.values()].sort((a, b) => a.at - b.at);
    const latest = items[items.length - 1];
    list.append(el("li", {}, el("button", {
      type: "button", class: "convo", dataset: { waId: c.waId }, "aria-current": c.waId === selected ? "true" : undefined,
      onclick: () => select(c.waId),
    }, el("span", { class: "strong" }, c.name ? `${c.name} ` : ""), el("span", { class: "mono" }, `+${c.waId}`),
    el("span", { class: "meta ellipsis" }, latest ? text(latest) : "no messages yet"))));
  }
  drawThread();
}

const last = (c) => Math.max(0, ...[...c.items.values()].map((i) => i.at));

function text(item) {
  return render.summary(item.type, item.payload[item.type]) || item.type;
}

function drawThread() {
  const c = selected && conversations.get(selected);
  title.textContent = c ? `${c.name ? c.name + " · " : ""}+${c.waId}` : "No conversation selected";
  composer.enable(Boolean(c));
  thread.replaceChildren();
  if (!c) return;
  const items = [...c.items.values()].sort((a, b) => a.at - b.at);
  for (const item of items) thread.append(bubble(item, c));
  thread.scrollTop = thread.scrollHeight;
}

function bubble(item, c) {
  const li = el("li", { class: `msg ${item.dir}`, dataset: { messageId: item.id, type: item.type } });
  // A reply quotes its context; a reaction quotes the message it reacts to.
  const ctx = item.payload.context;
  const reacted = item.type === "reaction" && item.payload.reaction && item.payload.reaction.message_id;
  const quoted = (ctx && (ctx.message_id || ctx.id)) || reacted;
  if (quoted) {
    const q = c.items.get(quoted);
    li.append(el("blockquote", { class: "quote" }, q ? text(q) : `${reacted ? "reaction to" : "reply to"} ${quoted}`));
  }
  const body = item.dir === "out"
    ? render.outbound(item.payload, { templates, onChoose: (reply) => composer.sendChoice(reply, item.id) })
    : render.inbound(item.payload);
  li.append(...body);
  const foot = el("div", { class: "foot" }, el("time", {}, clock(item.at)));
  if (item.dir === "out") foot.append(ticks(item));
  foot.append(
    el("button", { type: "button", class: "link reply-to", onclick: () => { replyTo = item; composer.showReply(text(item)); }, "aria-label": `Reply to ${text(item)}` }, "reply"),
    el("button", { type: "button", class: "link details", onclick: () => showDetail(item), "aria-label": "Show message detail" }, "details"));
  li.append(foot);
  return li;
}

function ticks(item) {
  const label = item.status === "failed" ? `failed ${item.errorCode ?? ""}`.trim() : item.status;
  return el("span", { class: "ticks", dataset: { status: item.status }, title: label, "aria-label": label },
    TICKS[item.status] || "?", item.status === "failed" ? ` ${item.errorCode ?? ""}` : "");
}

function updateTicks(item) {
  const old = thread.querySelector(`[data-message-id="${CSS.escape(item.id)}"] .ticks`);
  if (old) old.replaceWith(ticks(item));
  if (selected !== item.to) draw();
}

function showDetail(item) {
  detailId = item.id;
  detail.hidden = false;
  const close = el("button", { type: "button", class: "close", onclick: () => { detail.hidden = true; detailId = null; }, "aria-label": "Close detail" }, "×");
  const parts = [close, el("h3", {}, item.dir === "out" ? "Sent by the app" : "Sent by the customer"), el("p", { class: "mono small" }, item.id)];
  if (item.dir === "out") {
    parts.push(el("p", {}, `Status: ${item.status} `, ticks(item)));
    parts.push(el("h4", {}, "Status plan"), el("table", { class: "steps" },
      el("thead", {}, el("tr", {}, el("th", {}, "status"), el("th", {}, "at"), el("th", {}, "note"))),
      el("tbody", {}, (item.steps || []).map((s) => el("tr", {},
        el("td", {}, s.status), el("td", {}, clock(s.at_ms, true)),
        el("td", {}, [s.error_code ? `code ${s.error_code}` : "", s.forced ? "forced" : ""].filter(Boolean).join(", ")))))));
    const code = el("input", { id: "force-code", type: "number", min: 1, value: 470, class: "short" });
    const force = (status) => post(`/v1/emulator/messages/${encodeURIComponent(item.id)}/status`,
      status === "failed" ? { status, code: Number(code.value) } : { status })
      .then(() => notify(`Forced ${status}`)).catch((err) => notify(err.message, true));
    parts.push(el("h4", {}, "Force a status"), el("div", { class: "actions" },
      el("button", { type: "button", onclick: () => force("delivered") }, "delivered"),
      el("button", { type: "button", onclick: () => force("read") }, "read"),
      el("button", { type: "button", onclick: () => force("failed") }, "failed"),
      el("label", { for: "force-code" }, "code"), code));
    parts.push(el("h4", {}, "Request as the app sent it"));
  } else {
    parts.push(el("h4", {}, "Webhook message"));
  }
  parts.push(el("pre", { class: "json" }, JSON.stringify(item.payload, null, 2)));
  detail.replaceChildren(...parts);
}
