// The Settings tab: the application settings at a glance, a form that PATCHes the webhook
// fields, a reset, and the recipient rules (read as a table, edited as JSON).
import { get, patch, put, del, el, notify } from "./api.js";

let panel, glance, form, rulesTable, rulesText;
const inputs = {};

function field(id, label, attrs) {
  inputs[id] = el("input", { id: `settings-${id}`, name: id, ...attrs });
  return attrs.type === "checkbox"
    ? el("label", { class: "check" }, inputs[id], ` ${label}`)
    : el("div", { class: "field" }, el("label", { for: `settings-${id}` }, label), inputs[id]);
}

export function mount(p) {
  panel = p;
  glance = el("dl", { class: "glance" });
  form = el("form", { class: "settings-form", onsubmit: save },
    el("h3", {}, "Edit"),
    field("url", "Webhook URL", { type: "url", placeholder: "https://your-app.example/webhook", class: "wide" }),
    field("backoff", "Retry delay step (ms)", { type: "number", min: 1, step: 1 }),
    field("max_backoff", "Longest retry delay (ms)", { type: "number", min: 1, step: 1 }),
    field("concurrency", "Concurrent webhook requests", { type: "number", min: 1, step: 1 }),
    el("fieldset", {}, el("legend", {}, "Notify statuses"),
      field("sent", "sent", { type: "checkbox" }), field("delivered", "delivered", { type: "checkbox" }),
      field("read", "read", { type: "checkbox" })),
    field("persist", "Callbacks survive a restart (callback_persist)", { type: "checkbox" }),
    el("div", { class: "actions" }, el("button", { type: "submit", id: "settings-save" }, "Save (PATCH)"),
      el("button", { type: "button", id: "settings-reset", onclick: reset }, "Reset to defaults")));
  rulesTable = el("tbody", {});
  rulesText = el("textarea", { id: "rules-json", rows: 8, class: "mono wide" });
  panel.append(el("div", { class: "settings-layout" },
    el("section", {}, el("h3", {}, "At a glance"), glance, form),
    el("section", {}, el("h3", {}, "Recipient rules"),
      el("p", { class: "meta" }, "First match wins; a number ending in * is a prefix."),
      el("table", { class: "rules" }, el("thead", {}, el("tr", {}, el("th", {}, "number"), el("th", {}, "action"), el("th", {}, "detail"))), rulesTable),
      el("label", { for: "rules-json" }, "Edit the rules (JSON array)"), rulesText,
      el("div", { class: "actions" }, el("button", { type: "button", id: "rules-save", onclick: saveRules }, "Save rules (PUT)")))));
}

export function shown() {
  reload();
}

export async function reload() {
  if (!panel || panel.hidden) return;
  try {
    const [s, r] = await Promise.all([get("/v1/settings/application"), get("/v1/emulator/rules")]);
    show(s.settings.application);
    showRules(r.rules);
  } catch (err) {
    notify(err.message, true);
  }
}

function show(a) {
  const rows = [
    ["Business number (wa_id)", a.wa_id],
    ["Webhook URL", a.webhooks.url || "not set"],
    ["Retry delays", `${a.callback_backoff_delay_ms} ms steps, at most ${a.max_callback_backoff_delay_ms} ms`],
    ["Concurrent requests", a.webhooks.max_concurrent_requests],
    ["Statuses notified", ["sent", "delivered", "read"].filter((k) => a.webhooks.message[k] || (k === "sent" && a.sent_status)).join(", ") || "none"],
    ["Callbacks persisted", a.callback_persist ? "yes" : "no (memory only)"],
    ["Media auto-download", a.media.auto_download.join(", ") || "none"],
  ];
  glance.replaceChildren(...rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, String(v))]));
  inputs.url.value = a.webhooks.url || "";
  inputs.backoff.value = a.callback_backoff_delay_ms;
  inputs.max_backoff.value = a.max_callback_backoff_delay_ms;
  inputs.concurrency.value = a.webhooks.max_concurrent_requests;
  for (const k of ["sent", "delivered", "read"]) inputs[k].checked = a.webhooks.message[k];
  inputs.persist.checked = a.callback_persist;
}

function showRules(rules) {
  rulesTable.replaceChildren(...rules.map((r) => el("tr", {}, el("td", { class: "mono" }, r.number), el("td", {}, r.action),
    el("td", {}, r.code ? `code ${r.code}` : r.delay_ms ? `${r.delay_ms} ms` : ""))));
  rulesText.value = JSON.stringify(rules, null, 2);
}

async function save(e) {
  e.preventDefault();
  const body = {
    callback_backoff_delay_ms: Number(inputs.backoff.value),
    max_callback_backoff_delay_ms: Number(inputs.max_backoff.value),
    callback_persist: inputs.persist.checked,
    webhooks: {
      url: inputs.url.value.trim() || null,
      max_concurrent_requests: Number(inputs.concurrency.value),
      message: { sent: inputs.sent.checked, delivered: inputs.delivered.checked, read: inputs.read.checked },
    },
  };
  try {
    await patch("/v1/settings/application", body);
    notify("Settings saved");
    reload();
  } catch (err) {
    notify(err.message, true);
  }
}

async function reset() {
  if (!window.confirm("Reset every application setting to its default?")) return;
  try {
    await del("/v1/settings/application");
    notify("Settings reset");
    reload();
  } catch (err) {
    notify(err.message, true);
  }
}

async function saveRules() {
  let rules;
  try {
    rules = JSON.parse(rulesText.value);
  } catch (err) {
    return notify(`The rules are not JSON: ${err.message}`, true);
  }
  try {
    await put("/v1/emulator/rules", { rules });
    notify("Rules saved");
    reload();
  } catch (err) {
    notify(err.message, true);
  }
}
