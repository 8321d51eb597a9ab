// The inspector's shell: sign-in, the tabs, and the one event stream every tab listens to.
import { get, post, del, el, notify } from "./api.js";
import * as account from "./account.js";
import * as chat from "./chat.js";
import * as cloud from "./cloud.js";
import * as gateways from "./gateways.js";
import * as groups from "./groups.js";
import * as journal from "./journal.js";
import * as settings from "./settings.js";

// The tabs of the page, in order. A new surface (SMS gateways, Cloud API numbers) is one more
// line here: a module exporting mount(panel) and, if it wants them, reload(), shown() and
// onEvent({event, data}) for each event of /v1/emulator/events.
const TABS = [
  { id: "conversations", label: "Conversations", module: chat },
  { id: "journal", label: "Webhook journal", module: journal },
  { id: "gateways", label: "SMS gateways", module: gateways },
  { id: "cloud", label: "Cloud API", module: cloud },
  { id: "groups", label: "Groups", module: groups },
  { id: "settings", label: "Settings", module: settings },
  { id: "account", label: "Account", module: account },
];

const $ = (id) => document.getElementById(id);
let stream = null;
let mounted = false;
let current = null;

function mountTabs() {
  if (mounted) return;
  mounted = true;
  const tablist = $("tabs");
  for (const tab of TABS) {
    const button = el("button", {
      id: `tab-${tab.id}`, type: "button", role: "tab", "aria-controls": `panel-${tab.id}`,
      "aria-selected": "false", tabindex: "-1", onclick: () => show(tab.id),
    }, tab.label);
    tablist.append(button);
    const panel = el("section", {
      id: `panel-${tab.id}`, class: "panel", role: "tabpanel", "aria-labelledby": `tab-${tab.id}`, hidden: true,
    });
    $("panels").append(panel);
    tab.module.mount(panel);
  }
  tablist.addEventListener("keydown", (e) => {
    const i = TABS.findIndex((t) => t.id === current);
    const step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
    if (step === undefined) return;
    const next = TABS[(i + step + TABS.length) % TABS.length];
    show(next.id);
    $(`tab-${next.id}`).focus();
  });
}

function show(id) {
  const tab = TABS.find((t) => t.id === id) || TABS[0];
  current = tab.id;
  for (const t of TABS) {
    const selected = t.id === tab.id;
    const button = $(`tab-${t.id}`);
    button.setAttribute("aria-selected", String(selected));
    button.tabIndex = selected ? 0 : -1;
    $(`panel-${t.id}`).hidden = !selected;
  }
  if (location.hash !== `#${tab.id}`) history.replaceState(null, "", `#${tab.id}`);
  if (tab.module.shown) tab.module.shown();
}

function reloadAll() {
  for (const tab of TABS) if (tab.module.reload) tab.module.reload();
}

function setLive(state) {
  const badge = $("live");
  badge.textContent = state;
  badge.dataset.state = state;
}

/** Opens the event stream (the session cookie authenticates it); reloads after every (re)connect. */
function connect() {
  if (stream) stream.close();
  stream = new EventSource("/v1/emulator/events");
  stream.onopen = () => {
    setLive("live");
    reloadAll();
  };
  stream.onmessage = (message) => {
    let event;
    try {
      event = JSON.parse(message.data);
    } catch {
      return;
    }
    for (const tab of TABS) if (tab.module.onEvent) tab.module.onEvent(event);
  };
  stream.addEventListener("lagged", reloadAll);
  stream.onerror = () => {
    setLive(stream.readyState === EventSource.CLOSED ? "offline" : "reconnecting");
    if (stream.readyState === EventSource.CLOSED) checkSession();
  };
}

function signedIn(session) {
  $("signin").hidden = true;
  $("app").hidden = false;
  $("who").textContent = `${session.username}`;
  $("sign-out").hidden = false;
  mountTabs();
  show(location.hash.slice(1));
  connect();
}

function signedOut(message) {
  if (stream) stream.close();
  stream = null;
  setLive("offline");
  $("app").hidden = true;
  $("sign-out").hidden = true;
  $("who").textContent = "";
  $("signin").hidden = false;
  $("signin-error").textContent = message || "";
  $("username").focus();
}

async function checkSession() {
  try {
    const answer = await get("/v1/emulator/session");
    signedIn(answer.session);
  } catch {
    signedOut();
  }
}

$("signin-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const username = $("username").value;
  const password = $("password").value;
  $("signin-error").textContent = "";
  try {
    const answer = await post("/v1/emulator/session", { username, password });
    $("password").value = "";
    signedIn(answer.session);
  } catch (err) {
    $("signin-error").textContent = err.message;
  }
});

$("sign-out").addEventListener("click", async () => {
  try {
    await del("/v1/emulator/session");
  } catch (err) {
    notify(err.message, true);
  }
  signedOut("Signed out.");
});

window.addEventListener("inspector:signed-out", () => {
  if (!$("app").hidden) signedOut("The session has ended; sign in again.");
});

checkSession();
