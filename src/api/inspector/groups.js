// The Groups tab: every group of GET /v1/emulator/groups (subject, participants, admins, invite
// link, whether the business left), and a form to play a customer: join a group
// (POST /v1/emulator/groups/{id}/participants) or write in it (POST /v1/emulator/groups/{id}/messages).
// It reloads when the event stream reports a group event or an inbound message.
import { get, post, el, notify } from "./api.js";

const LIVE = new Set(["group", "inbound", "message_sent"]);

let panel, body, groupSelect, fromInput, textInput;
let timer = null;

export function mount(p) {
  panel = p;
  body = el("tbody", {});
  groupSelect = el("select", { id: "group-id", name: "group" });
  fromInput = el("input", { id: "group-from", name: "from", type: "tel", required: true, placeholder: "16315550002" });
  textInput = el("input", { id: "group-text", name: "text", type: "text", class: "wide" });
  const form = el("form", { class: "fire", onsubmit: (e) => e.preventDefault() },
    el("h4", {}, "A customer of a group"),
    el("div", { class: "field" }, el("label", { for: "group-id" }, "Group"), groupSelect),
    el("div", { class: "field" }, el("label", { for: "group-from" }, "The customer's wa_id"), fromInput),
    el("div", { class: "field" }, el("label", { for: "group-text" }, "Text"), textInput),
    el("div", { class: "actions" },
      el("button", { type: "button", id: "group-join", onclick: joinGroup }, "Join the group"),
      el("button", { type: "button", id: "group-write", onclick: write }, "Write in the group")));
  panel.append(el("section", { class: "surface" },
    el("h3", {}, "Groups"),
    el("table", { class: "rules", id: "groups" },
      el("thead", {}, el("tr", {}, ...["id", "subject", "participants", "admins", "invite link", "icon", "business"]
        .map((h) => el("th", { scope: "col" }, h)))),
      body),
    form));
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
    show((await get("/v1/emulator/groups")).groups || []);
  } catch (err) {
    notify(err.message, true);
  }
}

function show(groups) {
  body.replaceChildren(...groups.map((g) => el("tr", { dataset: { groupId: g.id } },
    el("td", { class: "mono" }, g.id),
    el("td", {}, g.subject),
    el("td", { class: "mono" }, g.participants.join(", ")),
    el("td", { class: "mono" }, g.admins.join(", ")),
    el("td", { class: "mono" }, g.invite_link),
    el("td", {}, g.has_icon ? "yes" : "no"),
    el("td", {}, g.left ? "left" : "member"))));
  const chosen = groupSelect.value;
  const open = groups.filter((g) => !g.left);
  groupSelect.replaceChildren(...open.map((g) => el("option", { value: g.id }, `${g.subject} (${g.id})`)));
  if (open.some((g) => g.id === chosen)) groupSelect.value = chosen;
}

async function joinGroup() {
  const id = groupSelect.value;
  const wa = fromInput.value.trim();
  if (!id || !wa) return notify("Choose a group and a wa_id", true);
  try {
    await post(`/v1/emulator/groups/${encodeURIComponent(id)}/participants`, { wa_ids: [wa] });
    notify(`${wa} joined ${id}`);
    reload();
  } catch (err) {
    notify(err.message, true);
  }
}

async function write() {
  const id = groupSelect.value;
  const from = fromInput.value.trim();
  if (!id || !from || !textInput.value) return notify("Choose a group, a participant and a text", true);
  try {
    await post(`/v1/emulator/groups/${encodeURIComponent(id)}/messages`,
      { from, type: "text", text: { body: textInput.value } });
    notify(`${from} wrote in ${id}`);
    textInput.value = "";
  } catch (err) {
    notify(err.message, true);
  }
}
