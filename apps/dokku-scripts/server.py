"""dokku-scripts: GET / says what predeploy left in the image; /files lists markers."""
import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def read(name):
    try:
        with open(os.path.join("/app", name)) as f:
            return f.read().strip()
    except FileNotFoundError:
        return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if self.path == "/files":
            body = json.dumps({n: read(n) for n in ("predeploy.test", "postdeploy.test")}).encode()
        else:
            body = f"dokku-scripts: predeploy said {read('predeploy.test')}\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        pass


ThreadingHTTPServer(("0.0.0.0", int(os.environ.get("PORT", "5000"))), Handler).serve_forever()
