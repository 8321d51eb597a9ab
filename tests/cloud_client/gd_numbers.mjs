// npm @great-detail/whatsapp against the emulator: business profile, phone numbers, the display
// name and two-step PIN, blocks. Its Client takes the base URL; blocks and the PIN go through the
// package's typed openapi-fetch client (`experimental.createClient`), as the package has no
// dedicated methods for them. Prints one JSON object; any failure exits non-zero.
// Environment: EMU_BASE, TOKEN, PHONE_NUMBER_ID, WABA_ID, USER (a wa_id that wrote in the last 24 h).
import { Client, experimental } from "@great-detail/whatsapp";

const env = process.env;
const auth = { Authorization: `Bearer ${env.TOKEN}` };
const sdk = new Client({ baseUrl: env.EMU_BASE, graphVersion: "v21.0", request: { headers: auth } });
const phoneNumberID = env.PHONE_NUMBER_ID;
const out = {};

out.update = await sdk.businessProfile
  .updateBusinessProfile({ phoneNumberID, about: "From Node", description: "A shop", vertical: "GROCERY", websites: ["https://node.example"] })
  .json();
const profile = await sdk.businessProfile
  .getBusinessProfile({ phoneNumberID, fields: ["about", "description", "vertical", "websites"] })
  .json();
out.profile = profile.data[0];

out.number = await sdk.phoneNumbers
  .getPhoneNumber({ phoneNumberID, fields: ["id", "display_phone_number", "verified_name", "status", "is_pin_enabled", ["whatsapp_business_profile", ["about"]]] })
  .json();
out.list = await sdk.phoneNumbers.listPhoneNumbers({ businessAccountID: env.WABA_ID }).json();
out.rename = await sdk.phoneNumbers.updatePhoneNumber({ phoneNumberID, new_display_name: "Node Shop" }).json();

const api = experimental.createClient({ baseUrl: env.EMU_BASE, headers: auth });
const path = { Version: "v21.0", "Phone-Number-ID": phoneNumberID };
const pin = await api.POST("/{Version}/{Phone-Number-ID}", { params: { path }, body: { pin: "864209" } });
out.pin = pin.data ?? pin.error;
const body = { messaging_product: "whatsapp", block_users: [{ user: env.USER }] };
const block = await api.POST("/{Version}/{Phone-Number-ID}/block_users", { params: { path }, body });
out.block = block.data ?? block.error;
const listed = await api.GET("/{Version}/{Phone-Number-ID}/block_users", { params: { path } });
out.blocked_list = listed.data ?? listed.error;
const unblock = await api.DELETE("/{Version}/{Phone-Number-ID}/block_users", { params: { path }, body });
out.unblock = unblock.data ?? unblock.error;
console.log(JSON.stringify(out));
