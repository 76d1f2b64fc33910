#!/usr/bin/env python3
"""Usage: npmjs.py COMMAND ARGS...

Helpers for bin/compile that need JSON or hashes, run with Debian's python3
(semver ranges are resolved by lib/resolve.cjs, with node's semver package):

  inspect PACKAGE_JSON               print shell assignments: node_range, npm_range,
                                     pkg_scripts (" name name "), pkg_dev_deps (0/1),
                                     pkg_dev_names (" name name "),
                                     pkg_manager (packageManager)
  deps-key PACKAGE_JSON LOCKFILE EXTRA...   cache key of an installed node_modules
  verify FILE INTEGRITY              exit 0 if FILE matches the sha512/sha1 integrity
"""
import base64
import hashlib
import json
import shlex
import sys


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def field(doc, dotted):
    for part in dotted.split("."):
        if not isinstance(doc, dict) or part not in doc:
            return None
        doc = doc[part]
    return doc


def verify(path, integrity):
    algo, _, want = integrity.partition("-")
    h = hashlib.new(algo)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return base64.b64encode(h.digest()).decode() == want


def main(argv):
    cmd, args = argv[1], argv[2:]
    if cmd == "inspect":
        pkg = load(args[0])
        if not isinstance(pkg, dict):
            raise ValueError("package.json must hold a JSON object")
        text = lambda v: v if isinstance(v, str) else ""
        scripts = [k for k, v in (pkg.get("scripts") or {}).items() if v]
        print(f"node_range={shlex.quote(text(field(pkg, 'engines.node')))}")
        print(f"npm_range={shlex.quote(text(field(pkg, 'engines.npm')))}")
        print(f"pkg_scripts={shlex.quote(' ' + ' '.join(scripts) + ' ')}")
        print(f"pkg_dev_deps={1 if pkg.get('devDependencies') else 0}")
        dev = pkg.get("devDependencies")
        print(f"pkg_dev_names={shlex.quote(' ' + ' '.join(dev if isinstance(dev, dict) else []) + ' ')}")
        print(f"pkg_manager={shlex.quote(text(pkg.get('packageManager')))}")
    elif cmd == "deps-key":
        pkg = load(args[0])
        h = hashlib.sha256()
        # Only what shapes node_modules: a change to `scripts` keeps the cache.
        for name in ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies", "packageManager",
                     "overrides", "resolutions", "workspaces", "bundleDependencies"):
            h.update(json.dumps([name, pkg.get(name)], sort_keys=True).encode())
        with open(args[1], "rb") as f:
            h.update(f.read())
        for extra in args[2:]:
            h.update(b"\0" + extra.encode())
        print(h.hexdigest())
    elif cmd == "verify":
        return 0 if verify(args[0], args[1]) else 1
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (ValueError, KeyError, OSError, json.JSONDecodeError) as err:
        print(f"npmjs.py {' '.join(sys.argv[1:2])}: {err}", file=sys.stderr)
        sys.exit(1)
