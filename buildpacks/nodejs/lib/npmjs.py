#!/usr/bin/env python3
"""Usage: npmjs.py COMMAND ARGS...

Helpers for bin/compile that need JSON or semver, run with Debian's python3
(the build stack has no Node.js until this buildpack installs it):

  inspect PACKAGE_JSON               print shell assignments: node_range, npm_range,
                                     pkg_scripts (" name name "), pkg_dev_deps (0/1)
  deps-key PACKAGE_JSON LOCKFILE EXTRA...   cache key of an installed node_modules
  resolve-node PACKUMENT RANGE       print "VERSION INTEGRITY TARBALL" (RANGE "" = current LTS)
  resolve-tool PACKUMENT RANGE NODE  same for npm or corepack; "" = newest that supports NODE
  verify FILE INTEGRITY              exit 0 if FILE matches the sha512/sha1 integrity
"""
import base64
import datetime
import hashlib
import json
import re
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


# --- semver: the subset of node-semver ranges that engines fields use ---

VERSION = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")
PARTIAL = re.compile(r"^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
INF = 1 << 30


def parse_version(text):
    m = VERSION.match(text.strip())
    if not m:
        return None
    return (int(m[1]), int(m[2]), int(m[3])), m[4]


def parse_partial(text):
    """'1.2' -> [1, 2, None]; 'x' -> [None, None, None]."""
    m = PARTIAL.match(text)
    if not m:
        raise ValueError(f"invalid version {text!r}")
    return [None if g is None or g in "xX*" else int(g) for g in m.groups()]


def bump(parts, index):
    out = [p or 0 for p in parts[:index]] + [0] * (3 - index)
    out[index - 1] += 1
    return tuple(out)


def comparators(term):
    """One range term ('^1.2', '>=3', '1.x') -> [(op, (maj, min, pat))]."""
    m = re.match(r"^(<=|>=|<|>|=|\^|~>?)?\s*(.*)$", term)
    op, rest = m[1] or "", m[2]
    p = parse_partial(rest) if rest else [None, None, None]
    known = next((i for i, v in enumerate(p) if v is None), 3)  # leading numbers
    low = tuple(v or 0 for v in p)
    if op in ("", "="):
        if known == 3:
            return [("=", low)]
        return [(">=", low)] + ([("<", bump(p, known))] if known else [])
    if op.startswith("~"):
        return [(">=", low)] + ([("<", bump(p, min(max(known, 1), 2)))] if known else [])
    if op == "^":
        if known == 0:
            return [(">=", low)]
        first = next((i for i, v in enumerate(p[:known]) if v), known - 1)
        return [(">=", low), ("<", bump(p, first + 1))]
    if known == 0:
        return [(">=", (0, 0, 0))] if op in (">=", "<=") else [("<", (0, 0, 0))]
    if op == ">":
        return [(">", low)] if known == 3 else [(">=", bump(p, known))]
    if op == "<=":
        return [("<=", low)] if known == 3 else [("<", bump(p, known))]
    return [(op, low)]


def parse_range(text):
    """A node-semver range -> list of alternatives, each a list of comparators."""
    alts = []
    for alt in (text or "*").split("||"):
        alt = alt.strip()
        hy = re.match(r"^(\S+)\s+-\s+(\S+)$", alt)
        if hy:
            hi = parse_partial(hy[2])
            known = next((i for i, v in enumerate(hi) if v is None), 3)
            upper = [("<=", tuple(hi))] if known == 3 else ([("<", bump(hi, known))] if known else [])
            alts.append(comparators(">=" + hy[1]) + upper)
            continue
        alt = re.sub(r"(<=|>=|<|>|=|\^|~>?)\s+", r"\1", alt)
        terms = alt.split() or ["*"]
        alts.append([c for t in terms for c in comparators(t)])
    return alts


def satisfies(version, alts):
    v, pre = version
    if pre:  # prereleases only match an exact pin
        return any(len(a) == 1 and a[0] == ("=", v) for a in alts)
    ops = {"=": v.__eq__, ">": v.__gt__, ">=": v.__ge__, "<": v.__lt__, "<=": v.__le__}
    return any(all(ops[op](bound) for op, bound in alt) for alt in alts)


def max_satisfying(versions, range_text):
    alts = parse_range(range_text)
    best = None
    for text in versions:
        parsed = parse_version(text)
        if parsed and satisfies(parsed, alts) and (best is None or parsed[0] > best[1][0]):
            best = (text, parsed)
    return best[0] if best else None


def current_lts_major(majors, today=None):
    """Node's schedule: even major N is released in April of 2013 + N/2 and
    becomes LTS that October. The newest such line the registry has wins."""
    today = today or datetime.date.today()
    lts = [m for m in majors if m % 2 == 0 and datetime.date(2013 + m // 2, 10, 1) <= today]
    return max(lts) if lts else max(majors)


def dist_line(doc, version):
    dist = doc["versions"][version].get("dist", {})
    integrity = dist.get("integrity") or ("sha1-" + base64.b64encode(bytes.fromhex(dist["shasum"])).decode())
    return f"{version} {integrity} {dist['tarball']}"


def resolve_node(packument, range_text):
    doc = load(packument)
    versions = list(doc.get("versions", {}))
    if not range_text:
        majors = {parse_version(v)[0][0] for v in versions if parse_version(v)}
        range_text = f"{current_lts_major(majors)}.x"
    return doc, max_satisfying(versions, range_text), range_text


def resolve_tool(packument, range_text, node_version):
    doc = load(packument)
    node = parse_version(node_version)
    latest = parse_version(doc.get("dist-tags", {}).get("latest", "0.0.0"))
    ordered = sorted((parse_version(v)[0], v) for v in doc["versions"] if parse_version(v))
    for key, version in reversed(ordered):
        if range_text:
            if max_satisfying([version], range_text):
                return doc, version
            continue
        engines = (doc["versions"][version].get("engines") or {}).get("node")
        if key <= latest[0] and not parse_version(version)[1] and (not engines or satisfies(node, parse_range(engines))):
            return doc, version
    return doc, None


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
    elif cmd == "resolve-node":
        doc, version, used = resolve_node(args[0], args[1])
        if not version:
            print(f"no Node.js version matches {used!r}", file=sys.stderr)
            return 1
        print(dist_line(doc, version))
    elif cmd == "resolve-tool":
        doc, version = resolve_tool(args[0], args[1], args[2])
        if not version:
            print(f"no version matches {args[1] or 'Node.js ' + args[2]!r}", file=sys.stderr)
            return 1
        print(dist_line(doc, version))
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
