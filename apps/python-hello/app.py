"""python-hello: answers GET / with a greeting and the Python version, on $PORT."""
import os
import platform
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if self.path == "/venv":
            body = (sys.prefix + "\n").encode()
        else:
            body = f"Hello from Python {platform.python_version()} on Berth!\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        print("%s %s" % (self.address_string(), fmt % args), flush=True)


port = int(os.environ.get("PORT", "5000"))
print(f"python-hello listening on {port}", flush=True)
ThreadingHTTPServer(("0.0.0.0", port), Handler).serve_forever()
