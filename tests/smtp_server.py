"""The tests' SMTP server: aiosmtpd on 127.0.0.1, saving each message.

Usage: smtp_server.py PORT FOLDER MAX_SECONDS [CERT KEY]

With CERT and KEY (PEM files) it speaks implicit TLS (smtps) with them.

For every message it writes NAME.eml (the bytes as received) and NAME.json
(envelope, decoded subject, text and HTML parts, attachments). It prints
"ready" once listening, and stops when its stdin closes or MAX_SECONDS pass.
"""

import asyncio
import email
import ssl
import email.policy
import json
import os
import sys
import threading
import time

from aiosmtpd.controller import Controller


class Saver:
    def __init__(self, folder):
        self.folder = folder
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        name = os.path.join(self.folder, "%d-%04d" % (time.time_ns(), self.count))
        raw = envelope.original_content or envelope.content
        with open(name + ".eml", "wb") as f:
            f.write(raw)
        message = email.message_from_bytes(raw, policy=email.policy.default)
        text = message.get_body(preferencelist=("plain",))
        html = message.get_body(preferencelist=("html",))
        attachments = []
        for part in message.iter_attachments():
            payload = part.get_payload(decode=True) or b""
            attachments.append({
                "filename": part.get_filename(),
                "content_type": part.get_content_type(),
                "size": len(payload),
                "png": payload.startswith(b"\x89PNG\r\n\x1a\n"),
            })
        summary = {
            "mail_from": envelope.mail_from,
            "rcpt_to": envelope.rcpt_tos,
            "message_id": message["Message-ID"],
            "subject": str(message["Subject"]),
            "to": str(message["To"]),
            "text": text.get_content().replace("\r\n", "\n") if text else None,
            "html": html.get_content().replace("\r\n", "\n") if html else None,
            "attachments": attachments,
        }
        with open(name + ".json.tmp", "w") as f:
            json.dump(summary, f, ensure_ascii=False)
        os.rename(name + ".json.tmp", name + ".json")
        return "250 OK"


def main():
    port, folder, limit = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
    context = None
    if len(sys.argv) > 5:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(sys.argv[4], sys.argv[5])
    controller = Controller(Saver(folder), hostname="127.0.0.1", port=port, ssl_context=context)
    controller.start()
    print("ready", flush=True)
    done = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
    done.wait(limit)
    controller.stop()


if __name__ == "__main__":
    main()
