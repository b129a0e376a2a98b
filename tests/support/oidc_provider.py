#!/usr/bin/python3
"""A local OpenID Connect provider for the tests (support/with-oidc-provider.sh starts it).

Serves on 127.0.0.1, a port the kernel picks (written to --port-file): the discovery document,
the JWKS (an RSA and a P-256 key generated at start), an authorization endpoint that signs in the
user set with /test/next-user at once and redirects with a code, and a token endpoint that checks
the client secret, the redirect URI and the PKCE verifier (S256) and answers an ID token with the
nonce of the authorization request. Test-only endpoints mint tokens of any shape (/test/mint: any
claims, any algorithm including "none" and an HS256 signed with the RSA public key, published or
unpublished keys), publish a new key (/test/publish, a rotation) and count the fetches
(/test/stats). Needs Debian's python3-cryptography.
"""
import argparse
import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def int_bytes(value, length=None):
    length = length or (value.bit_length() + 7) // 8
    return value.to_bytes(length, "big")


class Key:
    def __init__(self, kid, kind):
        self.kid = kid
        self.kind = kind
        if kind == "RSA":
            self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        else:
            self.private = ec.generate_private_key(ec.SECP256R1())

    def jwk(self):
        numbers = self.private.public_key().public_numbers()
        if self.kind == "RSA":
            return {"kty": "RSA", "kid": self.kid, "use": "sig", "alg": "RS256",
                    "n": b64url(int_bytes(numbers.n)), "e": b64url(int_bytes(numbers.e))}
        return {"kty": "EC", "kid": self.kid, "use": "sig", "alg": "ES256", "crv": "P-256",
                "x": b64url(int_bytes(numbers.x, 32)), "y": b64url(int_bytes(numbers.y, 32))}

    def public_pem(self):
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

    def sign(self, data):
        if self.kind == "RSA":
            return self.private.sign(data, padding.PKCS1v15(), hashes.SHA256())
        r, s = decode_dss_signature(self.private.sign(data, ec.ECDSA(hashes.SHA256())))
        return int_bytes(r, 32) + int_bytes(s, 32)


class Provider:
    def __init__(self, client_id, client_secret):
        self.lock = threading.Lock()
        self.client_id = client_id
        self.client_secret = client_secret
        self.issuer = ""
        self.keys = {"rsa-1": Key("rsa-1", "RSA"), "ec-1": Key("ec-1", "EC")}
        self.published = ["rsa-1", "ec-1"]
        self.codes = {}
        self.next_user = {"sub": "user-1", "email": "user1@example.com", "email_verified": True,
                          "name": "First User"}
        self.stats = {"jwks_fetches": 0, "discovery_fetches": 0, "token_requests": 0}

    def key(self, kid, kind="RSA"):
        with self.lock:
            if kid not in self.keys:
                self.keys[kid] = Key(kid, kind)
            return self.keys[kid]

    def mint(self, claims, alg="RS256", kid=None, key_id=None, tamper=False):
        now = int(time.time())
        body = {"iss": self.issuer, "aud": self.client_id, "iat": now, "exp": now + 300}
        body.update(claims)
        key = self.key(key_id or ("ec-1" if alg == "ES256" else "rsa-1"),
                       "EC" if alg == "ES256" else "RSA")
        header = {"alg": alg, "typ": "JWT"}
        if kid is None:
            kid = key.kid
        if kid != "":
            header["kid"] = kid
        signing_input = (b64url(json.dumps(header).encode()) + "." +
                         b64url(json.dumps(body).encode())).encode()
        if alg == "none":
            signature = b""
        elif alg == "HS256":  # the classic confusion: the public key used as an HMAC secret
            signature = hmac.new(key.public_pem(), signing_input, hashlib.sha256).digest()
        else:
            signature = key.sign(signing_input)
        if tamper:
            signature = bytes([signature[0] ^ 1]) + signature[1:]
        return signing_input.decode() + "." + b64url(signature)


class Handler(BaseHTTPRequestHandler):
    provider = None

    def log_message(self, *args):
        pass

    def answer(self, status, body, headers=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def form(self):
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length).decode()
        return {k: v[0] for k, v in urllib.parse.parse_qs(raw, keep_blank_values=True).items()}

    def do_GET(self):
        p = self.provider
        url = urllib.parse.urlsplit(self.path)
        query = {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}
        if url.path == "/.well-known/openid-configuration":
            with p.lock:
                p.stats["discovery_fetches"] += 1
            return self.answer(200, {
                "issuer": p.issuer, "authorization_endpoint": p.issuer + "/authorize",
                "token_endpoint": p.issuer + "/token", "jwks_uri": p.issuer + "/jwks",
                "response_types_supported": ["code"], "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256", "ES256"],
                "code_challenge_methods_supported": ["S256"]},
                {"Cache-Control": "public, max-age=3600"})
        if url.path == "/jwks":
            with p.lock:
                p.stats["jwks_fetches"] += 1
                keys = [p.keys[kid].jwk() for kid in p.published]
            return self.answer(200, {"keys": keys}, {"Cache-Control": "public, max-age=3600"})
        if url.path == "/authorize":
            required = ["response_type", "client_id", "redirect_uri", "state", "nonce",
                        "code_challenge", "code_challenge_method"]
            if any(name not in query for name in required) or query["response_type"] != "code" \
                    or query["client_id"] != p.client_id \
                    or query["code_challenge_method"] != "S256":
                return self.answer(400, {"error": "invalid_request"})
            code = secrets.token_urlsafe(24)
            with p.lock:
                p.codes[code] = dict(query, user=dict(p.next_user))
            location = query["redirect_uri"] + "?" + urllib.parse.urlencode(
                {"code": code, "state": query["state"]})
            self.send_response(302)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        if url.path == "/test/stats":
            with p.lock:
                return self.answer(200, dict(p.stats))
        return self.answer(404, {"error": "not_found"})

    def do_POST(self):
        p = self.provider
        path = urllib.parse.urlsplit(self.path).path
        form = self.form()
        if path == "/token":
            with p.lock:
                p.stats["token_requests"] += 1
                grant = p.codes.pop(form.get("code", ""), None)
            if form.get("client_id") != p.client_id or \
                    form.get("client_secret") != p.client_secret:
                return self.answer(401, {"error": "invalid_client"})
            verifier = form.get("code_verifier", "")
            if grant is None or form.get("grant_type") != "authorization_code" or \
                    form.get("redirect_uri") != grant["redirect_uri"] or \
                    b64url(hashlib.sha256(verifier.encode()).digest()) != grant["code_challenge"]:
                return self.answer(400, {"error": "invalid_grant"})
            claims = dict(grant["user"], nonce=grant["nonce"])
            return self.answer(200, {"access_token": secrets.token_urlsafe(16),
                                     "token_type": "Bearer", "expires_in": 300,
                                     "id_token": p.mint(claims)}, {"Cache-Control": "no-store"})
        if path == "/test/mint":
            token = p.mint(json.loads(form.get("claims", "{}")), form.get("alg", "RS256"),
                           form.get("kid"), form.get("key"), form.get("tamper") == "1")
            return self.answer(200, {"token": token})
        if path == "/test/publish":
            kid = form["kid"]
            p.key(kid, form.get("kty", "RSA"))
            with p.lock:
                if kid not in p.published:
                    p.published.append(kid)
            return self.answer(200, {"published": kid})
        if path == "/test/next-user":
            with p.lock:
                p.next_user = json.loads(form["user"])
            return self.answer(200, {"ok": True})
        return self.answer(404, {"error": "not_found"})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    args = parser.parse_args()
    Handler.provider = Provider(args.client_id, args.client_secret)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    Handler.provider.issuer = "http://127.0.0.1:%d" % server.server_address[1]
    with open(args.port_file + ".tmp", "w") as out:
        out.write("%d\n" % server.server_address[1])
    import os
    os.rename(args.port_file + ".tmp", args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
