// How each message type looks in the chat: the app's requests (outbound) and the customer's
// webhook messages (inbound), every type readable, with media shown when the emulator holds it.
import { el } from "./api.js";

const ICONS = { image: "🖼", video: "🎬", audio: "🎵", voice: "🎤", document: "📄", sticker: "🏷" };

/** A media object ({id} or {link}, caption, filename): a preview when stored here, else an icon. */
function media(kind, m = {}) {
  const parts = [];
  if (m.id && (kind === "image" || kind === "sticker")) {
    parts.push(el("img", { class: "media", src: `/v1/media/${encodeURIComponent(m.id)}`, alt: m.caption || `${kind} ${m.id}` }));
  } else {
    const name = m.filename || m.link || m.id || "";
    parts.push(el("div", { class: "media-icon" }, `${ICONS[kind] || "📎"} ${kind}`, name ? el("span", { class: "mono" }, ` ${name}`) : null));
  }
  if (m.mime_type) parts.push(el("div", { class: "meta" }, m.mime_type));
  if (m.caption) parts.push(el("p", {}, m.caption));
  return parts;
}

function location(l = {}) {
  return el("div", { class: "location" },
    el("div", {}, `📍 ${l.name || "Location"}`),
    l.address ? el("div", { class: "meta" }, l.address) : null,
    el("div", { class: "mono" }, `${l.latitude}, ${l.longitude}`),
    l.url ? el("div", { class: "meta" }, l.url) : null);
}

function contacts(list = []) {
  return list.map((c) => el("div", { class: "contact" },
    el("div", {}, `👤 ${(c.name && (c.name.formatted_name || [c.name.first_name, c.name.last_name].filter(Boolean).join(" "))) || "Contact"}`),
    ...(c.phones || []).map((p) => el("div", { class: "meta" }, `${p.type ? p.type + ": " : ""}${p.phone || p.wa_id || ""}`)),
    ...(c.emails || []).map((e) => el("div", { class: "meta" }, e.email))));
}

/** Fills {{1}}, {{2}}... with the parameters' texts. */
function fill(text, params) {
  return text.replace(/\{\{\s*(\d+)\s*\}\}/g, (all, n) => {
    const p = params[Number(n) - 1];
    return p === undefined ? all : paramText(p);
  });
}

function paramText(p) {
  if (p === null || typeof p !== "object") return String(p);
  if (p.type === "text") return p.text;
  if (p.type === "currency" && p.currency) return p.currency.fallback_value;
  if (p.type === "date_time" && p.date_time) return p.date_time.fallback_value;
  if (p.default !== undefined) return p.default; // hsm localizable_params
  const m = p[p.type];
  return m ? `[${p.type}: ${m.link || m.id || m.filename || ""}]` : JSON.stringify(p);
}

/** A template: the registered text with its parameters filled in, or the name and parameters. */
function template(t = {}, registered = []) {
  const lang = (t.language && (t.language.code || t.language)) || "";
  const known = registered.find((r) => r.name === t.name && (!lang || r.language === lang));
  const byType = (type) => (t.components || []).filter((c) => c.type === type).flatMap((c) => c.parameters || []);
  const box = el("div", { class: "template" }, el("div", { class: "meta" }, `template ${t.name} · ${lang}`));
  if (known) {
    for (const c of known.components) {
      if (c.type === "button") continue;
      const text = c.text ? fill(c.text, byType(c.type)) : `[${c.format || c.type}]`;
      box.append(el("p", { class: `tpl-${c.type}` }, text));
    }
  } else {
    for (const c of t.components || []) {
      box.append(el("p", {}, `${c.type}: `, (c.parameters || []).map(paramText).join(" · ")));
    }
  }
  return box;
}

function hsm(h = {}) {
  return el("div", { class: "template" },
    el("div", { class: "meta" }, `hsm ${h.namespace || ""}:${h.element_name}`),
    el("p", {}, (h.localizable_params || []).map(paramText).join(" · ")));
}

/** An interactive message the app sent; `onChoose(reply)` when the customer taps a button or row. */
function interactive(i = {}, onChoose) {
  const box = el("div", { class: "interactive" });
  const h = i.header;
  if (h) box.append(h.type === "text" ? el("p", { class: "strong" }, h.text) : el("div", {}, ...media(h.type, h[h.type])));
  if (i.body) box.append(el("p", {}, i.body.text));
  if (i.footer) box.append(el("p", { class: "meta" }, i.footer.text));
  const action = i.action || {};
  if (action.buttons) {
    const row = el("div", { class: "choices", role: "group", "aria-label": "Reply buttons" });
    for (const b of action.buttons) {
      const reply = b.reply || b;
      row.append(el("button", {
        type: "button", class: "choice", dataset: { replyId: reply.id },
        onclick: onChoose ? () => onChoose({ type: "button_reply", button_reply: { id: reply.id, title: reply.title } }) : undefined,
        disabled: !onChoose,
      }, reply.title));
    }
    box.append(row);
  }
  if (action.sections) {
    const list = el("div", { class: "choices list", role: "group", "aria-label": action.button || "List" },
      el("div", { class: "meta" }, `☰ ${action.button || "List"}`));
    for (const s of action.sections) {
      if (s.title) list.append(el("div", { class: "section-title" }, s.title));
      for (const r of s.rows || []) {
        list.append(el("button", {
          type: "button", class: "choice row", dataset: { replyId: r.id },
          onclick: onChoose ? () => onChoose({ type: "list_reply", list_reply: { id: r.id, title: r.title, description: r.description } }) : undefined,
          disabled: !onChoose,
        }, r.title, r.description ? el("span", { class: "meta" }, ` ${r.description}`) : null));
      }
    }
    box.append(list);
  }
  if (action.catalog_id || action.product_retailer_id) box.append(el("p", { class: "meta" }, "🛒 product message"));
  return box;
}

/** The body of a message the app sent (its request, exactly as sent). */
export function outbound(request, { templates = [], onChoose } = {}) {
  const type = request.type || "text";
  const p = request[type];
  switch (type) {
    case "text": return [el("p", { class: "text" }, p && p.body)];
    case "image": case "video": case "audio": case "document": case "sticker": return media(type, p);
    case "location": return [location(p)];
    case "contacts": return contacts(p);
    case "interactive": return [interactive(p, onChoose)];
    case "template": return [template(p, templates)];
    case "hsm": return [hsm(p)];
    case "reaction": return [el("p", { class: "reaction" }, p.emoji || "(reaction removed)")];
    default: return [el("pre", {}, JSON.stringify(request, null, 2))];
  }
}

/** The body of a customer message (one entry of a webhook's `messages`). */
export function inbound(m) {
  const type = m.type;
  const p = m[type];
  switch (type) {
    case "text": return [el("p", { class: "text" }, p && p.body)];
    case "image": case "video": case "audio": case "voice": case "document": case "sticker": return media(type, p);
    case "location": return [location(p)];
    case "contacts": return contacts(p);
    case "button": return [el("p", {}, `🔘 ${p.text}`), el("div", { class: "meta" }, `payload ${p.payload}`)];
    case "interactive": {
      const r = p[p.type] || {};
      return [el("p", {}, `${p.type === "list_reply" ? "☰" : "🔘"} ${r.title}`), el("div", { class: "meta" }, `${p.type} ${r.id}`)];
    }
    case "reaction": return [el("p", { class: "reaction" }, p.emoji || "(reaction removed)")];
    case "system": return [el("p", { class: "meta" }, `⚙ ${p.body || p.type}`)];
    default: return [el("p", { class: "meta" }, `${type}${m.errors ? ": " + m.errors.map((e) => e.title).join(", ") : ""}`)];
  }
}

/** A one-line summary of a message, for quotes and the conversation list. */
export function summary(type, payload) {
  if (!payload) return type;
  if (type === "text") return payload.body;
  if (type === "interactive") return (payload.body && payload.body.text) || (payload[payload.type] && payload[payload.type].title) || type;
  if (payload.caption) return `${ICONS[type] || ""} ${payload.caption}`;
  if (type === "template") return `template ${payload.name}`;
  if (type === "location") return `📍 ${payload.name || "location"}`;
  return ICONS[type] ? `${ICONS[type]} ${type}` : type;
}
