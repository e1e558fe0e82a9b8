"""A real SMTP server for the mail tests (Debian's python3-aiosmtpd).

usage: smtp_sink.py PORT DIR [starttls|tls CERT KEY]
Listens on 127.0.0.1:PORT; each message received is written to DIR/<n>.json with the
envelope, whether it came over TLS, and the parsed message (decoded subject, text and HTML
parts, headers). With `starttls CERT KEY` it offers STARTTLS and refuses mail without it;
with `tls CERT KEY` it speaks TLS from the first byte (smtps). Prints "ready" once
listening; stops on SIGTERM.
"""
import json
import os
import signal
import ssl
import sys
import threading
from email import policy
from email.parser import BytesParser

from aiosmtpd.controller import Controller

port, out = int(sys.argv[1]), sys.argv[2]
lock = threading.Lock()
count = [0]


class Sink:
    async def handle_DATA(self, server, session, envelope):
        msg = BytesParser(policy=policy.default).parsebytes(envelope.original_content or envelope.content)
        text = msg.get_body(preferencelist=('plain',))
        html = msg.get_body(preferencelist=('html',))
        raw = (envelope.original_content or envelope.content).decode('utf-8', 'replace')
        rec = {
            'mail_from': envelope.mail_from,
            # STARTTLS sets session.ssl; TLS from the start shows on the transport
            'tls': session.ssl is not None or server.transport.get_extra_info('sslcontext') is not None,
            'rcpt_tos': envelope.rcpt_tos,
            'subject': str(msg['subject']),
            'raw_subject': next((l for l in raw.split('\r\n') if l.startswith('Subject:')), ''),
            'message_id': str(msg['message-id']),
            'date': str(msg['date']),
            'from': str(msg['from']),
            'to': str(msg['to']),
            'content_type': msg.get_content_type(),
            'text': text.get_content() if text else None,
            'html': html.get_content() if html else None,
        }
        with lock:
            count[0] += 1
            n = count[0]
        path = os.path.join(out, f'{os.getpid()}-{n:04d}.json')
        with open(path + '.tmp', 'w', encoding='utf-8') as f:
            json.dump(rec, f, ensure_ascii=False)
        os.rename(path + '.tmp', path)
        return '250 Message accepted for delivery'


mode = sys.argv[3] if len(sys.argv) > 3 else None
kwargs = {}
if mode in ('starttls', 'tls'):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(sys.argv[4], sys.argv[5])
    if mode == 'starttls':
        kwargs = {'tls_context': ctx, 'require_starttls': True}
    else:
        kwargs = {'ssl_context': ctx}
elif mode is not None:
    sys.exit(f'unknown mode {mode}')
controller = Controller(Sink(), hostname='127.0.0.1', port=port, **kwargs)
controller.start()
print('ready', flush=True)
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
signal.signal(signal.SIGINT, lambda *_: stop.set())
stop.wait()
controller.stop()
