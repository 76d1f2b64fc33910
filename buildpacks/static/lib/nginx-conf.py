#!/usr/bin/env python3
"""Usage: nginx-conf.py BUILD_DIR OUT_FILE

Writes nginx.conf for the site from static.json (all keys optional):
  root        directory to serve, relative to the app (default ".")
  clean_urls  true: /about serves about.html
  error_page  file served with 404s (default 404.html when it exists)
  routes      {"/**": "index.html"} sends unknown paths to one file (SPAs)
The listen port is left as __PORT__ for the start script to fill in.
"""
import json
import sys
from pathlib import Path

TEMPLATE = """# Written by the static buildpack from static.json.
daemon off;
worker_processes auto;
pid /tmp/nginx/nginx.pid;
error_log stderr warn;
events {{ worker_connections 1024; }}
http {{
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log /dev/stdout;
  sendfile on;
  tcp_nopush on;
  server_tokens off;
  keepalive_timeout 65;
  client_body_temp_path /tmp/nginx/body;
  proxy_temp_path /tmp/nginx/proxy;
  fastcgi_temp_path /tmp/nginx/fastcgi;
  uwsgi_temp_path /tmp/nginx/uwsgi;
  scgi_temp_path /tmp/nginx/scgi;
  gzip on;
  gzip_vary on;
  gzip_proxied any;
  gzip_comp_level 5;
  gzip_min_length 256;
  gzip_types text/plain text/css text/xml text/javascript application/javascript application/json
             application/xml application/rss+xml image/svg+xml application/wasm font/ttf font/otf;
  server {{
    listen __PORT__ default_server;
    root {root};
    index index.html index.htm;
    # Never serve the app's own machinery: .heroku, .profile.d, .git...
    location ~ /\\. {{ return 404; }}
    location / {{
      try_files {try_files};
    }}
{error_page}  }}
}}
"""


def main(build, out):
    app = Path(build)
    cfg = {}
    if (app / "static.json").is_file():
        cfg = json.loads((app / "static.json").read_text())
        if not isinstance(cfg, dict):
            raise ValueError("static.json must hold a JSON object")
    root_rel = str(cfg.get("root", ".")).strip("/") or "."
    root = (app / root_rel).resolve()
    if not str(root).startswith(str(app.resolve())) or not root.is_dir():
        raise ValueError(f'static.json "root" is {root_rel!r}, which is not a directory of the app')
    served = "/app" if root_rel == "." else f"/app/{root_rel}"
    fallback = (cfg.get("routes") or {}).get("/**")
    tries = ["$uri", "$uri.html" if cfg.get("clean_urls") else None, "$uri/", f"/{fallback}" if fallback else "=404"]
    page = cfg.get("error_page") or ("404.html" if (root / "404.html").is_file() else None)
    error_page = f"    error_page 404 /{page.lstrip('/')};\n" if page else ""
    conf = TEMPLATE.format(root=served, try_files=" ".join(t for t in tries if t), error_page=error_page)
    Path(out).write_text(conf)
    print(served)


if __name__ == "__main__":
    try:
        main(*sys.argv[1:3])
    except (ValueError, OSError, json.JSONDecodeError, AttributeError) as err:
        print(f"static.json: {err}", file=sys.stderr)
        sys.exit(1)
