"""The calls of check_openapi.py: one scenario that reaches every documented operation.

Every answer goes through Checker.check (documented status, content type, schema, error code);
`expect` additionally pins the status the scenario means to reach, so that a success path that
silently turned into an error is noticed.
"""

import hashlib
import hmac
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request

from check_openapi import PASSWORD, WEBHOOK_SECRET, Reply, iso, tiny_png

# An id no object has.
PLACEHOLDER_ID = "0190aaaa-0000-7000-8000-000000000000"


class Api:
    def __init__(self, checker, server):
        self.checker = checker
        self.server = server
        self.base = f"http://127.0.0.1:{server.port}"
        self.keys = 0

    def key(self):
        self.keys += 1
        return f"openapi-{self.keys}"

    def call(self, method, template, *args, token=None, body=None, raw=None, content_type=None,
             query=None, headers=None, expect=None):
        path = template
        for arg in args:
            path = path[:path.index("{")] + urllib.parse.quote(arg, safe="/") + \
                path[path.index("}") + 1:]
        if query:
            path += "?" + urllib.parse.urlencode(query)
        data = None
        request_headers = dict(headers or {})
        if body is not None:
            data = json.dumps(body).encode()
            request_headers.setdefault("Content-Type", "application/json")
        elif raw is not None:
            data = raw
            if content_type:
                request_headers["Content-Type"] = content_type
        if token:
            request_headers["Authorization"] = "Bearer " + token
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers=request_headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                reply = Reply(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            reply = Reply(error.code, error.headers, error.read())
        self.checker.check(method, template, reply)
        if expect is not None and reply.status != expect:
            self.checker.fail(f"{method} {template}", reply,
                              f"the scenario expected {expect}, got {reply.status}")
        return reply


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


urllib.request.install_opener(urllib.request.build_opener(NoRedirect))


def new_user(api, tag, role="attendee"):
    email = f"{tag}-{time.time_ns()}@example.com"
    api.call("POST", "/api/v1/auth/register", expect=201,
             body={"email": email, "password": PASSWORD, "full_name": f"User {tag}", "role": role})
    code = api.server.code_for(email)
    api.call("POST", "/api/v1/auth/verify-email", body={"email": email, "code": code}, expect=200)
    login = api.call("POST", "/api/v1/auth/login", body={"email": email, "password": PASSWORD},
                     expect=200)
    return {"email": email, "id": login["user"]["id"], "token": login["access_token"],
            "refresh": login["refresh_token"]}


def new_admin(api):
    email = f"admin-{time.time_ns()}@example.com"
    done = api.server.run("admin", "create", "--email", email, "--full-name", "Admin")
    if done.returncode != 0:
        raise RuntimeError("admin create: " + done.stderr)
    login = api.call("POST", "/api/v1/auth/login", body={"email": email, "password": PASSWORD},
                     expect=200)
    return {"email": email, "id": login["user"]["id"], "token": login["access_token"]}


def event_body(category_id, starts_in=86400, capacity=50, price=25000):
    return {"title": "Compiler night", "description": "Talks on compilers",
            "category_id": category_id, "venue": "Hall 1", "starts_at": iso(starts_in),
            "ends_at": iso(starts_in + 3600 if starts_in > 60 else starts_in + 1),
            "time_zone": "Europe/Paris", "capacity": capacity, "price": price,
            "attendees_may_cancel": True, "max_tickets_per_booking": min(2, capacity)}


def approved_event(api, org, admin, category_id, **kwargs):
    event = api.call("POST", "/api/v1/events", token=org["token"], expect=201,
                     body=event_body(category_id, **kwargs))["event"]
    api.call("POST", "/api/v1/events/{id}/submit", event["id"], token=org["token"], expect=200)
    api.call("POST", "/api/v1/admin/events/{id}/approve", event["id"], token=admin["token"],
             expect=200)
    return event["id"]


def signature(payload):
    """The X-Eventify-Signature header of the sandbox gateway for `payload`."""
    stamp = str(int(time.time()))
    mac = hmac.new(WEBHOOK_SECRET.encode(), stamp.encode() + b"." + payload, hashlib.sha256)
    return {"X-Eventify-Signature": f"t={stamp},v1={mac.hexdigest()}"}


def signed_callback(api, topup, state="succeeded"):
    transfer = topup["transfer"]
    payload = json.dumps({"charge_id": topup["charge_id"], "reference": transfer["id"],
                          "amount": transfer["amount"], "currency": transfer["currency"],
                          "state": state}).encode()
    return api.call("POST", "/api/v1/payments/callback", raw=payload,
                    content_type="application/json", headers=signature(payload), expect=200)


def top_up(api, user, amount):
    topup = api.call("POST", "/api/v1/wallet/topups", token=user["token"], expect=201,
                     headers={"Idempotency-Key": api.key()},
                     body={"amount": amount, "card_token": "tok_sandbox_success"})["topup"]
    signed_callback(api, topup)


def provider(path, **form):
    """A test endpoint of the local OpenID provider (tests/support/oidc_provider.py)."""
    data = urllib.parse.urlencode(form).encode()
    with urllib.request.urlopen(os.environ["EVENTIFY_TEST_OIDC_ISSUER"] + path, data=data,
                                timeout=10) as response:
        return json.loads(response.read())


def sign_in(api, ann):
    """The code flow for a new identity (an account is made), then an ID token with the address
    of Ann's account: linked once she proves herself, then signing in directly."""
    call = api.call
    stamp = time.time_ns()
    email = f"oidc-{stamp}@example.com"
    provider("/test/next-user", user=json.dumps({"sub": f"sub-{stamp}", "email": email,
                                                 "email_verified": True, "name": "Via OIDC"}))
    start = call("GET", "/api/v1/auth/oidc/{name}/start", "test", expect=302)
    try:  # the provider signs the user in at once and sends the browser back
        urllib.request.urlopen(start["authorization_url"], timeout=10)
        raise RuntimeError("the provider did not redirect")
    except urllib.error.HTTPError as redirect:
        back = urllib.parse.urlsplit(redirect.headers["Location"])
    query = dict(urllib.parse.parse_qsl(back.query))
    created = call("GET", "/api/v1/auth/oidc/{name}/callback", "test", query=query, expect=200)
    call("GET", "/api/v1/auth/oidc/{name}/callback", "test", query=query, expect=401)  # spent
    call("DELETE", "/api/v1/me/identities/{id}", call(
        "GET", "/api/v1/me/identities", token=created["access_token"],
        expect=200)["identities"][0]["id"], token=created["access_token"], expect=422)

    def id_token(nonce):
        claims = {"sub": f"sub-ann-{stamp}", "email": ann["email"], "email_verified": True,
                  "nonce": nonce}
        return provider("/test/mint", claims=json.dumps(claims))["token"]

    link = call("POST", "/api/v1/auth/oidc/{name}/id-token", "test", expect=202,
                body={"id_token": id_token(f"n1-{stamp}"), "nonce": f"n1-{stamp}"})
    call("POST", "/api/v1/auth/oidc/{name}/id-token", "test", expect=401,
         body={"id_token": id_token(f"n2-{stamp}"), "nonce": "another"})
    call("POST", "/api/v1/auth/oidc/link/code", body={"link_token": link["link_token"]},
         expect=202)
    call("POST", "/api/v1/auth/oidc/link", expect=400,
         body={"link_token": link["link_token"], "password": PASSWORD, "code": "123456"})
    call("POST", "/api/v1/auth/oidc/link", expect=200,
         body={"link_token": link["link_token"], "password": PASSWORD})
    call("POST", "/api/v1/auth/oidc/{name}/id-token", "test", expect=200,
         body={"id_token": id_token(f"n3-{stamp}"), "nonce": f"n3-{stamp}"})
    identity = call("GET", "/api/v1/me/identities", token=ann["token"],
                    expect=200)["identities"][0]["id"]
    call("DELETE", "/api/v1/me/identities/{id}", identity, token=ann["token"], expect=204)


def run(checker, server):
    api = Api(checker, server)
    call = api.call
    generic_sweeps(api)

    # Health.
    call("GET", "/healthz", expect=200)
    call("GET", "/readyz", expect=200)
    call("GET", "/metrics", expect=200)

    # Accounts.
    admin = new_admin(api)
    org = new_user(api, "org", "organizer")
    ann = new_user(api, "ann")
    bob = new_user(api, "bob")
    call("POST", "/api/v1/auth/register", expect=409,
         body={"email": ann["email"], "password": PASSWORD, "full_name": "Again"})
    call("POST", "/api/v1/auth/register", expect=400,
         body={"email": "new@example.com", "password": "short", "full_name": "Weak"})
    call("POST", "/api/v1/auth/verify-email", body={"email": ann["email"], "code": "000000"},
         expect=422)
    call("POST", "/api/v1/auth/resend-verification", body={"email": ann["email"]}, expect=202)
    call("POST", "/api/v1/auth/login", body={"email": ann["email"], "password": "Wrong-pass-1"},
         expect=401)
    refreshed = call("POST", "/api/v1/auth/refresh", body={"refresh_token": ann["refresh"]},
                     expect=200)
    call("POST", "/api/v1/auth/refresh", body={"refresh_token": "nope"}, expect=401)
    call("POST", "/api/v1/auth/logout", body={"refresh_token": refreshed["refresh_token"]},
         expect=204)
    ann["token"] = call("POST", "/api/v1/auth/login", expect=200,
                        body={"email": ann["email"], "password": PASSWORD})["access_token"]
    carl = new_user(api, "carl")
    call("POST", "/api/v1/auth/password-reset/request", body={"email": carl["email"]},
         expect=202)
    code = server.code_for(carl["email"])
    call("POST", "/api/v1/auth/password-reset/confirm", expect=400,
         body={"email": carl["email"], "code": code, "new_password": "weak"})
    call("POST", "/api/v1/auth/password-reset/confirm", expect=200,
         body={"email": carl["email"], "code": code, "new_password": "Another-Horse-8"})
    carl["token"] = call("POST", "/api/v1/auth/login", expect=200,
                         body={"email": carl["email"], "password": "Another-Horse-8"}
                         )["access_token"]
    call("POST", "/api/v1/me/password", token=carl["token"], expect=401,
         body={"current_password": "Wrong-pass-1", "new_password": PASSWORD})
    call("POST", "/api/v1/me/password", token=carl["token"], expect=200,
         body={"current_password": "Another-Horse-8", "new_password": PASSWORD})
    call("POST", "/api/v1/auth/logout", token=carl["token"], expect=204)  # ended already
    call("GET", "/api/v1/me", token=ann["token"], expect=200)
    call("PATCH", "/api/v1/me", token=ann["token"], body={"full_name": "Ann Example"}, expect=200)
    call("PATCH", "/api/v1/me", token=ann["token"], body={"full_name": ""}, expect=400)
    me = call("PUT", "/api/v1/me/avatar", token=ann["token"], raw=tiny_png(),
              content_type="image/png", expect=200)
    call("PUT", "/api/v1/me/avatar", token=ann["token"], raw=b"not an image",
         content_type="image/png", expect=415)
    call("PUT", "/api/v1/me/avatar", token=ann["token"], raw=b"", content_type="image/png",
         expect=400)
    avatar = me["user"]["avatar_url"]
    call("GET", "/media/{key}", avatar[len("/media/"):], expect=200)
    call("GET", "/media/{key}", "avatars", expect=404)
    call("GET", "/media/{key}", "Avatars/X.png", expect=400)
    call("GET", "/api/v1/admin/users", token=admin["token"], query={"role": "organizer"},
         expect=200)
    call("GET", "/api/v1/admin/users", token=admin["token"], query={"role": "king"}, expect=400)
    call("GET", "/api/v1/admin/users", token=ann["token"], expect=403)
    call("GET", "/api/v1/admin/users/{id}", ann["id"], token=admin["token"], expect=200)
    call("GET", "/api/v1/admin/users/{id}", PLACEHOLDER_ID,
         token=admin["token"], expect=404)
    call("POST", "/api/v1/admin/users/{id}/block", carl["id"], token=admin["token"], expect=200)
    call("GET", "/api/v1/me", token=carl["token"], expect=403)
    call("POST", "/api/v1/admin/users/{id}/unblock", carl["id"], token=admin["token"], expect=200)
    call("POST", "/api/v1/admin/users/{id}/block", admin["id"], token=admin["token"], expect=422)
    call("PUT", "/api/v1/admin/users/{id}/role", carl["id"], token=admin["token"],
         body={"role": "organizer"}, expect=200)
    call("PUT", "/api/v1/admin/users/{id}/role", carl["id"], token=admin["token"],
         body={"role": "king"}, expect=400)
    carl["token"] = call("POST", "/api/v1/auth/login", expect=200,  # the block ended his sessions
                         body={"email": carl["email"], "password": PASSWORD})["access_token"]

    # Sign-in with OpenID Connect, with provider "test" (support/oidc_provider.py).
    sign_in(api, ann)
    call("GET", "/api/v1/auth/oidc/providers", expect=200)
    call("GET", "/api/v1/auth/oidc/{name}/start", "nobody", expect=404)
    call("GET", "/api/v1/auth/oidc/{name}/callback", "nobody", expect=400)
    call("GET", "/api/v1/auth/oidc/{name}/callback", "nobody",
         query={"state": "s", "code": "c"}, expect=401)
    call("POST", "/api/v1/auth/oidc/{name}/id-token", "nobody",
         body={"id_token": "x", "nonce": "n"}, expect=404)
    call("POST", "/api/v1/auth/oidc/link", body={"link_token": "x", "password": PASSWORD},
         expect=401)
    call("POST", "/api/v1/auth/oidc/link/code", body={"link_token": "x"}, expect=401)
    call("DELETE", "/api/v1/me/identities/{id}", PLACEHOLDER_ID,
         token=ann["token"], expect=404)

    # Wallet.
    top_up(api, ann, 500000)
    top_up(api, bob, 500000)
    call("GET", "/api/v1/wallet", token=ann["token"], expect=200)
    call("GET", "/api/v1/wallet", token=ann["token"], query={"wallet": "organizer"}, expect=403)
    call("GET", "/api/v1/wallet", token=ann["token"], query={"wallet": "bank"}, expect=400)
    call("GET", "/api/v1/wallet", token=org["token"], query={"wallet": "organizer"}, expect=200)
    call("GET", "/api/v1/wallet/transactions", token=ann["token"], expect=200)
    call("GET", "/api/v1/wallet/transactions", token=ann["token"], query={"status": "gone"},
         expect=400)
    call("POST", "/api/v1/wallet/topups", token=ann["token"],
         body={"amount": 100, "card_token": "tok_sandbox_success"}, expect=400)
    call("POST", "/api/v1/wallet/topups", token=ann["token"], expect=422,
         headers={"Idempotency-Key": api.key()},
         body={"amount": 100, "card_token": "tok_sandbox_decline"})
    pending = call("POST", "/api/v1/wallet/topups", token=ann["token"], expect=201,
                   headers={"Idempotency-Key": api.key()},
                   body={"amount": 100, "card_token": "tok_sandbox_success"})["topup"]
    signed_callback(api, pending, "declined")
    call("POST", "/api/v1/payments/callback", raw=b"{}", content_type="application/json",
         headers={"X-Eventify-Signature": "t=1,v1=00"}, expect=401)
    call("POST", "/api/v1/payments/callback", raw=b'{"charge_id":"x"}',
         content_type="application/json", headers=signature(b'{"charge_id":"x"}'), expect=400)
    withdrawals = []
    for _ in range(3):
        withdrawals.append(call("POST", "/api/v1/wallet/withdrawals", token=ann["token"],
                                headers={"Idempotency-Key": api.key()}, body={"amount": 1000},
                                expect=201)["transfer"]["id"])
    call("POST", "/api/v1/wallet/withdrawals", token=ann["token"], expect=422,
         headers={"Idempotency-Key": api.key()}, body={"amount": 100000000})
    call("POST", "/api/v1/wallet/withdrawals/{id}/cancel", withdrawals[0], token=ann["token"],
         expect=200)
    call("POST", "/api/v1/wallet/withdrawals/{id}/cancel", withdrawals[0], token=ann["token"],
         expect=422)
    call("GET", "/api/v1/admin/withdrawals", token=admin["token"], expect=200)
    call("GET", "/api/v1/admin/withdrawals", token=ann["token"], expect=403)
    call("POST", "/api/v1/admin/withdrawals/{id}/approve", withdrawals[1], token=admin["token"],
         expect=200)
    call("POST", "/api/v1/admin/withdrawals/{id}/decline", withdrawals[2], token=admin["token"],
         body={"reason": "Bank details missing"}, expect=200)
    call("POST", "/api/v1/admin/withdrawals/{id}/decline", withdrawals[1], token=admin["token"],
         body={"reason": "Too late"}, expect=422)
    call("POST", "/api/v1/admin/withdrawals/{id}/approve", PLACEHOLDER_ID,
         token=admin["token"], expect=404)

    # Organizers and categories.
    call("GET", "/api/v1/organizer/profile", token=org["token"], expect=404)
    profile = {"organisation_name": "Paris Compilers", "about": "Compiler meetups",
               "contact": "hello@example.com"}
    call("POST", "/api/v1/organizer/profile", token=org["token"], body=profile, expect=200)
    call("POST", "/api/v1/organizer/profile", token=ann["token"], body=profile, expect=403)
    call("POST", "/api/v1/organizer/profile", token=org["token"], expect=400,
         body=dict(profile, organisation_name=""))
    call("GET", "/api/v1/organizer/profile", token=org["token"], expect=200)
    call("POST", "/api/v1/organizer/profile", token=carl["token"], body=profile, expect=200)
    call("GET", "/api/v1/admin/organizers", token=admin["token"], expect=200)
    call("GET", "/api/v1/admin/organizers", token=admin["token"], query={"status": "odd"},
         expect=400)
    call("POST", "/api/v1/admin/organizers/{user_id}/verify", org["id"], token=admin["token"],
         expect=200)
    call("POST", "/api/v1/admin/organizers/{user_id}/reject", carl["id"], token=admin["token"],
         body={"cause": "other"}, expect=400)
    call("POST", "/api/v1/admin/organizers/{user_id}/reject", carl["id"], token=admin["token"],
         body={"cause": "unverifiable_contact", "note": "The address bounces"}, expect=200)
    call("POST", "/api/v1/admin/organizers/{user_id}/verify", carl["id"], token=admin["token"],
         expect=422)
    category = call("POST", "/api/v1/admin/categories", token=admin["token"],
                    body={"name": f"Meetups {time.time_ns()}"}, expect=201)["category"]["id"]
    call("POST", "/api/v1/admin/categories", token=admin["token"], body={"name": ""}, expect=400)
    spare = call("POST", "/api/v1/admin/categories", token=admin["token"],
                 body={"name": f"Spare {time.time_ns()}"}, expect=201)["category"]["id"]
    call("POST", "/api/v1/admin/categories/{id}/rename", spare, token=admin["token"],
         body={"name": f"Renamed {time.time_ns()}"}, expect=200)
    call("POST", "/api/v1/admin/categories/{id}/unlist", spare, token=admin["token"], expect=200)
    call("POST", "/api/v1/admin/categories/{id}/relist", spare, token=admin["token"], expect=200)
    call("POST", "/api/v1/admin/categories/{id}/relist", PLACEHOLDER_ID,
         token=admin["token"], expect=404)
    call("GET", "/api/v1/categories", expect=200)
    call("GET", "/api/v1/categories", query={"include_unlisted": "true"}, token=admin["token"],
         expect=200)
    call("GET", "/api/v1/categories", query={"include_unlisted": "maybe"}, expect=400)

    # An event that ends within seconds, for reviews: made and booked first, reviewed last.
    # (Seconds are the margin a slow, sanitized server has to approve and sell it before it starts.)
    soon = approved_event(api, org, admin, category, starts_in=10)
    call("POST", "/api/v1/bookings", token=ann["token"], headers={"Idempotency-Key": api.key()},
         body={"event_id": soon, "seats": 1}, expect=201)
    soon_ends = time.time() + 12
    review = {"rating": 4, "title": "Great night", "text": "Good sound."}
    call("POST", "/api/v1/events/{id}/reviews", soon, token=ann["token"], body=review,
         expect=422)  # not ended

    # Events.
    draft = call("POST", "/api/v1/events", token=org["token"], expect=201,
                 body=event_body(category))["event"]["id"]
    call("POST", "/api/v1/events", token=org["token"], expect=400,
         body=dict(event_body(category), capacity=0))
    call("POST", "/api/v1/events", token=ann["token"], body=event_body(category), expect=403)
    call("PUT", "/api/v1/events/{id}", draft, token=org["token"], expect=200,
         body=dict(event_body(category), title="Compiler night, again"))
    call("PUT", "/api/v1/events/{id}", draft, token=org["token"], expect=400,
         body=dict(event_body(category), title=""))
    call("PUT", "/api/v1/events/{id}/cover", draft, token=org["token"], raw=tiny_png(),
         content_type="image/png", expect=200)
    call("PUT", "/api/v1/events/{id}/cover", draft, token=org["token"], raw=b"GIF89a",
         content_type="image/gif", expect=415)
    call("GET", "/api/v1/events/{id}", draft, token=org["token"], expect=200)
    call("GET", "/api/v1/events/{id}", draft, expect=404)
    call("POST", "/api/v1/events/{id}/submit", draft, token=org["token"], expect=200)
    call("POST", "/api/v1/events/{id}/submit", draft, token=org["token"], expect=422)
    call("GET", "/api/v1/admin/events/pending", token=admin["token"], expect=200)
    call("POST", "/api/v1/admin/events/{id}/reject", draft, token=admin["token"],
         body={"cause": "incomplete_details", "note": "Name the speakers"}, expect=200)
    call("POST", "/api/v1/admin/events/{id}/reject", draft, token=admin["token"],
         body={"cause": "bad"}, expect=400)
    call("POST", "/api/v1/admin/events/{id}/approve", draft, token=admin["token"], expect=422)
    event = approved_event(api, org, admin, category)
    call("POST", "/api/v1/admin/events/{id}/hold", event, token=admin["token"],
         body={"note": "Checking the venue"}, expect=200)
    call("POST", "/api/v1/admin/events/{id}/hold", event, token=admin["token"], expect=422)
    call("POST", "/api/v1/admin/events/{id}/release", event, token=admin["token"], expect=200)
    call("POST", "/api/v1/admin/events/{id}/release", event, token=admin["token"], expect=422)
    call("GET", "/api/v1/events", expect=200)
    call("GET", "/api/v1/events", query={"text": "compilers", "min_price": "0",
                                         "max_price": "30000", "category": category}, expect=200)
    call("GET", "/api/v1/events", query={"min_price": "cheap"}, expect=400)
    call("GET", "/api/v1/organizer/events", token=org["token"], expect=200)
    call("GET", "/api/v1/organizer/events", token=org["token"], query={"status": "odd"},
         expect=400)
    call("GET", "/api/v1/organizer/events", token=ann["token"], expect=403)

    # Coupons.
    coupon = call("POST", "/api/v1/coupons", token=org["token"], expect=201,
                  body={"code": f"EARLY{time.time_ns() % 100000}", "event_id": event,
                        "percent_off_bp": 1000, "valid_from": iso(-3600),
                        "valid_until": iso(86400), "total_limit": 10})["coupon"]
    call("POST", "/api/v1/coupons", token=org["token"], expect=400,
         body={"code": "X", "event_id": event, "percent_off_bp": 1000, "valid_from": iso(-3600),
               "valid_until": iso(86400), "total_limit": 10})
    call("POST", "/api/v1/coupons", token=ann["token"], expect=403,
         body={"code": "NOPE1", "event_id": event, "percent_off_bp": 1000,
               "valid_from": iso(-3600), "valid_until": iso(86400), "total_limit": 10})
    call("GET", "/api/v1/coupons", token=org["token"], expect=200)
    call("GET", "/api/v1/coupons", token=admin["token"], query={"event_id": event}, expect=200)

    # Bookings.
    hold = call("POST", "/api/v1/bookings/holds", token=ann["token"], expect=201,
                headers={"Idempotency-Key": api.key()},
                body={"event_id": event, "seats": 2, "coupon_code": coupon["code"].lower()}
                )["booking"]
    call("POST", "/api/v1/bookings/holds", token=ann["token"], expect=400,
         body={"event_id": event, "seats": 1})
    call("POST", "/api/v1/bookings/holds", token=ann["token"], expect=400,
         headers={"Idempotency-Key": api.key()}, body={"event_id": event, "seats": 5})
    call("POST", "/api/v1/bookings/{id}/pay", hold["id"], token=ann["token"], expect=200)
    call("POST", "/api/v1/bookings/{id}/pay", hold["id"], token=ann["token"], expect=200)
    card_hold = call("POST", "/api/v1/bookings/holds", token=bob["token"], expect=201,
                     headers={"Idempotency-Key": api.key()},
                     body={"event_id": event, "seats": 1})["booking"]
    call("POST", "/api/v1/bookings/{id}/pay", card_hold["id"], token=bob["token"], expect=202,
         headers={"Idempotency-Key": api.key()},
         body={"method": "card", "card_token": "tok_sandbox_success"})
    call("POST", "/api/v1/bookings/{id}/pay", card_hold["id"], token=bob["token"], expect=400,
         body={"method": "cash"})
    call("POST", "/api/v1/coupons/{id}/deactivate", coupon["id"], token=org["token"], expect=200)
    call("POST", "/api/v1/coupons/{id}/deactivate", PLACEHOLDER_ID,
         token=org["token"], expect=404)
    bought = call("POST", "/api/v1/bookings", token=bob["token"], expect=201,
                  headers={"Idempotency-Key": api.key()},
                  body={"event_id": event, "seats": 1})["booking"]
    call("POST", "/api/v1/bookings", token=org["token"], expect=403,
         headers={"Idempotency-Key": api.key()}, body={"event_id": event, "seats": 1})
    call("GET", "/api/v1/bookings", token=ann["token"], expect=200)
    call("GET", "/api/v1/bookings/{id}", hold["id"], token=ann["token"], expect=200)
    call("GET", "/api/v1/bookings/{id}", hold["id"], token=bob["token"], expect=404)
    call("GET", "/api/v1/bookings/{id}/ticket.pdf", hold["id"], token=ann["token"], expect=200)
    call("GET", "/api/v1/bookings/{id}/ticket.pdf", card_hold["id"], token=bob["token"],
         expect=422)
    ticket = hold["id"]
    tickets = call("GET", "/api/v1/bookings/{id}", ticket, token=ann["token"])["booking"]["tickets"]
    call("POST", "/api/v1/events/{id}/check-ins", event, token=org["token"],
         body={"code": tickets[0]["code"]}, expect=200)
    call("POST", "/api/v1/events/{id}/check-ins", event, token=org["token"],
         body={"code": tickets[0]["code"]}, expect=422)
    call("POST", "/api/v1/events/{id}/check-ins", event, token=org["token"],
         body={"code": "t1.forged"}, expect=400)
    call("POST", "/api/v1/bookings/{id}/cancel", bought["id"], token=bob["token"], expect=200)
    call("POST", "/api/v1/bookings/{id}/cancel", bought["id"], token=bob["token"], expect=200)
    call("POST", "/api/v1/bookings/{id}/pay", bought["id"], token=bob["token"], expect=422)

    # The waitlist of a sold-out event.
    small = approved_event(api, org, admin, category, capacity=1)
    call("POST", "/api/v1/bookings", token=ann["token"], headers={"Idempotency-Key": api.key()},
         body={"event_id": small, "seats": 1}, expect=201)
    call("GET", "/api/v1/events/{id}/waitlist", small, token=bob["token"], expect=404)
    call("POST", "/api/v1/events/{id}/waitlist", small, token=bob["token"], body={"seats": 1},
         expect=201)
    call("POST", "/api/v1/events/{id}/waitlist", small, token=bob["token"], body={"seats": 1},
         expect=409)
    call("POST", "/api/v1/events/{id}/waitlist", small, token=bob["token"], body={"seats": 0},
         expect=400)
    call("GET", "/api/v1/events/{id}/waitlist", small, token=bob["token"], expect=200)
    call("DELETE", "/api/v1/events/{id}/waitlist", small, token=bob["token"], expect=204)
    call("DELETE", "/api/v1/events/{id}/waitlist", small, token=bob["token"], expect=404)
    call("POST", "/api/v1/events/{id}/cancel", small, token=org["token"],
         body={"note": "The speaker is ill"}, expect=200)
    call("POST", "/api/v1/events/{id}/cancel", small, token=org["token"], body={"note": ""},
         expect=400)
    call("POST", "/api/v1/events/{id}/cancel", small, token=org["token"],
         body={"note": "Again"}, expect=422)

    # Settlement, figures, dashboards, public organizer pages.
    call("GET", "/api/v1/events/{id}/settlement", event, token=org["token"], expect=200)
    call("GET", "/api/v1/events/{id}/settlement", event, token=ann["token"], expect=403)
    call("POST", "/api/v1/admin/events/{id}/settle", event, token=admin["token"],
         expect=422)  # not ended
    call("POST", "/api/v1/admin/events/{id}/settle", event, token=org["token"], expect=403)
    call("GET", "/api/v1/events/{id}/figures", event, token=org["token"], expect=200)
    call("GET", "/api/v1/events/{id}/figures", event, token=ann["token"], expect=403)
    call("GET", "/api/v1/organizer/dashboard/events", token=org["token"], expect=200)
    call("GET", "/api/v1/organizer/dashboard/events", token=ann["token"], expect=403)
    month = time.strftime("%Y-%m", time.gmtime())
    call("GET", "/api/v1/organizer/dashboard/summary", token=org["token"],
         query={"from": "2026-01", "until": "2028-01"}, expect=200)
    call("GET", "/api/v1/organizer/dashboard/summary", token=org["token"],
         query={"from": month}, expect=400)
    call("GET", "/api/v1/organizers", expect=200)
    call("GET", "/api/v1/organizers/{id}", org["id"], expect=200)
    call("GET", "/api/v1/organizers/{id}", ann["id"], expect=404)
    call("GET", "/api/v1/organizers/{user_id}/rating", org["id"], expect=200)
    call("GET", "/api/v1/organizers/{user_id}/rating", ann["id"], expect=404)

    # Reports.
    window = {"from": iso(-86400), "until": iso(86400)}
    call("GET", "/api/v1/reports/organizer-sales", token=org["token"], query=window, expect=200)
    call("GET", "/api/v1/reports/organizer-sales", token=org["token"],
         query=dict(window, format="csv"), expect=200)
    call("GET", "/api/v1/reports/organizer-sales", token=org["token"], query={"from": "x"},
         expect=400)
    call("GET", "/api/v1/reports/financial", token=admin["token"], query=window, expect=200)
    call("GET", "/api/v1/reports/financial", token=admin["token"],
         query=dict(window, format="xlsx"), expect=200)
    call("GET", "/api/v1/reports/financial", token=org["token"], query=window, expect=403)

    # Chat.
    direct = call("POST", "/api/v1/conversations/direct", token=admin["token"],
                  body={"user_id": ann["id"]}, expect=200)["conversation"]["id"]
    call("POST", "/api/v1/conversations/direct", token=admin["token"],
         body={"user_id": admin["id"]}, expect=400)
    room = call("POST", "/api/v1/events/{event_id}/room", event, token=org["token"],
                expect=200)["conversation"]["id"]
    call("POST", "/api/v1/events/{event_id}/room", event, token=carl["token"], expect=403)
    message = call("POST", "/api/v1/conversations/{id}/messages", direct, token=admin["token"],
                   headers={"Idempotency-Key": api.key()}, body={"text": "Welcome"},
                   expect=201)["message"]
    call("POST", "/api/v1/conversations/{id}/messages", direct, token=admin["token"],
         headers={"Idempotency-Key": api.key()}, body={"text": "  "}, expect=400)
    call("POST", "/api/v1/conversations/{id}/messages", room, token=org["token"],
         headers={"Idempotency-Key": api.key()},
         body={"text": "Doors at six", "kind": "announcement"}, expect=201)
    call("POST", "/api/v1/conversations/{id}/images", direct, token=admin["token"],
         headers={"Idempotency-Key": api.key()}, raw=tiny_png(), content_type="image/png",
         expect=201)
    call("POST", "/api/v1/conversations/{id}/images", direct, token=admin["token"],
         headers={"Idempotency-Key": api.key()}, raw=b"text", content_type="text/plain",
         expect=415)
    call("GET", "/api/v1/conversations", token=ann["token"], expect=200)
    call("GET", "/api/v1/conversations/unread", token=ann["token"], expect=200)
    call("GET", "/api/v1/conversations/{id}", direct, token=ann["token"], expect=200)
    call("GET", "/api/v1/conversations/{id}", direct, token=bob["token"], expect=403)
    call("GET", "/api/v1/conversations/{id}/messages", direct, token=ann["token"], expect=200)
    call("GET", "/api/v1/conversations/{id}/messages", direct, token=ann["token"],
         query={"after_seq": "0", "limit": "10"}, expect=200)
    call("GET", "/api/v1/conversations/{id}/messages", direct, token=ann["token"],
         query={"after_seq": "-1"}, expect=400)
    call("POST", "/api/v1/conversations/{id}/delivered", direct, token=ann["token"],
         body={"message_id": message["id"]}, expect=200)
    call("POST", "/api/v1/conversations/{id}/read", direct, token=ann["token"],
         body={"message_id": message["id"]}, expect=200)
    call("POST", "/api/v1/conversations/{id}/read", direct, token=ann["token"],
         body={"message_id": PLACEHOLDER_ID}, expect=404)
    call("GET", "/api/v1/conversations/{id}/receipts", direct, token=ann["token"], expect=200)

    # Admin oversight and jobs.
    call("GET", "/api/v1/admin/audit-log", token=admin["token"], expect=200)
    call("GET", "/api/v1/admin/audit-log", token=admin["token"], query={"user": carl["id"]},
         expect=200)
    call("GET", "/api/v1/admin/queues", token=admin["token"], expect=200)
    call("GET", "/api/v1/admin/queues", token=org["token"], expect=403)
    jobs = call("GET", "/api/v1/admin/jobs", token=admin["token"], query={"status": "succeeded"},
                expect=200)["items"]
    call("GET", "/api/v1/admin/jobs", token=admin["token"], query={"status": "odd"}, expect=400)
    if jobs:
        call("GET", "/api/v1/admin/jobs/{id}", jobs[0]["id"], token=admin["token"], expect=200)
        call("POST", "/api/v1/admin/jobs/{id}/retry", jobs[0]["id"], token=admin["token"],
             expect=422)
    call("GET", "/api/v1/admin/jobs/{id}", PLACEHOLDER_ID,
         token=admin["token"], expect=404)
    call("POST", "/api/v1/admin/jobs/{id}/retry", PLACEHOLDER_ID,
         token=admin["token"], expect=404)
    call("GET", "/api/v1/admin/ledger/audit", token=admin["token"], expect=200)
    # Money views (docs/admin-api.md, "Money").
    call("GET", "/api/v1/admin/settlements", token=admin["token"], expect=200)
    call("GET", "/api/v1/admin/settlements", token=admin["token"], query={"state": "due"},
         expect=200)
    call("GET", "/api/v1/admin/settlements", token=admin["token"], query={"state": "paid"},
         expect=400)
    call("GET", "/api/v1/admin/settlements", token=org["token"], expect=403)
    call("GET", "/api/v1/admin/revenue", token=admin["token"], expect=200)
    call("GET", "/api/v1/admin/revenue", token=admin["token"],
         query={"kind": "commission", "from": "2020-01-01T00:00:00Z"}, expect=200)
    call("GET", "/api/v1/admin/revenue", token=admin["token"], query={"kind": "gift"}, expect=400)
    call("GET", "/api/v1/admin/revenue", token=admin["token"], query={"from": "yesterday"},
         expect=400)
    call("GET", "/api/v1/admin/analytics", token=admin["token"],
         query={"from": "2026-01", "until": "2028-01", "top": "3"}, expect=200)
    call("GET", "/api/v1/admin/analytics", token=admin["token"],
         query={"from": "2026-13", "until": "2028-01"}, expect=400)
    call("GET", "/api/v1/admin/analytics", token=ann["token"],
         query={"from": "2026-01", "until": "2027-01"}, expect=403)

    # Reviews of the event that has ended by now.
    time.sleep(max(0.0, soon_ends - time.time()))
    call("GET", "/api/v1/events/{id}/reviews/mine", soon, token=ann["token"], expect=404)
    call("POST", "/api/v1/events/{id}/reviews", soon, token=ann["token"], body=review,
         expect=201)
    call("POST", "/api/v1/events/{id}/reviews", soon, token=ann["token"], body=review,
         expect=409)
    call("POST", "/api/v1/events/{id}/reviews", soon, token=bob["token"], body=review,
         expect=403)
    call("POST", "/api/v1/events/{id}/reviews", soon, token=ann["token"],
         body=dict(review, rating=6), expect=400)
    call("PUT", "/api/v1/events/{id}/reviews/mine", soon, token=ann["token"],
         body=dict(review, rating=3), expect=200)
    call("GET", "/api/v1/events/{id}/reviews/mine", soon, token=ann["token"], expect=200)
    call("DELETE", "/api/v1/events/{id}/reviews/mine", soon, token=ann["token"], expect=204)
    written = call("POST", "/api/v1/events/{id}/reviews", soon, token=ann["token"], body=review,
                   expect=201)["review"]
    call("GET", "/api/v1/events/{id}/reviews", soon, expect=200)
    call("POST", "/api/v1/admin/reviews/{review_id}/remove", written["id"], token=admin["token"],
         body={"note": ""}, expect=400)
    call("POST", "/api/v1/admin/reviews/{review_id}/remove", written["id"], token=admin["token"],
         body={"note": "Off topic"}, expect=200)
    call("DELETE", "/api/v1/events/{id}/reviews/mine", soon, token=ann["token"], expect=422)
    call("GET", "/api/v1/organizers/{user_id}/rating", org["id"], expect=200)
    call("POST", "/api/v1/admin/events/{id}/settle", soon, token=admin["token"], expect=200)
    call("GET", "/api/v1/events/{id}/settlement", soon, token=admin["token"], expect=200)


def generic_sweeps(api):
    """Every authenticated operation without a token (401), every JSON-body operation with a
    malformed body (400), every paged list with a bad limit (400) and a cursor it did not issue
    (whatever the document says, as the placeholder ids may be refused first). The last three
    take a token
    where the operation needs one: an admin's on the admin routes, an organizer's otherwise (the
    body and the query are read before the role is checked)."""
    checker = api.checker
    admin = new_admin(api)
    org = new_user(api, "sweep", "organizer")
    for method, template, op in checker.operations():
        args = [PLACEHOLDER_ID] * template.count("{")
        token = None
        if checker.secured(op):
            api.call(method, template, *args, expect=401)
            token = admin["token"] if "/admin/" in template else org["token"]
        if checker.json_body(op):
            broken = b"{\"broken\":"
            # The gateway's callback checks its signature before the body.
            headers = signature(broken) if template == "/api/v1/payments/callback" else None
            api.call(method, template, *args, token=token, raw=broken,
                     content_type="application/json", headers=headers, expect=400)
            # An empty object (each route's missing members, or its own refusal of the
            # placeholder ids), and a body of another type.
            api.call(method, template, *args, token=token, raw=b"{}",
                     content_type="application/json", headers=signature(b"{}"))
            api.call(method, template, *args, token=token, raw=b"{}", content_type="text/plain",
                     headers=signature(b"{}"))
        if "limit" in checker.parameter_names(op):
            api.call(method, template, *args, token=token, query={"limit": "many"}, expect=400)
        if "cursor" in checker.parameter_names(op):
            api.call(method, template, *args, token=token, query={"cursor": "not-a-cursor"})


def check_coverage(checker):
    """Every documented operation was called; each authenticated one answered its 401 and each
    one reading a JSON body a 400."""
    for method, template, op in checker.operations():
        name = f"{method} {template}"
        statuses = checker.seen.get((method, template), set())
        if not statuses & {int(status) for status in op["responses"]}:
            checker.failures.append(f"{name}: the scenario never reached it")
        if checker.secured(op) and 401 not in statuses:
            checker.failures.append(f"{name}: its 401 was never seen")
        if checker.json_body(op) and 400 not in statuses:
            checker.failures.append(f"{name}: a 400 was never seen")
