#!/usr/bin/python3
"""A local SMTP sink: accepts every message on a loopback port and stores each as a file.

    /usr/bin/python3 deploy/local/smtp-sink.py --port 2525 --dir .local/mail

--port 0 lets the kernel choose a free port as the sink binds it (tests use that, so no port is picked beforehand
that another process could take); the first line on stdout always tells the address it listens on.

Each message lands in DIR as <UTC time>-<random>.eml (written to a temporary name, then renamed,
so a reader never sees half a message), with X-Envelope-From / X-Envelope-To headers added in front.
Open one with any mail reader, or `less`. It needs Debian's python3-aiosmtpd (hence /usr/bin/python3).

For tests, two switches make it misbehave on purpose for chosen recipient domains:
  --reject-domain D   answer RCPT TO:<…@D> with 550 (a permanent rejection)
  --defer-domain D    answer RCPT TO:<…@D> with 451 (a transient failure: try again later)
"""
import argparse
import asyncio
import datetime
import os
import signal
import sys
import uuid

try:
    from aiosmtpd.smtp import SMTP
except ImportError:
    sys.exit("smtp-sink: the aiosmtpd module is missing: apt-get install python3-aiosmtpd, and run this with /usr/bin/python3")


class Sink:
    def __init__(self, directory, reject, defer):
        self.directory = directory
        self.reject = {d.lower() for d in reject}
        self.defer = {d.lower() for d in defer}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        domain = address.rpartition("@")[2].lower()
        if domain in self.reject:
            return "550 5.1.1 Mailbox unavailable (smtp-sink --reject-domain)"
        if domain in self.defer:
            return "451 4.3.0 Try again later (smtp-sink --defer-domain)"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
        name = f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        headers = f"X-Envelope-From: {envelope.mail_from}\r\nX-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n".encode()
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8")
        temporary = os.path.join(self.directory, "." + name + ".tmp")
        with open(temporary, "wb") as f:
            f.write(headers + content)
        os.rename(temporary, os.path.join(self.directory, name))
        return "250 Message accepted for delivery"


def main():
    parser = argparse.ArgumentParser(description="Local SMTP sink: stores every message as a file.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=2525)
    parser.add_argument("--dir", required=True, help="folder the messages are stored in (created if missing)")
    parser.add_argument("--reject-domain", action="append", default=[])
    parser.add_argument("--defer-domain", action="append", default=[])
    args = parser.parse_args()

    os.makedirs(args.dir, exist_ok=True)
    sink = Sink(args.dir, args.reject_domain, args.defer_domain)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(loop.create_server(lambda: SMTP(sink), host=args.host, port=args.port, reuse_address=True))
    host, port = server.sockets[0].getsockname()[:2]
    print(f"smtp-sink: listening on {host}:{port}, storing messages in {os.path.abspath(args.dir)}", flush=True)

    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        loop.run_until_complete(stop.wait())
    finally:
        server.close()
        loop.run_until_complete(server.wait_closed())

if __name__ == "__main__":
    main()
