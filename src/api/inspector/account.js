// The Account tab: registration (with the pending code and a button that verifies it), two-step,
// the profile (About text, photo) and the business profile.
import { get, post, patch, el, notify } from "./api.js";

let panel, glance, business, photo, about;

export function mount(p) {
  panel = p;
  glance = el("dl", { class: "glance", id: "account-glance" });
  business = el("dl", { class: "glance", id: "account-business" });
  photo = el("img", { id: "account-photo", alt: "profile photo", width: 96, height: 96, hidden: true });
  about = el("input", { id: "account-about", name: "about", maxlength: 139, class: "wide" });
  panel.append(el("div", { class: "settings-layout" },
    el("section", {}, el("h3", {}, "Registration"), glance,
      el("div", { class: "actions" },
        el("button", { type: "button", id: "account-verify", onclick: verify }, "Verify with the pending code"))),
    el("section", {}, el("h3", {}, "Profile"), photo,
      el("form", { class: "settings-form", onsubmit: saveAbout },
        el("div", { class: "field" }, el("label", { for: "account-about" }, "About (139 characters at most)"), about),
        el("div", { class: "actions" }, el("button", { type: "submit", id: "account-about-save" }, "Save (PATCH)"))),
      el("h3", {}, "Business profile"), business)));
}

export function shown() {
  reload();
}

export async function reload() {
  if (!panel || panel.hidden) return;
  try {
    const [acc, ab, bp] = await Promise.all([get("/v1/emulator/account"), get("/v1/settings/profile/about"),
      get("/v1/settings/business/profile")]);
    const a = acc.account;
    const rows = [["State", a.state], ["Number", a.wa_id || (a.cc ? `+${a.cc} ${a.phone_number}` : "none")],
      ["Verified name", a.vname || ""], ["Pending code", a.code || "none"], ["Shards", a.shards || ""],
      ["Two-step verification", acc.two_step.enabled ? "on" : "off"]];
    glance.replaceChildren(...rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, String(v))]));
    about.value = ab.settings.profile.about.text;
    const b = bp.settings.business.profile;
    const brows = [["Address", b.address], ["Description", b.description], ["Email", b.email],
      ["Vertical", b.vertical], ["Websites", b.websites.join(", ")]];
    business.replaceChildren(...brows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v || "not set")]));
    photo.onerror = () => { photo.hidden = true; };
    photo.onload = () => { photo.hidden = false; };
    photo.src = `/profile/photo?t=${Date.now()}`;
  } catch (err) {
    notify(err.message, true);
  }
}

async function verify() {
  try {
    const acc = await get("/v1/emulator/account");
    if (!acc.account.code) throw new Error("No registration code is pending: request one at POST /v1/account");
    await post("/v1/account/verify", { code: acc.account.code });
    notify("Registered");
    reload();
  } catch (err) {
    notify(err.message, true);
  }
}

async function saveAbout(e) {
  e.preventDefault();
  try {
    await patch("/v1/settings/profile/about", { text: about.value });
    notify("About saved");
    reload();
  } catch (err) {
    notify(err.message, true);
  }
}
