"""Compare what dbt and mozt built for one project of scripts/dbt-compat.sh, or write the report.

    dbt_compat_compare.py NAME WORK SOURCE SUBDIR   # WORK/{dbt,mozt}: writes WORK/diff.json
    dbt_compat_compare.py --report ROOT             # every ROOT/<name>/diff.json: writes ROOT/report.md

Relations: both tools write a file of the same name (warehouse.duckdb), so the database name a
model writes into its rows (Fivetran's source_relation, `target.database ~ '.' ~ schema`) is the
same in both. Each file in turn is attached read-only to one DuckDB (this Python's) under that
name, so views that name their catalog resolve, and every table and view is copied into an
in-memory catalog named for the tool. Every relation of either is compared: present in both, the
same column names in the same order with the same types, and the same rows (EXCEPT ALL both
ways, so duplicates count). Results: every unique_id in the run_results.json of seed, run and test of
each tool, with its status.
"""

import json
import sys
from pathlib import Path

import duckdb

SAMPLE = 3


def relations(con, catalog):
    rows = con.execute(
        "select table_schema, table_name, table_type from information_schema.tables "
        "where table_catalog = ? order by 1, 2",
        [catalog],
    ).fetchall()
    return {f"{s}.{n}": ("view" if "VIEW" in t else "table") for s, n, t in rows}


def columns(con, catalog, rel):
    schema, name = rel.split(".", 1)
    return con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_catalog = ? and table_schema = ? and table_name = ? order by ordinal_position",
        [catalog, schema, name],
    ).fetchall()


def quote(name):
    return '"' + name.replace('"', '""') + '"'


def qualified(catalog, rel):
    schema, name = rel.split(".", 1)
    return f"{quote(catalog)}.{quote(schema)}.{quote(name)}"


def row_diff(con, rel, cols, cast):
    sel = ", ".join(f"{quote(c)}::varchar" if cast else quote(c) for c in cols)
    out = {}
    for a, b in (("dbt", "mozt"), ("mozt", "dbt")):
        q = f"select {sel} from {qualified(a, rel)} except all select {sel} from {qualified(b, rel)}"
        n = con.execute(f"select count(*) from ({q})").fetchone()[0]
        if n:
            sample = con.execute(f"{q} limit {SAMPLE}").fetchall()
            out[f"only_{a}"] = {"rows": n, "sample": [[str(v) for v in r] for r in sample]}
    return out


def compare_relation(con, rel):
    d_cols, m_cols = columns(con, "dbt", rel), columns(con, "mozt", rel)
    result = {}
    if d_cols != m_cols:
        result["columns"] = {"dbt": d_cols, "mozt": m_cols}
    d_names = {c.lower() for c, _ in d_cols}
    common = [c for c, _ in m_cols if c.lower() in d_names]
    if not common:
        return result
    try:
        rows = row_diff(con, rel, common, cast=d_cols != m_cols)
    except duckdb.Error as e:
        try:
            rows = row_diff(con, rel, common, cast=True)
        except duckdb.Error:
            result["error"] = str(e).splitlines()[0]
            return result
    if rows:
        result["rows"] = rows
    return result


# The catalog name both profiles give the database (the file's stem), as dbt-duckdb names it.
CATALOG = "warehouse"


def copy_relations(con, db, tool):
    """Every table and view of the database file db, copied into the in-memory catalog tool.
    Returns {relation: kind} and {relation: error} for the views that cannot be read."""
    con.execute(f"attach ':memory:' as {tool}")
    if not db.exists():
        return {}, {}
    con.execute(f"attach '{db}' as {CATALOG} (read_only)")
    kinds, errors = relations(con, CATALOG), {}
    for rel in kinds:
        con.execute(f"create schema if not exists {quote(tool)}.{quote(rel.split('.', 1)[0])}")
        try:
            con.execute(f"create table {qualified(tool, rel)} as select * from {qualified(CATALOG, rel)}")
        except duckdb.Error as e:
            errors[rel] = str(e).splitlines()[0]
    con.execute(f"detach {CATALOG}")
    return kinds, errors


def compare_relations(work):
    con = duckdb.connect()
    d, d_err = copy_relations(con, work / "dbt" / f"{CATALOG}.duckdb", "dbt")
    m, m_err = copy_relations(con, work / "mozt" / f"{CATALOG}.duckdb", "mozt")
    out = {}
    for rel in sorted(set(d) | set(m)):
        if rel not in m:
            out[rel] = {"missing": "mozt"}
        elif rel not in d:
            out[rel] = {"missing": "dbt"}
        elif rel in d_err or rel in m_err:
            out[rel] = {"error": d_err.get(rel) or m_err.get(rel)}
        else:
            out[rel] = compare_relation(con, rel)
            if d[rel] != m[rel]:
                out[rel]["kind"] = {"dbt": d[rel], "mozt": m[rel]}
    return out


def results(copy):
    statuses = {}
    for step in ("seed", "run", "test"):
        path = copy / "compat" / f"run_results_{step}.json"
        if not path.exists():
            continue
        for r in json.loads(path.read_text()).get("results", []):
            msg = (r.get("message") or "").strip().splitlines()
            statuses[r["unique_id"]] = {"status": r["status"], "message": msg[0][:300] if msg else ""}
    return statuses


def compare(name, work, source, subdir):
    work = Path(work)
    d, m = results(work / "dbt"), results(work / "mozt")
    res = {}
    for uid in sorted(set(d) | set(m)):
        res[uid] = {"dbt": d.get(uid), "mozt": m.get(uid)}
    rels = compare_relations(work)
    diff = {"name": name, "source": source, "subdir": subdir, "relations": rels, "results": res}
    (work / "diff.json").write_text(json.dumps(diff, indent=1))
    print(summary_line(diff))


def status(r):
    return r["status"] if r else "absent"


def counts(diff):
    rels = diff["relations"]
    equal = sum(1 for v in rels.values() if not v)
    res = diff["results"]
    tests = {k: v for k, v in res.items() if k.startswith("test.")}
    t_equal = sum(1 for v in tests.values() if status(v["dbt"]) == status(v["mozt"]))
    others = {k: v for k, v in res.items() if not k.startswith("test.")}
    o_equal = sum(1 for v in others.values() if status(v["dbt"]) == status(v["mozt"]))
    dbt_pass = sum(1 for v in tests.values() if status(v["dbt"]) == "pass")
    both_pass = sum(1 for v in tests.values() if status(v["dbt"]) == "pass" == status(v["mozt"]))
    return {
        "relations": (equal, len(rels)),
        "tests": (t_equal, len(tests)),
        "nodes": (o_equal, len(others)),
        "dbt_pass": (both_pass, dbt_pass),
    }


def summary_line(diff):
    c = counts(diff)
    return (
        f"   {diff['name']}: relations equal {c['relations'][0]}/{c['relations'][1]}, "
        f"seed/model results equal {c['nodes'][0]}/{c['nodes'][1]}, "
        f"test results equal {c['tests'][0]}/{c['tests'][1]}, "
        f"tests dbt passes that mozt passes {c['dbt_pass'][0]}/{c['dbt_pass'][1]}"
    )


def describe_relation(rel, v):
    if "missing" in v:
        return f"`{rel}`: not built by {v['missing']}"
    parts = []
    if "kind" in v:
        parts.append(f"a {v['kind']['dbt']} in dbt, a {v['kind']['mozt']} in mozt")
    if "columns" in v:
        d, m = dict(v["columns"]["dbt"]), dict(v["columns"]["mozt"])
        diffs = [f"{c} {d.get(c, '-')} / {m.get(c, '-')}" for c in dict.fromkeys([*d, *m]) if d.get(c) != m.get(c)]
        if diffs:
            parts.append("columns (dbt / mozt): " + ", ".join(diffs))
        else:
            parts.append("column order differs")
    if "rows" in v:
        parts.append(", ".join(f"{x['rows']} rows {k.replace('_', ' in ')}" for k, x in v["rows"].items()))
    if "error" in v:
        parts.append(f"rows not compared: {v['error']}")
    return f"`{rel}`: " + "; ".join(parts)


def report(root):
    root = Path(root)
    names = sorted(p.parent.name for p in root.glob("*/diff.json"))
    lines = [
        "| project | relations equal | seed/model results equal | test results equal | tests dbt passes, mozt too |",
        "|---|---|---|---|---|",
    ]
    details = []
    for name in names:
        path = root / name / "diff.json"
        if not path.exists():
            continue
        diff = json.loads(path.read_text())
        c = counts(diff)
        lines.append(
            f"| {name} ({diff['source']}, {diff['subdir']}) | {c['relations'][0]}/{c['relations'][1]} "
            f"| {c['nodes'][0]}/{c['nodes'][1]} | {c['tests'][0]}/{c['tests'][1]} | {c['dbt_pass'][0]}/{c['dbt_pass'][1]} |"
        )
        details.append(f"\n### {name}\n")
        for rel, v in diff["relations"].items():
            if v:
                details.append(f"- {describe_relation(rel, v)}")
        for uid, v in diff["results"].items():
            if status(v["dbt"]) != status(v["mozt"]):
                msg = (v["mozt"] or {}).get("message") or (v["dbt"] or {}).get("message") or ""
                details.append(f"- `{uid}`: dbt {status(v['dbt'])}, mozt {status(v['mozt'])}: {msg[:200]}")
    text = "\n".join(lines + details) + "\n"
    (root / "report.md").write_text(text)
    print(text)


if __name__ == "__main__":
    if sys.argv[1] == "--report":
        report(sys.argv[2])
    else:
        compare(*sys.argv[1:5])
