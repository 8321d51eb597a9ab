"""PyPI pywa against the emulator: business profile, phone numbers, registration, blocks.

Pointed at the emulator through its HTTP session's base URL (pywa has no option for it). Prints one
JSON object of what the library parsed; any exception fails the run (non-zero exit).
Environment: EMU_BASE, TOKEN, PHONE_NUMBER_ID, WABA_ID, USER (a wa_id that wrote in the last 24 h),
STRANGER (a wa_id that never wrote).
"""

import json
import os

from pywa import WhatsApp
from pywa.errors import WhatsAppError
from pywa.types import Industry

env = os.environ
wa = WhatsApp(token=env["TOKEN"], phone_id=env["PHONE_NUMBER_ID"], waba_id=env["WABA_ID"])
wa.api._session.base_url = env["EMU_BASE"] + "/v21.0"
out = {}

wa.update_business_profile(
    about="Succulent specialists",
    address="1 Hacker Way",
    email="shop@example.com",
    industry=Industry.RETAIL,
    websites=["https://shop.example", "http://shop.example/b"],
)
p = wa.get_business_profile()
out["profile"] = {"about": p.about, "address": p.address, "email": p.email,
                  "industry": str(p.industry), "websites": list(p.websites or []), "description": p.description}

out["deregistered"] = wa.deregister_phone_number().success
n = wa.get_business_phone_number()
out["after_deregister"] = {"status": n.status, "platform_type": n.platform_type}
out["registered"] = wa.register_phone_number(pin="493817").success
n = wa.get_business_phone_number()
out["number"] = {"id": n.id, "display_phone_number": n.display_phone_number, "verified_name": n.verified_name,
                 "quality_rating": n.quality_rating, "status": n.status, "platform_type": n.platform_type,
                 "is_pin_enabled": n.is_pin_enabled, "throughput": n.throughput,
                 "code_verification_status": n.code_verification_status}
out["numbers"] = [x.id for x in wa.get_business_phone_numbers()]
try:
    wa.register_phone_number(pin="000000")
    out["wrong_pin"] = None
except WhatsAppError as e:
    out["wrong_pin"] = e.code

r = wa.block_users([env["USER"]])
out["blocked"] = [u.wa_id for u in r.added_users]
out["blocked_list"] = [{"input": u.input, "wa_id": u.wa_id} for u in wa.get_blocked_users()]
try:
    wa.block_users([env["STRANGER"]])
    out["stranger"] = None
except WhatsAppError as e:
    out["stranger"] = e.code
r = wa.unblock_users([env["USER"]])
out["unblocked"] = [u.wa_id for u in r.removed_users]
out["blocked_after"] = [u.wa_id for u in wa.get_blocked_users()]
print(json.dumps(out))
