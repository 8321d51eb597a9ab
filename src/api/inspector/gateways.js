// The SMS gateways tab: for Zender, SMSGateway24 and RaspiSMS, the configuration as
// GET /v1/emulator/gateways/{g} answers it, a form to fire one event, and the gateway's recent
// callbacks with the exact request body. It reloads when the event stream says a gateway made a
// callback or an attempt happened (never on a timer).
import { get, post, el, clock, notify } from "./api.js";

const GATEWAYS = [
  { id: "zender", label: "Zender", events: ["sms", "whatsapp", "ussd", "notification"] },
  { id: "smsgateway24", label: "SMSGateway24", events: ["incoming", "status"], messages: true },
  { id: "raspisms", label: "RaspiSMS", messages: true,
    events: ["receive_sms", "send_sms", "send_sms_status_change", "inbound_call", "phone_reliability"] },
];
const LIVE = new Set(["gateway_event", "callback_attempt", "gateway_message"]);

let panel;
let timer = null;
const boxes = {};

export function mount(p) {
  panel = p;
  panel.append(el("p", { class: "meta" }, "Each gateway's configuration, an event fired by hand, and its callbacks, newest first. ",
    "Configure a gateway with PUT /v1/emulator/gateways/{gateway}."));
  for (const g of GATEWAYS) {
    boxes[g.id] = { config: el("div", {}), form: el("div", {}), list: el("div", { class: "journal", "aria-live": "polite" }),
      rows: el("div", { class: "journal", id: `gateway-${g.id}-rows` }) };
    panel.append(el("section", { class: "surface", id: `gateway-${g.id}`, dataset: { gateway: g.id } },
      el("h3", {}, g.label),
      el("div", { class: "surface-layout" },
        el("div", {}, el("h4", {}, "Configuration"), boxes[g.id].config, boxes[g.id].form),
        el("div", {}, el("h4", {}, "Recent callbacks"), boxes[g.id].list)),
      g.id === "zender" ? el("div", {}, el("h4", {}, "Sent and received through Zender's API (/zender/api)"), boxes[g.id].rows)
        : g.messages ? messagesBox(g) : null));
  }
}

export function shown() {
  reload();
}

export function onEvent(event) {
  if (!LIVE.has(event.event) || panel.hidden) return;
  clearTimeout(timer);
  timer = setTimeout(reload, 250);
}

export async function reload() {
  if (!panel || panel.hidden) return;
  await Promise.all(GATEWAYS.map(async (g) => {
    try {
      const [config, journal] = await Promise.all([
        get(`/v1/emulator/gateways/${g.id}`).then((a) => a.gateways[0]).catch((err) => {
          if (err.status === 404) return null;
          throw err;
        }),
        get(`/v1/emulator/callbacks?source=${g.id}&limit=50`),
      ]);
      showConfig(g, config);
      showCallbacks(boxes[g.id].list, journal.callbacks || []);
      if (g.id === "zender" && config) showZenderRows(await get("/v1/emulator/gateways/zender/messages"));
      if (g.messages) showMessages(g, config ? (await get(`/v1/emulator/gateways/${g.id}/messages`)).messages : []);
    } catch (err) {
      notify(err.message, true);
    }
  }));
}

function showConfig(g, config) {
  const box = boxes[g.id];
  if (!config) {
    box.config.replaceChildren(el("p", { class: "meta not-configured" }, "Not configured."));
    box.form.replaceChildren();
    return;
  }
  box.config.replaceChildren(el("pre", { class: "json config" }, JSON.stringify(config, null, 2)));
  if (!box.form.firstChild) box.form.append(fireForm(g));
}

/** Fires one event: POST /v1/emulator/gateways/{g}/events with {event, data?}. */
function fireForm(g) {
  const select = el("select", { id: `gw-${g.id}-event`, name: "event" },
    ...g.events.map((e) => el("option", { value: e }, e)));
  const data = el("textarea", { id: `gw-${g.id}-data`, name: "data", rows: 3, class: "mono wide",
    placeholder: '{"phone": "+15550001111", "message": "Hello"}' });
  const submit = async (e) => {
    e.preventDefault();
    const body = { event: select.value };
    if (data.value.trim()) {
      try {
        body.data = JSON.parse(data.value);
      } catch (err) {
        return notify(`The data is not JSON: ${err.message}`, true);
      }
    }
    try {
      const answer = await post(`/v1/emulator/gateways/${g.id}/events`, body);
      notify(`${g.label}: ${answer.callbacks.length} callback(s) made`);
      reload();
    } catch (err) {
      notify(err.message, true);
    }
  };
  return el("form", { class: "fire", onsubmit: submit },
    el("h4", {}, "Fire an event"),
    el("div", { class: "field" }, el("label", { for: `gw-${g.id}-event` }, "Event"), select),
    el("div", { class: "field" }, el("label", { for: `gw-${g.id}-data` }, "Data (optional JSON object)"), data),
    el("div", { class: "actions" }, el("button", { type: "submit", id: `gw-${g.id}-fire` }, "Fire")));
}

/** Fills `box` with the callbacks, newest first (shared with the Cloud API tab). */
export function showCallbacks(box, callbacks) {
  const newest = callbacks.slice().sort((a, b) => b.id - a.id);
  box.replaceChildren(...newest.map(callbackEntry));
  if (!newest.length) box.append(el("p", { class: "meta" }, "No callbacks yet."));
}

/** The body exactly as sent (a form, or JSON bytes as signed); an object only when stored as one. */
function exact(body) {
  return typeof body === "string" ? body : JSON.stringify(body, null, 2);
}

function callbackEntry(c) {
  const last = c.attempts && c.attempts.length ? c.attempts[c.attempts.length - 1] : null;
  const lastText = !last ? "not attempted yet" : last.status ? `HTTP ${last.status}` : last.error || "error";
  const body = c.request ? c.request.body : c.body;
  return el("article", { class: "callback", dataset: { callbackId: c.id, state: c.state } },
    el("header", {},
      el("span", { class: "mono" }, `#${c.id}`), " ",
      el("span", { class: "meta" }, clock(c.created_ms)), " ",
      el("span", { class: "strong" }, c.event || c.kind || ""), " ",
      el("span", { class: `state ${c.state}`, dataset: { state: c.state } }, c.state.replace("_", " ")),
      el("span", { class: "meta last-attempt" }, ` · last attempt: ${lastText}`)),
    c.request && c.request.url ? el("p", { class: "meta mono url" }, `${c.request.method || "POST"} ${c.request.url}`) : null,
    el("pre", { class: "json body" }, exact(body)));
}

const SENT_STATUS = { 1: "queued", 2: "pending", 3: "sent", 4: "failed" };

/** Zender's rows (GET /v1/emulator/gateways/zender/messages), newest first, one line each. */
function showZenderRows(m) {
  const line = (kind, r, text) => el("article", { class: "callback zender-row", dataset: { kind, id: r.id } },
    el("header", {}, el("span", { class: "mono" }, `#${r.id}`), " ", el("span", { class: "strong" }, kind), " ",
      el("span", { class: "meta" }, text)),
    el("p", { class: "mono" }, r.message));
  const rows = [
    ...m.sent.map((r) => line("sms sent", r, `to ${r.recipient} · ${SENT_STATUS[r.status] || r.status}${r.status_code ? ` (${r.status_code})` : ""}`)),
    ...m.received.map((r) => line("sms received", r, `from ${r.sender}`)),
    ...m.whatsapp_sent.map((r) => line("whatsapp sent", r, `to ${r.recipient} · ${SENT_STATUS[r.status] || r.status}`)),
    ...m.whatsapp_received.map((r) => line("whatsapp received", r, `from ${r.recipient}`)),
  ];
  boxes.zender.rows.replaceChildren(...rows);
  if (!rows.length) boxes.zender.rows.append(el("p", { class: "meta" }, "Nothing sent or received yet."));
}

/** What went through the gateway's own API: GET /v1/emulator/gateways/{g}/messages. */
function messagesBox(g) {
  boxes[g.id].messages = el("tbody", {});
  return el("div", { class: "gateway-messages" },
    el("h4", {}, `Sent and received through its API (/${g.id}/…)`),
    el("p", { class: "meta" }, "Outbound failures follow the recipient rules (PUT /v1/emulator/rules)."),
    el("table", { class: "messages", id: `gw-${g.id}-messages` },
      el("thead", {}, el("tr", {}, ...["id", "", "number", "text", "status", "at"].map((h) => el("th", {}, h)))),
      boxes[g.id].messages));
}

function showMessages(g, messages) {
  const rows = messages.map((m) => el("tr", { dataset: { direction: m.direction, id: m.id } },
    el("td", { class: "mono" }, `#${m.id}`),
    el("td", { class: "meta" }, m.direction === "received" ? "⬅ received" : m.direction === "sent" ? "➡ sent" : "⏱ scheduled"),
    el("td", { class: "mono" }, m.number),
    el("td", {}, m.text),
    el("td", { class: "strong" }, m.status_id ? `${m.status_id} ${m.status}` : m.status,
      m.originating_scheduled ? el("span", { class: "meta" }, ` · scheduled #${m.originating_scheduled}`) : null),
    el("td", { class: "meta" }, clock(m.at_ms))));
  if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: 6, class: "meta" }, "Nothing sent or received through its API yet.")));
  boxes[g.id].messages.replaceChildren(...rows);
}
