// The Cloud API tab: the numbers (with their registration, two-step PIN, pending verification code
// and block list) and webhook URL of GET /v1/emulator/cloud, a form to play a
// customer writing to one of the numbers (POST /v1/emulator/cloud/inbound), and the Cloud
// webhooks, newest first, and the message templates of the one registry (GET /v1/emulator/templates)
// with buttons to decide their review as Meta would (POST /v1/emulator/cloud/templates/{id}/status).
// It reloads when the event stream says something Cloud-related happened.
import { get, post, el, notify } from "./api.js";
import { showCallbacks } from "./gateways.js";

const LIVE = new Set(["callback_attempt", "inbound", "message_sent", "status"]);

let panel, numbersBody, statesBody, webhook, numberSelect, fromInput, textInput, list, templatesBody;
const DECISIONS = ["APPROVED", "REJECTED", "PAUSED", "DISABLED"];
let timer = null;

export function mount(p) {
  panel = p;
  numbersBody = el("tbody", {});
  statesBody = el("tbody", {});
  webhook = el("p", { id: "cloud-webhook", class: "mono" });
  numberSelect = el("select", { id: "cloud-number", name: "phone_number_id" });
  fromInput = el("input", { id: "cloud-from", name: "from", type: "tel", required: true, placeholder: "16315551001" });
  textInput = el("input", { id: "cloud-text", name: "text", type: "text", required: true, class: "wide" });
  list = el("div", { class: "journal", "aria-live": "polite" });
  templatesBody = el("tbody", {});
  const form = el("form", { class: "fire", onsubmit: write },
    el("h4", {}, "A customer writes"),
    el("div", { class: "field" }, el("label", { for: "cloud-number" }, "To the number (phone_number_id)"), numberSelect),
    el("div", { class: "field" }, el("label", { for: "cloud-from" }, "From (the customer's number)"), fromInput),
    el("div", { class: "field" }, el("label", { for: "cloud-text" }, "Text"), textInput),
    el("div", { class: "actions" }, el("button", { type: "submit", id: "cloud-send" }, "Send as the customer")));
  panel.append(el("section", { class: "surface" },
    el("div", { class: "surface-layout" },
      el("div", {},
        el("h3", {}, "Numbers"),
        el("table", { class: "rules", id: "cloud-numbers" },
          el("thead", {}, el("tr", {}, ...["phone_number_id", "display number", "WABA", "throughput (msg/s)"]
            .map((h) => el("th", { scope: "col" }, h)))),
          numbersBody),
        el("h3", {}, "Registration and blocks"),
        el("table", { class: "rules", id: "cloud-number-states" },
          el("thead", {}, el("tr", {}, ...["phone_number_id", "registered", "two-step PIN", "verification code", "blocked users"]
            .map((h) => el("th", { scope: "col" }, h)))),
          statesBody),
        el("h3", {}, "Webhook URL"), webhook, form,
        el("h3", {}, "Templates"),
        el("table", { class: "rules", id: "cloud-templates" },
          el("thead", {}, el("tr", {}, ...["id", "name", "language", "category", "status", "WABA", "decide"]
            .map((h) => el("th", { scope: "col" }, h)))),
          templatesBody)),
      el("div", {}, el("h3", {}, "Cloud webhooks"), list))));
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
  try {
    const [config, journal, templates] = await Promise.all([
      get("/v1/emulator/cloud"),
      get("/v1/emulator/callbacks?source=cloud&limit=50"),
      get("/v1/emulator/templates"),
    ]);
    showConfig(config.cloud, config.phone_numbers || []);
    showTemplates(templates.templates || []);
    showCallbacks(list, journal.callbacks || []);
  } catch (err) {
    notify(err.message, true);
  }
}

// `states`: what Graph calls changed per number (registration, PIN, pending code, block list).
function showConfig(cloud, states) {
  const numbers = cloud.numbers || [];
  const stateOf = (id) => states.find((s) => s.phone_number_id === id) || {};
  numbersBody.replaceChildren(...numbers.map((n) => el("tr", { dataset: { phoneNumberId: n.phone_number_id } },
    el("td", { class: "mono" }, n.phone_number_id),
    el("td", {}, n.display_phone_number),
    el("td", { class: "mono" }, n.waba_id),
    el("td", {}, String(n.throughput_mps)))));
  statesBody.replaceChildren(...numbers.map((n) => {
    const s = stateOf(n.phone_number_id);
    const code = s.verification_code ? `${s.verification_code.code} (${s.verification_code.code_method})` : "none";
    return el("tr", { dataset: { phoneNumberId: n.phone_number_id } },
      el("td", { class: "mono" }, n.phone_number_id),
      el("td", { class: "registered" }, s.registered === false ? "no (sends answer 133010)" : "yes"),
      el("td", { class: "mono pin" }, s.two_step_pin || "not set"),
      el("td", { class: "mono code" }, code),
      el("td", { class: "mono blocked" }, (s.blocked_users || []).join(", ") || "none"));
  }));
  webhook.textContent = (cloud.webhook && cloud.webhook.url) || "not set";
  const chosen = numberSelect.value;
  numberSelect.replaceChildren(...numbers.map((n) => el("option", { value: n.phone_number_id },
    `${n.phone_number_id} (${n.display_phone_number})`)));
  if (numbers.some((n) => n.phone_number_id === chosen)) numberSelect.value = chosen;
}

async function write(e) {
  e.preventDefault();
  const body = { from: fromInput.value.trim(), type: "text", text: { body: textInput.value } };
  if (numberSelect.value) body.phone_number_id = numberSelect.value;
  try {
    const answer = await post("/v1/emulator/cloud/inbound", body);
    if (answer && answer.dropped) {
      notify(`Dropped: ${body.from} is blocked by ${body.phone_number_id || "the first number"}`, true);
    } else {
      notify(`Sent to ${body.phone_number_id || "the first number"} as ${body.from}`);
    }
    textInput.value = "";
    reload();
  } catch (err) {
    notify(err.message, true);
  }
}

function showTemplates(templates) {
  if (!templates.length) {
    templatesBody.replaceChildren(el("tr", {}, el("td", { colspan: "7" },
      "None yet: POST /{version}/{waba-id}/message_templates or PUT /v1/emulator/templates")));
    return;
  }
  templatesBody.replaceChildren(...templates.map((t) => el("tr", { dataset: { templateId: t.id, status: t.status } },
    el("td", { class: "mono" }, t.id),
    el("td", {}, t.name),
    el("td", {}, t.language),
    el("td", {}, t.category || "marketing"),
    el("td", { class: "status" }, t.status || "APPROVED"),
    el("td", { class: "mono" }, t.waba_id || "any"),
    el("td", {}, ...DECISIONS.filter((d) => d !== t.status).map((d) => el("button", {
      type: "button", class: `decide decide-${d.toLowerCase()}`, onclick: () => decide(t.id, d),
    }, d.toLowerCase()))))));
}

async function decide(id, status) {
  try {
    await post(`/v1/emulator/cloud/templates/${encodeURIComponent(id)}/status`, { status });
    notify(`Template ${id}: ${status}`);
    reload();
  } catch (err) {
    notify(err.message, true);
  }
}
