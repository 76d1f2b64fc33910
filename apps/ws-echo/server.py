"""ws-echo: a websocket echo server on $PORT (RFC 6455, stdlib only).

GET /            200 "ws-echo <hostname>" (plain HTTP, for health checks)
GET /ws          websocket: first sends "hello from <hostname>", then echoes
                 every text or binary message; answers pings; closes on close.
"""
import base64
import hashlib
import os
import socket
import struct
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
HOST = socket.gethostname()


def read_exact(f, n):
    data = b""
    while len(data) < n:
        chunk = f.read(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def read_frame(f):
    b1, b2 = read_exact(f, 2)
    opcode, masked, length = b1 & 0x0F, b2 & 0x80, b2 & 0x7F
    if length == 126:
        (length,) = struct.unpack(">H", read_exact(f, 2))
    elif length == 127:
        (length,) = struct.unpack(">Q", read_exact(f, 8))
    mask = read_exact(f, 4) if masked else b"\0\0\0\0"
    payload = bytearray(read_exact(f, length))
    for i in range(length):
        payload[i] ^= mask[i % 4]
    return opcode, bytes(payload)


def frame(opcode, payload):
    n = len(payload)
    if n < 126:
        head = struct.pack(">BB", 0x80 | opcode, n)
    elif n < 65536:
        head = struct.pack(">BBH", 0x80 | opcode, 126, n)
    else:
        head = struct.pack(">BBQ", 0x80 | opcode, 127, n)
    return head + payload


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if self.headers.get("Upgrade", "").lower() == "websocket":
            return self.websocket()
        body = f"ws-echo {HOST}\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def websocket(self):
        key = self.headers.get("Sec-WebSocket-Key", "")
        accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.end_headers()
        self.wfile.write(frame(0x1, f"hello from {HOST}".encode()))
        self.wfile.flush()
        try:
            while True:
                opcode, payload = read_frame(self.rfile)
                if opcode == 0x8:
                    self.wfile.write(frame(0x8, payload[:2]))
                    break
                if opcode == 0x9:
                    self.wfile.write(frame(0xA, payload))
                elif opcode in (0x1, 0x2):
                    self.wfile.write(frame(opcode, payload))
                self.wfile.flush()
        except (EOFError, ConnectionError):
            pass
        self.close_connection = True

    def log_message(self, fmt, *args):
        print("%s %s" % (self.address_string(), fmt % args), flush=True)


port = int(os.environ.get("PORT", "5000"))
print(f"ws-echo listening on {port}", flush=True)
ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer(("0.0.0.0", port), Handler).serve_forever()
