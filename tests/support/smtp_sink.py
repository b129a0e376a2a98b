"""A local SMTP sink for the tests: Debian's aiosmtpd on loopback, writing each message it
accepts into a folder, so that a test reads exactly the bytes that arrived.

  /usr/bin/python3 smtp_sink.py --dir DIR --port-file FILE [--user NAME] \
      [--tls-cert CERT --tls-key KEY] [--late-trigger TRIGGER]

Listens on 127.0.0.1 on ports the kernel picks (no race with other programs) and writes them to
FILE, space-separated, once it accepts connections: plain SMTP; with a certificate also SMTP that
requires STARTTLS, then implicit TLS (SMTPS); with --late-trigger, last, a plain SMTP port that is
down (bound, not listening: connections are refused) until the file TRIGGER exists, to play a mail
server that comes back. Each message becomes DIR/NNNNNN-RECIPIENT.eml (the DATA
bytes, dot-unstuffed, CRLF line endings) next to DIR/NNNNNN-RECIPIENT.envelope (MAIL FROM on the
first line, then one RCPT TO per line), numbered in arrival order and renamed into place only when
complete. With --user, AUTH (PLAIN or LOGIN, over plain TCP: loopback only) is required and the
password is read from the environment variable EVENTIFY_TEST_SMTP_PASSWORD. A recipient whose
local part starts with "rejected" gets "550 5.1.1 mailbox unavailable".
"""
import argparse
import asyncio
import itertools
import os
import signal
import socket
import ssl

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class FolderHandler:
    def __init__(self, folder):
        self.folder = folder
        self.numbers = itertools.count(1)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("rejected"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        name = "{:06}-{}".format(next(self.numbers), envelope.rcpt_tos[0])
        # The envelope first: a reader that sees the .eml finds its envelope.
        files = {
            ".envelope": "\n".join([envelope.mail_from] + envelope.rcpt_tos).encode() + b"\n",
            ".eml": envelope.original_content,
        }
        for suffix, content in files.items():
            temp = os.path.join(self.folder, name + suffix + ".tmp")
            with open(temp, "wb") as out:
                out.write(content)
            os.rename(temp, os.path.join(self.folder, name + suffix))
        return "250 Message accepted for delivery"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--user")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--late-trigger")
    args = parser.parse_args()
    password = os.environ.get("EVENTIFY_TEST_SMTP_PASSWORD", "").encode()

    def authenticate(server, session, envelope, mechanism, data):
        ok = (isinstance(data, LoginPassword) and data.login == args.user.encode()
              and data.password == password)
        return AuthResult(success=ok, handled=False)

    loop = asyncio.new_event_loop()
    handler = FolderHandler(args.dir)

    def factory(**tls):
        auth = dict(auth_required=True, auth_require_tls=False,
                    authenticator=authenticate) if args.user else {}
        return lambda: SMTP(handler, loop=loop, hostname="sink.test", **auth, **tls)

    listeners = [(factory(), None)]
    if args.tls_cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        listeners.append((factory(tls_context=context, require_starttls=True), None))
        listeners.append((factory(), context))
    ports = []
    for make, context in listeners:
        server = loop.run_until_complete(loop.create_server(make, "127.0.0.1", 0, ssl=context))
        ports.append(str(server.sockets[0].getsockname()[1]))
    if args.late_trigger:
        late = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        late.bind(("127.0.0.1", 0))
        ports.append(str(late.getsockname()[1]))

        def open_when_triggered():
            if os.path.exists(args.late_trigger):
                loop.create_task(loop.create_server(factory(), sock=late))
            else:
                loop.call_later(0.05, open_when_triggered)

        open_when_triggered()
    with open(args.port_file + ".tmp", "w") as out:
        out.write(" ".join(ports))
    os.rename(args.port_file + ".tmp", args.port_file)
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    loop.run_forever()


if __name__ == "__main__":
    main()
