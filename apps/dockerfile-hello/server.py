"""dockerfile-hello: answers GET / with message.txt, on $PORT."""
import json
import os
import socket
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MESSAGE = open(os.path.join(os.path.dirname(__file__), "message.txt")).read()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if self.path == "/headers":
            body = json.dumps(dict(self.headers)).encode()
            ctype = "application/json"
        elif self.path.startswith("/env/"):
            body = os.environ.get(self.path[len("/env/"):], "").encode()
            ctype = "text/plain; charset=utf-8"
        elif self.path.startswith("/slow"):
            # /slow?ms=N answers after N milliseconds (router timeout and drain tests).
            ms = int(self.path.partition("ms=")[2] or "1000")
            time.sleep(ms / 1000)
            body = f"slept {ms} ms\n".encode()
            ctype = "text/plain; charset=utf-8"
        elif self.path == "/whoami":
            body = json.dumps({"hostname": socket.gethostname(), "release": os.environ.get("BERTH_RELEASE")}).encode()
            ctype = "application/json"
        else:
            body = MESSAGE.encode()
            ctype = "text/plain; charset=utf-8"
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        print("%s %s" % (self.address_string(), fmt % args), flush=True)


port = int(os.environ.get("PORT", "5000"))
print(f"listening on {port}", flush=True)
ThreadingHTTPServer(("0.0.0.0", port), Handler).serve_forever()
