// The composer: the page plays the customer. Every send is a POST /v1/emulator/inbound, so the
// app receives it at its webhook exactly as it would from a real customer.
import { post, el, notify } from "./api.js";

/**
 * customer(): the selected wa_id; replyTo(): the message being answered (or null);
 * clearReply(): forget it after a send.
 */
export function createComposer({ customer, replyTo, clearReply }) {
  const kind = el("select", { id: "composer-kind" },
    el("option", { value: "text" }, "Text"), el("option", { value: "location" }, "Location"),
    el("option", { value: "image" }, "Image"));
  const textBox = el("textarea", { id: "composer-text", rows: 2, placeholder: "Type as the customer… (Enter sends, Shift+Enter new line)" });
  const lat = el("input", { id: "composer-lat", type: "number", step: "any", value: "38.8977" });
  const lon = el("input", { id: "composer-lon", type: "number", step: "any", value: "-77.0365" });
  const placeName = el("input", { id: "composer-place", placeholder: "optional" });
  const address = el("input", { id: "composer-address", placeholder: "optional" });
  const file = el("input", { id: "composer-file", type: "file", accept: "image/*" });
  const caption = el("input", { id: "composer-caption", placeholder: "optional" });
  const fields = {
    text: el("div", { class: "fields" }, el("label", { for: "composer-text", class: "sr-only" }, "Message"), textBox),
    location: el("div", { class: "fields grid", hidden: true },
      el("label", { for: "composer-lat" }, "Latitude"), lat, el("label", { for: "composer-lon" }, "Longitude"), lon,
      el("label", { for: "composer-place" }, "Name"), placeName, el("label", { for: "composer-address" }, "Address"), address),
    image: el("div", { class: "fields grid", hidden: true },
      el("label", { for: "composer-file" }, "Image"), file, el("label", { for: "composer-caption" }, "Caption"), caption),
  };
  const replyBar = el("div", { class: "reply-bar", hidden: true });
  const send = el("button", { id: "composer-send", type: "submit" }, "Send");
  const node = el("form", { class: "composer", "aria-label": "Reply as the customer", onsubmit: (e) => { e.preventDefault(); submit(); } },
    replyBar,
    el("div", { class: "composer-row" }, el("label", { for: "composer-kind", class: "sr-only" }, "Message type"), kind,
      ...Object.values(fields), send));

  kind.addEventListener("change", () => {
    for (const [k, f] of Object.entries(fields)) f.hidden = k !== kind.value;
  });
  textBox.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      submit();
    }
  });

  async function inject(type, payload, contextId) {
    const from = customer();
    if (!from) return notify("Open a conversation first", true);
    const body = { from, type, [type]: payload };
    const context = contextId || (replyTo() && replyTo().id);
    if (context) body.context = { id: context };
    try {
      await post("/v1/emulator/inbound", body);
      clearReply();
      return true;
    } catch (err) {
      notify(err.message, true);
      return false;
    }
  }

  async function submit() {
    if (kind.value === "text") {
      const body = textBox.value;
      if (!body.trim()) return;
      if (await inject("text", { body })) textBox.value = "";
    } else if (kind.value === "location") {
      const payload = { latitude: Number(lat.value), longitude: Number(lon.value) };
      if (placeName.value) payload.name = placeName.value;
      if (address.value) payload.address = address.value;
      await inject("location", payload);
    } else {
      const chosen = file.files[0];
      if (!chosen) return notify("Choose an image file", true);
      const payload = { data_base64: await base64(chosen), mime_type: chosen.type || "image/jpeg" };
      if (caption.value) payload.caption = caption.value;
      if (await inject("image", payload)) {
        file.value = "";
        caption.value = "";
      }
    }
  }

  return {
    node,
    enable(on) {
      for (const control of node.querySelectorAll("textarea, input, select, button")) control.disabled = !on;
    },
    showReply(text) {
      replyBar.hidden = !text;
      replyBar.replaceChildren();
      if (text) {
        replyBar.append(el("span", {}, `Replying to: ${text}`),
          el("button", { type: "button", class: "link", onclick: clearReply, "aria-label": "Cancel reply" }, "cancel"));
        textBox.focus();
      }
    },
    /** The customer taps a button or picks a list row of the app's interactive message. */
    sendChoice(reply, contextId) {
      return inject("interactive", reply, contextId);
    },
  };
}

function base64(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(",", 2)[1] || "");
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}
