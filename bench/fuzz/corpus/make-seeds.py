#!/usr/bin/env python3
"""Writes the seed corpora (bench/fuzz/corpus/<target>/) from the request and answer shapes the
tests use. Run from anywhere; the files are small and committed, so this only documents them."""
import json
import os

here = os.path.dirname(os.path.abspath(__file__))
twilio_sid = "AC00000000000000000000000000000000"


def write(target, name, data):
    os.makedirs(os.path.join(here, target), exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(here, target, name), "wb") as f:
        f.write(data)


def http(method, target, headers, body=b""):
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1:8080"] + headers
    if body and not any(h.lower().startswith("transfer-encoding") for h in headers):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


# fuzz_http_request: byte 0 is where the first read ends.
write("http_request", "stripe-charge", b"\x20" + http(
    "POST", "/stripe/v1/charges",
    ["Authorization: Bearer vault_key_abc", "Content-Type: application/x-www-form-urlencoded",
     "Idempotency-Key: run-1"], b"amount=2500&currency=usd&source=tok_visa"))
write("http_request", "admin-get", b"\x05" + http(
    "GET", "/v1/keys?status=active&limit=50", ["Authorization: Bearer kb_abc"]))
write("http_request", "chunked", b"\x40" + http(
    "POST", "/v1/keys", ["Transfer-Encoding: chunked", "Content-Type: application/json"],
    b"7\r\n{\"a\":1}\r\n0\r\n\r\n"))
write("http_request", "events", b"\x00" + http(
    "GET", "/v1/events", ["Accept: text/event-stream", "Last-Event-ID: 42"]))

# fuzz_stripe_form: forms and JSON bodies.
write("stripe_form", "charge", "amount=2500&currency=usd&source=tok_visa&description=A+b%20c")
write("stripe_form", "brackets", "metadata[order]=A+1&expand[]=customer&items[0][price]=p_1")
write("stripe_form", "json", json.dumps({"amount": 2500, "currency": "usd", "capture": True,
                                         "metadata": {"order": "A 1"},
                                         "items": [{"price": "p_1", "quantity": 2}],
                                         "description": None}))

# fuzz_vendor_call: vendor byte, method byte, then NUL-separated path, query, content type,
# body, Stripe-Account, response body; last a status byte.
def call(vendor, method, path, query, ctype, body, account, response, status=0):
    fields = [path, query, ctype, body, account, response]
    return bytes([vendor, method]) + b"\0".join(f.encode() for f in fields) + b"\0" + bytes([status])


form = "application/x-www-form-urlencoded"
write("vendor_call", "stripe-charge", call(0, 0, "/v1/charges", "", form,
      "amount=2500&currency=usd&source=tok_visa&customer=cus_1", "acct_1",
      json.dumps({"id": "ch_1", "object": "charge", "amount": 2500, "currency": "usd"})))
write("vendor_call", "stripe-json-eur", call(0, 0, "/v1/payment_intents", "", "application/json",
      json.dumps({"amount": 1999, "currency": "eur", "customer": "cus_1"}), "",
      json.dumps({"id": "pi_1", "object": "payment_intent", "amount": 1999, "currency": "eur"})))
write("vendor_call", "stripe-get", call(0, 1, "/v1/customers/cus_1", "expand[]=sources", "", "",
      "", json.dumps({"id": "cus_1", "object": "customer"})))
write("vendor_call", "twilio-sms", call(1, 0, f"/2010-04-01/Accounts/{twilio_sid}/Messages.json",
      "", form, "To=%2B15551234567&From=%2B15005550006&Body=Your+code+is+123456", "",
      json.dumps({"sid": "SM1", "status": "queued", "price": "-0.00790", "price_unit": "USD",
                  "num_segments": "1"}), 1))
write("vendor_call", "twilio-call", call(1, 0, f"/2010-04-01/Accounts/{twilio_sid}/Calls.json",
      "", form, "To=%2B15551234567&From=%2B15005550006&Url=https://x", "",
      json.dumps({"sid": "CA1", "price": None}), 1))
write("vendor_call", "resend-email", call(2, 0, "/emails", "", "application/json",
      json.dumps({"from": "a@example.com", "to": ["b@example.org"], "subject": "Hi",
                  "html": "<p>hi</p>"}), "", json.dumps({"id": "em_1"})))
write("vendor_call", "resend-batch", call(2, 0, "/emails/batch", "", "application/json",
      json.dumps([{"from": "a@example.com", "to": ["b@example.org"], "subject": "1", "text": "x"},
                  {"from": "a@example.com", "to": ["c@example.org"], "subject": "2", "text": "y"}]),
      "", json.dumps({"data": [{"id": "em_1"}, {"id": "em_2"}]})))

# fuzz_admin_json: POST /v1/keys and POST /v1/admin-keys bodies.
write("admin_json", "issue", json.dumps({
    "vendor": "stripe", "daily_usd_cap": 50, "allowed_endpoints": ["charges.create"],
    "expires_in": "15m", "agent_run_label": "lambda/billing-agent/6b1f0c1e"}))
write("admin_json", "issue-scoped", json.dumps({
    "vendor": "twilio", "daily_usd_cap": 0.05, "allowed_endpoints": ["messages.create"],
    "expires_at": "2026-12-06T00:00:00Z", "name": "sms",
    "scope": {"twilio_from_numbers": ["+15005550006"]}, "metadata": {"ticket": "T-1"}}))
write("admin_json", "admin-key", json.dumps({"name": "on-call", "role": "operator"}))

# fuzz_client_sse: byte 0 is the piece size.
write("client_sse", "events", b"\x02" + (
    "\ufeffid: 1\nevent: call\ndata: {\"key_id\":\"vk_1\",\"cost_usd\":0.5}\n\n"
    ": keep-alive\r\n\r\nretry: 3000\nid: 2\nevent: ping\ndata\n\n"
    "data: a\ndata: b\r\n\r\n").encode())

# fuzz_client_json: answers of the admin API.
key = {"key_id": "vk_1", "name": "run", "vendor": "stripe", "status": "active",
       "key_hint": "vault_key_…a1b2", "daily_usd_cap": 100, "allowed_endpoints": ["charges.create"],
       "scope": {"stripe_customers": ["cus_1"]}, "agent_run_label": "lambda/billing/1",
       "metadata": {}, "created_at": "2026-12-05T10:00:00.000Z",
       "expires_at": "2026-12-05T11:00:00.000Z", "revoked_at": None, "spent_today_usd": 12.5,
       "held_usd": 2.0, "calls_today": 7, "blocked_today": 1,
       "last_call_at": "2026-12-05T10:30:00.000Z", "resets_at": "2026-12-06T00:00:00.000Z"}
write("client_json", "key", json.dumps(key))
write("client_json", "key-page", json.dumps({"data": [key], "next_cursor": "c1"}))
write("client_json", "whoami", json.dumps({"admin_key_id": "ak_1", "name": "on-call",
                                            "role": "operator", "server_version": "0.1.0",
                                            "spend_timezone": "UTC"}))
write("client_json", "health", json.dumps({"status": "ok", "store": "sqlite"}))
write("client_json", "audit-page", json.dumps({"data": [{
    "id": "1", "ts": "2026-12-05T10:00:00.000Z", "request_id": "r", "key_id": "vk_1",
    "key_name": "run", "agent_run_label": "a/b", "vendor": "stripe", "method": "POST",
    "path": "/v1/charges", "operation": "charges.create", "verdict": "allowed", "reason": None,
    "http_status": 200, "upstream_status": 200, "cost_usd": 25.0, "cost_source": "parsed",
    "currency": "usd", "original_amount": 2500, "cap_usage_after_usd": 37.5,
    "customer_scope_id": "cus_1", "vendor_object_id": "ch_1", "vendor_request_id": "req_1",
    "idempotency_key": "k", "latency_ms": 212.4, "upstream_latency_ms": 210.9}],
    "next_cursor": None}))


# Payloads the tests use, taken from their string literals: form bodies and JSON documents in the
# vendor, proxy and admin tests become seeds of the server targets (named by their hash, so the
# same literal in two tests is one seed).
import hashlib
import re

tests = os.path.join(here, "..", "..", "..", "tests")
test_files = sorted(
    [os.path.join(tests, "unit", "vendors", f) for f in os.listdir(os.path.join(tests, "unit", "vendors"))
     if f.endswith(".cpp")]
    + [os.path.join(tests, "server", f) for f in os.listdir(os.path.join(tests, "server"))
       if f.endswith(".cpp")])


def literals(text):
    for match in re.finditer(r'R"\((.*?)\)"', text, re.S):
        yield match.group(1)
    plain = re.sub(r'R"\(.*?\)"', "", text, flags=re.S)
    for match in re.finditer(r'"((?:[^"\\\n]|\\.)*)"', plain):
        try:
            yield match.group(1).encode().decode("unicode_escape")
        except UnicodeDecodeError:
            continue


def named(target, prefix, data):
    digest = hashlib.sha256(data if isinstance(data, bytes) else data.encode()).hexdigest()[:12]
    write(target, f"{prefix}-{digest}", data)


forms, documents = set(), set()
for path in test_files:
    with open(path, encoding="utf-8") as f:
        for literal in literals(f.read()):
            if len(literal) < 4 or len(literal) > 2000:
                continue
            if literal[0] in "{[":
                try:
                    json.loads(literal)
                except ValueError:
                    continue
                documents.add(literal)
            elif re.fullmatch(r"[A-Za-z_\[\]0-9%.]+=[^ \r\n]*", literal):
                forms.add(literal)

stripe_response = json.dumps({"id": "ch_1", "object": "charge", "amount": 2500, "currency": "usd"})
twilio_path = f"/2010-04-01/Accounts/{twilio_sid}/Messages.json"
for form_body in sorted(forms):
    named("vendor_call", "test-stripe-form", call(0, 0, "/v1/charges", "", form, form_body,
                                                   "acct_1", stripe_response))
    named("vendor_call", "test-twilio-form", call(1, 0, twilio_path, "", form, form_body, "",
                                                   json.dumps({"sid": "SM1", "price": "-0.0079",
                                                               "price_unit": "USD"}), 1))
    named("stripe_form", "test-form", form_body)
for document in sorted(documents):
    named("vendor_call", "test-stripe-json", call(0, 0, "/v1/payment_intents", "",
                                                   "application/json", document, "", document))
    named("vendor_call", "test-resend-json", call(2, 0, "/emails", "", "application/json",
                                                   document, "", document))
    named("admin_json", "test-json", document)

# The admin decoders' other bodies, as the admin tests send them.
write("admin_json", "block", json.dumps({"label_prefix": "lambda/billing-agent/",
                                         "vendor": "stripe", "reason": "runaway loop",
                                         "expires_in": "2h"}))
write("admin_json", "bulk-revoke", json.dumps({"label_prefix": "lambda/", "vendor": "twilio",
                                               "dry_run": False, "reason": "incident 7",
                                               "block": True, "expires_in": 3600}))
write("admin_json", "bulk-revoke-ids", json.dumps({"key_ids": ["vk_1", "vk_2"], "dry_run": True}))
write("admin_json", "velocity-default", json.dumps({"label_prefix": "", "max_calls_per_minute": 60,
                                                    "max_usd_per_minute": 2.5}))
write("admin_json", "revoke-reason", json.dumps({"reason": "leaked in a log"}))
write("admin_json", "issue-velocity", json.dumps({
    "vendor": "resend", "daily_usd_cap": "1.25", "allowed_endpoints": ["POST /emails"],
    "expires_in": 900, "max_calls_per_minute": 10, "max_usd_per_minute": 0.01,
    "scope": {"resend_from_domains": ["example.com"]}}))

# The attacks of issue 11 as raw requests.
write("http_request", "dup-account", b"\x10" + http(
    "POST", "/stripe/v1/charges",
    ["Authorization: Bearer vault_key_abc", "Stripe-Account: acct_1", "Stripe-Account: acct_EVIL",
     "Content-Type: application/x-www-form-urlencoded"], b"amount=100&currency=usd"))
write("http_request", "query-amount", b"\x08" + http(
    "POST", "/stripe/v1/charges?amount=100000",
    ["Authorization: Bearer vault_key_abc", "Content-Type: application/x-www-form-urlencoded"],
    b"amount=1&currency=usd"))
write("http_request", "twilio-maxprice", b"\x30" + http(
    "POST", f"/twilio{twilio_path}",
    ["Authorization: Basic QUM6dmF1bHRfa2V5X2FiYw==",
     "Content-Type: application/x-www-form-urlencoded"],
    b"To=%2B15551234567&From=%2B15005550006&Body=hi&MaxPrice=0.000001"))
write("http_request", "override", b"\x03" + http(
    "post", "/stripe/v1/charges",
    ["X-HTTP-Method-Override: GET", "Content-Encoding: gzip", "Idempotency-Key: a",
     "Idempotency-Key: b", "Origin: https://evil.example"], b"amount=1"))
write("http_request", "resend", b"\x7f" + http(
    "POST", "/resend/emails", ["Authorization: Bearer vault_key_abc",
                               "Content-Type: application/json"],
    json.dumps({"from": "a@example.com", "to": "b@example.org", "subject": "s",
                "text": "t"}).encode()))
