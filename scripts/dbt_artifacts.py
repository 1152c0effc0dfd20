"""Check mozt's artifacts against dbt's published schemas with dbt-artifacts-parser.

    python dbt_artifacts.py TARGET_DIR [FILE ...]

FILE is manifest.json, run_results.json, sources.json or catalog.json (default: all four).
Each file is parsed by the parser its `metadata.dbt_schema_version` names, which must be the
version mozt writes (manifest v12, run_results v6, sources v3, catalog v1). Prints one line per
file; on a file that does not parse, the fields the schema rejects, and exits 1.
"""

import json
import sys
from pathlib import Path

from dbt_artifacts_parser import parser
from pydantic import ValidationError

EXPECTED = {
    "manifest.json": (parser.parse_manifest, "ManifestV12"),
    "run_results.json": (parser.parse_run_results, "RunResultsV6"),
    "sources.json": (parser.parse_sources, "SourcesV3"),
    "catalog.json": (parser.parse_catalog, "CatalogV1"),
}
MAX_ERRORS = 20


def relevant(errors: list) -> list:
    """A node is tried against each kind of node in the schema (model, seed, test, ...): keep
    only the errors of the kinds whose resource_type it has."""
    wrong_kind = {
        tuple(err["loc"][:-1]) for err in errors if err["loc"] and err["loc"][-1] == "resource_type"
    }
    return [
        err
        for err in errors
        if not any(tuple(err["loc"][: len(k)]) == k for k in wrong_kind)
    ]


def check(path: Path) -> bool:
    parse, expected = EXPECTED[path.name]
    doc = json.loads(path.read_text())
    try:
        parsed = parse(doc)
    except ValidationError as e:
        errors = relevant(e.errors())
        print(f"{path.name}: does not parse as {expected} ({len(errors)} errors)")
        for err in errors[:MAX_ERRORS]:
            where = ".".join(str(p) for p in err["loc"])
            print(f"  {where}: {err['msg']}")
        return False
    except ValueError as e:
        print(f"{path.name}: {e}")
        return False
    got = type(parsed).__name__
    if got != expected:
        print(f"{path.name}: parsed as {got}, expected {expected}")
        return False
    print(f"{path.name}: {got} ok")
    return True


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    target = Path(sys.argv[1])
    names = sys.argv[2:] or list(EXPECTED)
    unknown = [n for n in names if n not in EXPECTED]
    if unknown:
        print(f"unknown artifacts: {', '.join(unknown)}", file=sys.stderr)
        return 2
    ok = True
    for name in names:
        path = target / name
        if not path.is_file():
            print(f"{name}: missing from {target}")
            ok = False
            continue
        ok = check(path) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
