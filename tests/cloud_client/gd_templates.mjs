// npm @great-detail/whatsapp (pinned in scripts/cloud-clients.sh) against the emulator over
// HTTPS (NODE_EXTRA_CA_CERTS trusts the emulator's CA), pointed at it by its `baseUrl` option.
// Driven by tests/api/cloud_templates_clients.rs in two phases (PHASE=manage | send), like
// pywa_templates.py. Prints one JSON object of results on stdout.
import path from "node:path";
import fs from "node:fs";

const dir = process.env.WAEMU_NODE_CLIENTS_DIR;
const { Client } = await import(
  path.join(dir, "node_modules/@great-detail/whatsapp/dist/index.js")
);
const env = process.env;
const sdk = new Client({
  baseUrl: env.EMU_BASE,
  graphVersion: "v23.0",
  request: { headers: { Authorization: `Bearer ${env.TOKEN}` } },
});
const waba = env.WABA_ID;
const out = {};

const components = [
  { type: "HEADER", format: "TEXT", text: "Order {{1}}", example: { header_text: ["42"] } },
  { type: "BODY", text: "Hi {{1}}, your order ships {{2}}.", example: { body_text: [["Ann", "today"]] } },
  { type: "FOOTER", text: "Lucky Shrub" },
];

async function graphError(promise) {
  try {
    await promise;
    return null;
  } catch (e) {
    const body = e.data ?? null; // ky 2 parses the error body into `data`
    return { status: e.response?.status ?? null, code: body?.error?.code ?? null };
  }
}

if (env.PHASE === "manage") {
  const created = await sdk.template
    .create(waba, { name: "gd_order", language: "en_US", category: "UTILITY", components })
    .json();
  out.created = created;
  const other = await sdk.template
    .create(waba, { name: "gd_order", language: "fr", category: "UTILITY", components })
    .json();
  const listed = await sdk.template
    .list(waba, { status: ["PENDING", "APPROVED"], category: "UTILITY", fields: ["name", "language", "status"] })
    .json();
  out.listed = listed.data.map((t) => t.id).sort();
  out.listed_fields = Object.keys(listed.data[0]).sort();
  const got = await sdk.template.get(created.id, { fields: ["status", "category"] }).json();
  out.got = got;
  out.deleted = await sdk.template.delete(waba, { name: "gd_order", hsm_id: other.id }).json();
  const after = await sdk.template.list(waba, {}).json();
  out.after_delete = after.data.map((t) => t.id);
  out.duplicate = await graphError(
    sdk.template.create(waba, { name: "gd_order", language: "en_US", category: "UTILITY", components }).json(),
  );
  out.subscribed = (await sdk.subscribedApps.listSubscriptions({ businessAccountID: waba }).json()).data.length;
} else {
  const raw = fs.readFileSync(env.WEBHOOK_BODY, "utf8");
  const event = await sdk.webhook.eventNotification({
    method: "POST",
    query: {},
    body: raw,
    headers: { "x-hub-signature-256": env.WEBHOOK_SIGNATURE },
  });
  await event.verifySignature(env.APP_SECRET);
  out.signature_ok = true;
  out.bad_secret_refused = !(await event.checkSignature("not-the-secret"));
  const change = event.eventNotification.entry[0].changes[0];
  out.field = change.field;
  out.value = change.value;
  const template = (name) => ({
    phoneNumberID: env.PHONE_NUMBER_ID,
    to: env.TO,
    type: "template",
    template: {
      name,
      language: { code: "en_US" },
      components: [
        { type: "header", parameters: [{ type: "text", text: "42" }] },
        { type: "body", parameters: [{ type: "text", text: "Ann" }, { type: "text", text: "today" }] },
      ],
    },
  });
  const sent = await sdk.message.createMessage(template("gd_order")).json();
  out.sent_id = sent.messages[0].id;
  out.unknown = await graphError(sdk.message.createMessage(template("no_such_template")).json());
}
process.stdout.write(JSON.stringify(out));
