"""pywa (PyPI, pinned in scripts/cloud-clients.sh) against the emulator over HTTPS, trusting the
emulator's CA. Driven by tests/api/cloud_templates_clients.rs in two phases:

  PHASE=manage: create two templates, list them (filters, summary, paging), read one, delete one.
  PHASE=send:   validate and parse the approval webhook the test received (its exact bytes and
                X-Hub-Signature-256) with pywa's own webhook code, then send the approved template.

Prints one JSON object of results on stdout.
"""

import json
import os
import sys

import httpx
from pywa import WhatsApp, handlers
from pywa.types import templates as t

base = os.environ["EMU_BASE"]  # https://127.0.0.1:PORT
version = os.environ.get("GRAPH_VERSION", "23.0")
session = httpx.Client(verify=os.environ["EMU_CA"])
wa = WhatsApp(
    phone_id=os.environ["PHONE_NUMBER_ID"],
    token=os.environ["TOKEN"],
    waba_id=os.environ["WABA_ID"],
    session=session,
    app_secret=os.environ["APP_SECRET"],
    verify_token="unused",
    api_version=version,
)
# pywa has no base-URL option: its Graph session is pointed at the emulator (see the reference,
# section 6).
wa._api._session.base_url = f"{base}/v{version}"
out = {}


def template(name, language):
    return t.Template(
        name=name,
        category=t.TemplateCategory.UTILITY,
        language=language,
        parameter_format=t.ParamFormat.POSITIONAL,
        components=[
            t.HeaderText("Order {{1}}", "42"),
            t.BodyText("Hi {{1}}, your order ships {{2}}.", "Ann", "today"),
            t.FooterText(text="Lucky Shrub"),
            t.Buttons(buttons=[t.QuickReplyButton(text="Stop")]),
        ],
    )


if os.environ["PHASE"] == "manage":
    created = wa.create_template(template("pywa_order", t.TemplateLanguage.ENGLISH_US))
    out["created"] = {"id": str(created.id), "status": str(created.status), "category": str(created.category)}
    other = wa.create_template(template("pywa_order", t.TemplateLanguage.SPANISH))
    listed = wa.get_templates(
        statuses=[t.TemplateStatus.PENDING, t.TemplateStatus.APPROVED],
        categories=[t.TemplateCategory.UTILITY],
        pagination=None,
    )
    out["listed"] = sorted(str(x.id) for x in listed)
    out["summary"] = {"total_count": listed.total_count, "limit": listed.message_template_limit}
    got = wa.get_template(created.id)
    out["got"] = {"name": got.name, "language": str(got.language), "status": str(got.status)}
    # Paging: one per page, following the emulator's own `next` link.
    from pywa.types.others import Pagination

    page = wa.get_templates(pagination=Pagination(limit=1))
    pages = [str(x.id) for x in page]
    out["has_next"] = page.has_next
    if page.has_next:
        # pywa 4.5.0's TemplatesResult.next() raises a TypeError (it passes item_factory to a
        # subclass that does not take it); this is its body: the `next` URL requested verbatim
        # through pywa's own request layer, parsed by pywa's TemplatesResult.
        response = wa.api._request(method="GET", endpoint=page._next_url)
        out["next_url"] = page._next_url
        pages += [str(x.id) for x in t.TemplatesResult(wa, response)]
    out["pages"] = pages
    deleted = wa.delete_template("pywa_order", template_id=other.id)
    out["deleted"] = bool(deleted)
    out["after_delete"] = sorted(str(x.id) for x in wa.get_templates())
elif os.environ["PHASE"] == "send":
    raw = open(os.environ["WEBHOOK_BODY"], "rb").read()
    signature = os.environ["WEBHOOK_SIGNATURE"]
    out["signature_ok"] = wa.webhook_update_validator(raw, signature) is None
    out["bad_signature_refused"] = wa.webhook_update_validator(raw, "sha256=" + "0" * 64) is not None
    seen = []
    wa.add_handlers(handlers.TemplateStatusUpdateHandler(lambda _, u: seen.append(u)))
    wa.webhook_update_handler(raw)
    if seen:
        u = seen[0]
        out["update"] = {
            "template_id": str(u.template_id),
            "template_name": u.template_name,
            "new_status": str(u.new_status),
            "waba_id": str(u.id),
        }
    sent = wa.send_template(
        to=os.environ["TO"],
        name="pywa_order",
        language=t.TemplateLanguage.ENGLISH_US,
        params=[t.HeaderText.params("42"), t.BodyText.params("Ann", "today")],
    )
    out["sent_id"] = sent.id
    try:
        wa.send_template(
            to=os.environ["TO"],
            name="no_such_template",
            language=t.TemplateLanguage.ENGLISH_US,
            params=[t.BodyText.params("x")],
        )
        out["unknown_error"] = None
    except Exception as e:  # pywa raises its own WhatsAppError subclasses
        out["unknown_error"] = {"type": type(e).__name__, "code": getattr(e, "code", None)}

json.dump(out, sys.stdout)
