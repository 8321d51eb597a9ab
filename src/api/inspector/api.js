// Talking to the emulator from the page: same-origin fetches that carry the session cookie
// (HttpOnly: the script never sees the token) and the `X-Inspector: 1` header the server asks of
// every cookie-authenticated request that changes something.

export class ApiError extends Error {
  constructor(status, body) {
    const first = body && body.errors && body.errors[0];
    super(first ? `${first.title}${first.details ? ": " + first.details : ""} (${first.code})` : `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

/** Calls the emulator; resolves to the parsed JSON answer, rejects with an ApiError. */
export async function call(method, path, body) {
  const init = {
    method,
    credentials: "same-origin",
    headers: { "X-Inspector": "1", Accept: "application/json" },
  };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    if (res.status === 401) window.dispatchEvent(new CustomEvent("inspector:signed-out"));
    throw new ApiError(res.status, json);
  }
  return json;
}

export const get = (path) => call("GET", path);
export const post = (path, body) => call("POST", path, body);
export const patch = (path, body) => call("PATCH", path, body);
export const put = (path, body) => call("PUT", path, body);
export const del = (path) => call("DELETE", path);

/** Creates an element: el("button", {class: "x", onclick: f}, "text", child...). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (value === true) node.setAttribute(key, "");
    else node.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/** "15:04:05" (or "15:04:05.123" when `precise`) for a time in ms, local time. */
export function clock(ms, precise = false) {
  if (!ms) return "";
  const text = new Date(ms).toLocaleTimeString([], { hour12: false });
  return precise ? `${text}.${String(ms % 1000).padStart(3, "0")}` : text;
}

/** Shows a short message in the page's status area (read out by screen readers). */
export function notify(text, isError = false) {
  const box = document.getElementById("notice");
  if (!box) return;
  box.textContent = text;
  box.classList.toggle("error", isError);
  clearTimeout(notify.timer);
  notify.timer = setTimeout(() => (box.textContent = ""), 6000);
}
