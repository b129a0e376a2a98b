#!/usr/bin/python3
"""Checks docs/api/openapi.yaml against the real eventify-server, both ways.

  check_openapi.py OPENAPI_YAML SERVER_BINARY

under tests/support/with-oidc-provider.sh, whose local OpenID Connect provider the server signs in
with (EVENTIFY_TEST_OIDC_ISSUER, _CLIENT_ID, _CLIENT_SECRET).

1. Every route the server registers (`eventify-server --print-routes`) is documented, and every
   documented path and method is a route of the server.
2. Every documented operation answers as documented: a scenario starts the server on a temporary
   SQLite installation and calls every operation at least once (successes where they can be made,
   the documented 401 of every authenticated operation, a documented 400 of every operation that
   reads a JSON body). Each answer's status must be one the document lists for the operation, its
   content type one it lists for that status, its JSON body must validate against the documented
   schema (JSON Schema 2020-12), and an error's code must be one the document names for that status.

Standard library, PyYAML and jsonschema only (Debian's python3-yaml and python3-jsonschema).
Exit code 0 when everything agrees; otherwise 1, with one line per disagreement naming the
operation.
"""

import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import traceback
import zlib

import jsonschema
import yaml

PASSWORD = "Correct-Horse-9"
WEBHOOK_SECRET = "openapi-check-webhook-secret-0123456789abcdef"
METHODS = ("get", "put", "post", "patch", "delete")
REDIRECT_BASE = "https://events.example.com"

# The body checks every operation with a JSON body may answer besides the codes it lists (the
# document's info.description says so, and that authenticated ones may answer the token checks:
# Checker.allowed_codes adds both).
BODY_CODES = {"malformed_json", "invalid_body", "missing_field", "invalid_type", "field_too_long",
              "out_of_range"}


def tiny_png():
    """A 1x1 greyscale PNG."""
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) +
            chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b""))


def iso(seconds_from_now):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + seconds_from_now))


class Reply:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body
        self.json = None
        if headers.get("Content-Type", "").startswith("application/json") and body:
            try:
                self.json = json.loads(body)
            except ValueError:
                self.json = None

    def __getitem__(self, key):
        return self.json[key]


class Checker:
    """The document, and what the scenario saw of each of its operations."""

    def __init__(self, spec):
        self.spec = spec
        self.resolver = jsonschema.RefResolver("", spec)
        self.failures = []
        self.seen = {}  # (METHOD, path template) -> set of statuses answered

    def operations(self):
        """(METHOD, path template, operation) of every documented operation."""
        for template, item in self.spec["paths"].items():
            for method in METHODS:
                if method in item:
                    yield method.upper(), template, item[method]

    def parameter_names(self, op):
        return {self.resolve(parameter)[0]["name"] for parameter in op.get("parameters", [])}

    def operation(self, method, template):
        item = self.spec["paths"].get(template)
        if item is None or method.lower() not in item:
            raise KeyError(f"{method} {template} is not in the document")
        return item[method.lower()]

    def resolve(self, obj):
        """Follows a $ref; returns the target and the description the reference overrides."""
        description = None
        while "$ref" in obj:
            description = description or obj.get("description")
            _, obj = self.resolver.resolve(obj["$ref"])
        return obj, description or obj.get("description", "")

    def secured(self, op):
        """Whether the operation needs a token (an empty requirement makes it optional)."""
        security = op.get("security", self.spec.get("security", []))
        return bool(security) and all(requirement for requirement in security)

    def json_body(self, op):
        if "requestBody" not in op:
            return False
        body, _ = self.resolve(op["requestBody"])
        return "application/json" in body.get("content", {})

    def allowed_codes(self, op, status, description):
        codes = set(re.findall(r"`([a-z0-9_]+)`", description))
        if status == 400 and self.json_body(op):
            codes |= BODY_CODES
        if status == 415 and self.json_body(op):
            codes.add("unsupported_media_type")
        if self.secured(op):
            if status == 401:
                codes |= {"missing_token", "invalid_token", "token_expired", "session_revoked"}
            if status == 403:
                codes.add("account_blocked")
        return codes

    def check(self, method, template, reply):
        name = f"{method} {template}"
        op = self.operation(method, template)
        self.seen.setdefault((method, template), set()).add(reply.status)
        response = op["responses"].get(str(reply.status))
        if response is None:
            self.fail(name, reply, f"answered {reply.status}, which the document does not list")
            return
        response, description = self.resolve(response)
        content = response.get("content")
        media_type = reply.headers.get("Content-Type", "").split(";")[0].strip()
        if not content:
            if reply.body:
                self.fail(name, reply, f"{reply.status} has a body, the document says none")
            return
        if media_type not in content:
            self.fail(name, reply, f"{reply.status} answered {media_type!r}, the document lists "
                      f"{sorted(content)}")
            return
        schema = content[media_type].get("schema")
        if media_type != "application/json" or schema is None:
            return
        if reply.json is None:
            self.fail(name, reply, f"{reply.status} is not JSON")
            return
        validator = jsonschema.Draft202012Validator(schema, resolver=self.resolver)
        errors = sorted(validator.iter_errors(reply.json), key=lambda e: list(e.absolute_path))
        for error in errors[:3]:
            where = "/".join(str(p) for p in error.absolute_path) or "(body)"
            self.fail(name, reply, f"{reply.status} body at {where}: {error.message}")
        if errors or reply.status < 400:
            return
        code = reply.json["error"]["code"]
        if code not in self.allowed_codes(op, reply.status, description):
            self.fail(name, reply, f"{reply.status} code {code!r} is not documented for it")
        if reply.json["error"]["request_id"] != reply.headers.get("X-Request-Id"):
            self.fail(name, reply, "error.request_id is not the X-Request-Id header")

    def fail(self, name, reply, what):
        body = reply.body[:300].decode("utf-8", "replace") if reply else ""
        self.failures.append(f"{name}: {what}" + (f"\n    body: {body}" if body else ""))


class Server:
    """eventify-server on a free loopback port with a temporary data folder."""

    def __init__(self, binary, scratch):
        self.binary = binary
        self.data_dir = os.path.join(scratch, "data")
        self.scratch = scratch
        self.env = dict(os.environ, EVENTIFY_PAYMENTS_WEBHOOK_SECRET=WEBHOOK_SECRET,
                        EVENTIFY_ADMIN_PASSWORD=PASSWORD)
        self.flags = [
            "--listen.host=127.0.0.1", "--listen.port=0", "--ws.port=0",
            f"--data_dir={self.data_dir}", "--accounts.password_hash_cost=minimum",
            "--accounts.code_resend_interval=0s", "--accounts.code_max_sends_per_hour=100",
            "--http.rate_limit.per_address=off", "--http.rate_limit.per_user=off",
            "--http.rate_limit.auth_per_address=off", "--log.requests=false",
            # An event is due for settlement as soon as it has ended.
            "--settlement.delay=0s",
            # The local OpenID provider of support/with-oidc-provider.sh as provider "test".
            "--oidc.1.name=test", f"--oidc.1.issuer={os.environ['EVENTIFY_TEST_OIDC_ISSUER']}",
            f"--oidc.1.client_id={os.environ['EVENTIFY_TEST_OIDC_CLIENT_ID']}",
            f"--oidc.redirect_base={REDIRECT_BASE}",
        ]
        self.env["EVENTIFY_OIDC_1_CLIENT_SECRET"] = os.environ["EVENTIFY_TEST_OIDC_CLIENT_SECRET"]
        self.process = None
        self.port = None
        self.seen_mail = set()

    def run(self, *args):
        return subprocess.run([self.binary, *args, *self.flags], env=self.env,
                              capture_output=True, text=True, timeout=60)

    def start(self):
        out = open(os.path.join(self.scratch, "server.out"), "w")
        self.err_path = os.path.join(self.scratch, "server.err")
        err = open(self.err_path, "w")
        self.process = subprocess.Popen([self.binary, *self.flags], env=self.env,
                                        stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        deadline = time.time() + 30
        while time.time() < deadline:
            with open(os.path.join(self.scratch, "server.out")) as f:
                match = re.search(r"listening on http://[^\s]+:(\d+)", f.read())
            if match:
                self.port = int(match.group(1))
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError("the server did not start:\n" + open(self.err_path).read())

    def stop(self):
        """Stops the server with SIGTERM; returns what is wrong with its stop, or ""."""
        if self.process is None:
            return ""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                return "the server did not stop within 20 s of SIGTERM"
        if self.process.returncode != 0:
            with open(self.err_path, encoding="utf-8", errors="replace") as f:
                return (f"the server exited {self.process.returncode}; the end of its stderr:\n" +
                        f.read()[-3000:])
        return ""

    def code_for(self, email):
        """The six-digit code of the next unread e-mail to `email` in the outbox."""
        outbox = os.path.join(self.data_dir, "outbox")
        deadline = time.time() + 10
        while time.time() < deadline:
            names = sorted(n for n in os.listdir(outbox)
                           if n.endswith("-" + email + ".eml") and n not in self.seen_mail)
            if names:
                self.seen_mail.add(names[0])
                with open(os.path.join(outbox, names[0]), "rb") as f:
                    message = f.read().decode("utf-8", "replace")
                body = message[message.find("\r\n\r\n"):]
                match = re.search(r"(?<![0-9])([0-9]{6})(?![0-9])", body)
                if match:
                    return match.group(1)
                raise RuntimeError(f"no code in {names[0]}")
            time.sleep(0.02)
        raise RuntimeError(f"no e-mail to {email}")


def documented_routes(checker):
    """METHOD and pattern of every documented operation, in the server's pattern syntax."""
    return {f"{method} " + re.sub(r"\{[^}]+\}", "{}", template)
            for method, template, _ in checker.operations()}


def served_routes(server):
    done = server.run("--print-routes")
    if done.returncode != 0:
        raise RuntimeError(f"--print-routes exited {done.returncode}: {done.stderr}")
    # The router's "*" (the rest of the path) is a documented path parameter like "{}".
    return {line.replace("*", "{}") for line in done.stdout.splitlines() if line}


def main():
    spec_path, binary = sys.argv[1], sys.argv[2]
    if "EVENTIFY_TEST_OIDC_ISSUER" not in os.environ:
        print("run me under tests/support/with-oidc-provider.sh (EVENTIFY_TEST_OIDC_* unset)")
        return 2
    with open(spec_path, encoding="utf-8") as f:
        spec = yaml.safe_load(f)
    jsonschema.Draft202012Validator.check_schema(
        {"$defs": spec.get("components", {}).get("schemas", {})})
    checker = Checker(spec)
    scratch = tempfile.mkdtemp(prefix="eventify-openapi-")
    server = Server(binary, scratch)
    try:
        served = served_routes(server)
        documented = documented_routes(checker)
        for route in sorted(served - documented):
            checker.failures.append(f"{route}: served but not documented")
        for route in sorted(documented - served):
            checker.failures.append(f"{route}: documented but not served")
        server.start()
        import scenario  # the calls, beside this file
        try:
            scenario.run(checker, server)
        except Exception:  # the failures so far still say what went wrong first
            checker.failures.append("the scenario stopped:\n" + traceback.format_exc())
        scenario.check_coverage(checker)
    finally:
        stopped = server.stop()
        if stopped:
            checker.failures.append(stopped)
        shutil.rmtree(scratch, ignore_errors=True)
    for failure in checker.failures:
        print("FAIL", failure)
    operations = sum(1 for _ in checker.operations())
    calls = sum(len(statuses) for statuses in checker.seen.values())
    print(f"{operations} documented operations, {len(checker.seen)} called, "
          f"{calls} distinct (operation, status) pairs seen")
    return 1 if checker.failures else 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    sys.exit(main())
