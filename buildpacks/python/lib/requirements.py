#!/usr/bin/env python3
"""Usage: requirements.py BUILD_DIR OUT_FILE

Writes the app's requirements, in pip's requirements format, to OUT_FILE and
prints where they came from: requirements.txt as it is, else the
[project].dependencies of pyproject.toml, else the [packages] of Pipfile.
"""
import sys
import tomllib
from pathlib import Path


def pipfile_spec(name, spec):
    if isinstance(spec, str):
        return name if spec in ("", "*") else f"{name}{spec}"
    version = spec.get("version", "")
    extras = f"[{','.join(spec['extras'])}]" if spec.get("extras") else ""
    return f"{name}{extras}{'' if version in ('', '*') else version}"


def main(build, out):
    root = Path(build)
    if (root / "requirements.txt").is_file():
        text, source = (root / "requirements.txt").read_text(), "requirements.txt"
    elif (root / "pyproject.toml").is_file():
        doc = tomllib.loads((root / "pyproject.toml").read_text())
        text = "\n".join(doc.get("project", {}).get("dependencies", [])) + "\n"
        source = "pyproject.toml [project].dependencies"
    else:
        doc = tomllib.loads((root / "Pipfile").read_text())
        text = "\n".join(pipfile_spec(n, s) for n, s in doc.get("packages", {}).items()) + "\n"
        source = "Pipfile [packages]"
    Path(out).write_text(text)
    print(source)


if __name__ == "__main__":
    try:
        main(*sys.argv[1:3])
    except (OSError, tomllib.TOMLDecodeError, TypeError, AttributeError) as err:
        print(f"could not read the requirements: {err}", file=sys.stderr)
        sys.exit(1)
