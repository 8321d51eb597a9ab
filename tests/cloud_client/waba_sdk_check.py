"""A real Cloud API client (PyPI waba-sdk) pointed at the emulator by its base_url option.

Run by tests/api/cloud_client.rs with EMU_BASE, TOKEN, PHONE_NUMBER_ID, TO, VERIFY_TOKEN and
WEBHOOKS (a JSON file of the webhook bodies the test receiver got). Prints one JSON object of
results; any failure raises (non-zero exit).
"""

import asyncio
import json
import os

from waba_sdk import WhatsApp
from waba_sdk.errors import WhatsAppError
from waba_sdk.webhook.handler import WebhookHandler


async def main():
    base, token, pnid, to = (os.environ[k] for k in ("EMU_BASE", "TOKEN", "PHONE_NUMBER_ID", "TO"))
    out = {}
    async with WhatsApp(token=token, phone_number_id=pnid, base_url=base, api_version="v21.0", max_retries=0) as wa:
        out["text"] = await wa.send_text(to, "hello from waba-sdk", preview_url=True)
        out["image"] = await wa.send_image(to, url="https://example.com/a.jpg", caption="pic")
        out["location"] = await wa.send_location(to, latitude=52.52, longitude=13.40, name="HQ")
        out["buttons"] = await wa.send_buttons(to, "Pick one", [("yes", "Yes"), ("no", "No")])
        out["list"] = await wa.send_list(to, "Menu", "Open", [{"title": "Main", "rows": [{"id": "r1", "title": "Soup"}]}])
        out["cta_url"] = await wa.send_cta_url(to, "Our site", "Visit", "https://example.com")
        out["location_request"] = await wa.send_location_request(to, "Where are you?")
        out["flow"] = await wa.send_flow(to, "Sign up", flow_id="1234", flow_cta="Open")
        out["template"] = await wa.send_template(to, "hello_world", "en_US")
        out["reaction"] = await wa.react(to, out["text"]["messages"][0]["id"], "👍")
        media_id = await wa.media.upload(b"\x89PNG emulated", mime_type="image/png", filename="a.png")
        info = await wa.media.get_url(media_id)
        blob = await wa.media.download(media_id)
        out["media"] = {"id": media_id, "mime_type": info.mime_type, "size": info.file_size, "bytes": blob.content.decode("latin-1"), "content_type": blob.content_type}
        inbound_id = os.environ.get("INBOUND_ID")
        if inbound_id:
            out["mark_read"] = await wa.mark_read(inbound_id, typing=True)
    try:
        async with WhatsApp(token="not-a-token", phone_number_id=pnid, base_url=base, max_retries=0) as bad:
            await bad.send_text(to, "x")
        out["bad_token"] = None
    except WhatsAppError as e:
        out["bad_token"] = {"status": e.status_code, "code": e.error_code}
    # The webhooks the emulator sent, parsed by the library's own models.
    handler = WebhookHandler(verify_token=os.environ["VERIFY_TOKEN"])
    events = []
    with open(os.environ["WEBHOOKS"]) as f:
        for body in json.load(f):
            for ev in handler.parse(body):
                events.append(type(ev).__name__)
    out["events"] = events
    out["handshake"] = handler.verify({"hub.mode": "subscribe", "hub.verify_token": os.environ["VERIFY_TOKEN"], "hub.challenge": "42"})
    print(json.dumps(out))


asyncio.run(main())
