#!/usr/bin/env python3
"""Write a synthetic project of N models that runs unchanged in mozt and in dbt (dbt-duckdb).

    python3 benches/gen.py --models 1000 --out /tmp/bench_1000

The project is a layered DAG: seeds loaded as `raw` sources, then staging views (one source
each), intermediate models in several levels and marts in two levels. Every non-staging model refs
1-4 upstream models, at least one from the level just below, so the DAG is as deep as it has
levels and as wide as each level. The Jinja uses ref, source, config, var, a macro call and an if
block; schema YAML puts tests on some columns. Data is tiny (10 rows per seed), so a run measures
the tool's overhead, not the warehouse's work.

Files written (both tools read the same models, macros and seeds):
    dbt_project.yml, profiles.yml     both tools: profile `bench`, output `dev` for dbt
                                      (dbt-duckdb; artifacts in dbt_target/), output `mozt` for
                                      mozt (`--target mozt` or MOZT_TARGET=mozt)
    project.yml                       mozt's own layout (not with --layout dbt): mozt reads it
                                      instead of dbt_project.yml
    macros/*.sql, seeds/raw/*.csv, models/{staging,intermediate,marts}/gNNN/*.sql + _models.yml

mozt builds into bench_mozt.duckdb and dbt into bench_dbt.duckdb, both in the project folder.
Only the Python 3 standard library is used; the output is the same for the same arguments.
"""

import argparse
import os
import random
import shutil
import sys

PROJECT = "bench"
GROUP_SIZE = 100  # models per folder (and per schema YAML file)
SEED_ROWS = 10
CATEGORIES = ["a", "b", "c", "d"]
INTERMEDIATE_LEVELS = 6
VARS = {"min_val": 0, "apply_filter": True, "scale": 1}


def layer_sizes(n):
    """How many models go into staging, each intermediate level and each mart level."""
    staging = max(1, n * 15 // 100)
    marts_total = max(2, n * 25 // 100) if n >= 4 else 0
    inter_total = max(0, n - staging - marts_total)
    levels = min(INTERMEDIATE_LEVELS, inter_total) or 0
    inter = [inter_total // levels + (1 if i < inter_total % levels else 0) for i in range(levels)] if levels else []
    marts = [marts_total - marts_total // 2, marts_total // 2] if marts_total else []
    return staging, [x for x in inter if x], [x for x in marts if x]


class Model:
    def __init__(self, name, layer, folder, materialized, parents, source=None):
        self.name = name
        self.layer = layer
        self.folder = folder
        self.materialized = materialized
        self.parents = parents
        self.source = source


def plan(n, rng):
    """The models, in dependency order."""
    staging_n, inter_levels, mart_levels = layer_sizes(n)
    sources = max(3, min(200, n // 50))
    models = []
    below = []  # models of the level just below the one being planned
    earlier = []  # every model planned so far
    for i in range(staging_n):
        m = Model(f"stg_{i:05d}", "staging", "staging", "view", [], source=f"src_{i % sources:04d}")
        models.append(m)
    below = list(models)
    earlier = list(models)
    counter = {"int": 0, "mart": 0}
    for layer, prefix, levels in (("intermediate", "int", inter_levels), ("marts", "mart", mart_levels)):
        for size in levels:
            level = []
            for _ in range(size):
                k = counter[prefix]
                counter[prefix] += 1
                # Every 5th model is a view. A view refs only tables or staging views, so DuckDB
                # never expands a long chain of views.
                view = k % 5 == 4
                if view:
                    pool_below = [p for p in below if p.materialized == "table" or p.layer == "staging"] or below
                    pool_earlier = [p for p in earlier if p.materialized == "table" or p.layer == "staging"]
                else:
                    pool_below, pool_earlier = below, earlier
                first = rng.choice(pool_below)
                parents = [first]
                for _ in range(rng.randint(0, 3)):
                    p = rng.choice(pool_earlier)
                    if p not in parents:
                        parents.append(p)
                m = Model(f"{prefix}_{k:05d}", layer, layer, "view" if view else "table", parents)
                level.append(m)
            models.extend(level)
            earlier.extend(level)
            below = level
    return models, sources


def model_sql(m):
    """The model file: config, refs or a source, a var, a macro call and an if block."""
    tag = m.layer
    if m.layer == "staging":
        return (
            f"{{{{ config(materialized='view', tags=['{tag}']) }}}}\n"
            "-- one row per id of the raw table\n"
            "select\n"
            "    id,\n"
            "    val * {{ var('scale', 1) }} as val,\n"
            "    {{ bench_clean('category') }} as category,\n"
            "    updated_at\n"
            f"from {{{{ source('raw', '{m.source}') }}}}\n"
            "{% if var('apply_filter', true) %}\n"
            "where id is not null\n"
            "{% endif %}\n"
        )
    ctes = ",\n".join(f"p{i} as (select * from {{{{ ref('{p.name}') }}}})" for i, p in enumerate(m.parents, 1))
    val = " + ".join(["p1.val"] + [f"coalesce(p{i}.val, 0)" for i in range(2, len(m.parents) + 1)])
    joins = "".join(f"left join p{i} on p1.id = p{i}.id\n" for i in range(2, len(m.parents) + 1))
    return (
        f"{{{{ config(materialized='{m.materialized}', tags=['{tag}']) }}}}\n"
        f"with\n{ctes}\n"
        "select\n"
        "    p1.id,\n"
        f"    {val} as val,\n"
        "    {{ bench_clean('p1.category') }} as category,\n"
        "    p1.updated_at\n"
        "from p1\n"
        f"{joins}"
        "{% if var('apply_filter', true) %}\n"
        "where p1.val >= {{ var('min_val') }}\n"
        "{% endif %}\n"
    )


def schema_yml(group):
    """Descriptions for every model; tests on every 5th model's id, every 10th's category."""
    lines = ["version: 2", "", "models:"]
    for m in group:
        k = int(m.name.rsplit("_", 1)[1])
        lines.append(f"  - name: {m.name}")
        lines.append(f"    description: Synthetic {m.layer} model {m.name}.")
        cols = []
        if k % 5 == 0:
            cols.append(("id", ["unique", "not_null"]))
        if k % 10 == 0:
            cols.append(("category", ["accepted_values"]))
        if cols:
            lines.append("    columns:")
            for col, tests in cols:
                lines.append(f"      - name: {col}")
                lines.append("        data_tests:")
                for t in tests:
                    if t == "accepted_values":
                        values = ", ".join(f"'{c.upper()}'" for c in CATEGORIES)
                        lines.append("          - accepted_values:")
                        lines.append(f"              arguments: {{values: [{values}]}}")
                    else:
                        lines.append(f"          - {t}")
    return "\n".join(lines) + "\n"


def sources_yml(sources):
    lines = ["version: 2", "", "sources:", "  - name: raw", "    schema: raw", "    tables:"]
    for s in range(sources):
        lines.append(f"      - name: src_{s:04d}")
        if s % 5 == 0:
            lines.append("        columns:")
            lines.append("          - name: id")
            lines.append("            data_tests: [unique, not_null]")
    return "\n".join(lines) + "\n"


def seed_csv(s):
    rows = ["id,val,category,updated_at"]
    for i in range(1, SEED_ROWS + 1):
        rows.append(f"{i},{(i * 7 + s) % 100 + 1},{CATEGORIES[(i + s) % 4]},2024-01-{i:02d} 12:00:00")
    return "\n".join(rows) + "\n"


MACROS = {
    "bench_clean.sql": (
        "{# A category, trimmed and upper-cased; null becomes 'A'. #}\n"
        "{% macro bench_clean(column) -%}\n"
        "    upper(coalesce(trim({{ column }}), 'a'))\n"
        "{%- endmacro %}\n"
    ),
    # Custom schemas are used as they are (seeds land in `raw`, as the sources say), the same in
    # both tools.
    "generate_schema_name.sql": (
        "{% macro generate_schema_name(custom_schema_name, node) -%}\n"
        "    {%- if custom_schema_name is none or custom_schema_name | trim == '' -%}\n"
        "        {{ target.schema }}\n"
        "    {%- else -%}\n"
        "        {{ custom_schema_name | trim }}\n"
        "    {%- endif -%}\n"
        "{%- endmacro %}\n"
    ),
}


def folder_configs(indent):
    pad = " " * indent
    return (
        f"{pad}{PROJECT}:\n"
        f"{pad}  staging: {{+materialized: view}}\n"
        f"{pad}  intermediate: {{+materialized: table}}\n"
        f"{pad}  marts: {{+materialized: table}}\n"
    )


def seed_configs(indent):
    pad = " " * indent
    return (
        f"{pad}{PROJECT}:\n"
        f"{pad}  raw:\n"
        f"{pad}    +schema: raw\n"
        f"{pad}    +column_types: {{id: integer, val: integer, category: varchar, updated_at: timestamp}}\n"
    )


def vars_yml():
    return "".join(f"  {k}: {str(v).lower() if isinstance(v, bool) else v}\n" for k, v in VARS.items())


def project_files(threads, layout="both"):
    mozt = (
        f"name: {PROJECT}\n"
        "model-paths: [models]\n"
        "seed-paths: [seeds]\n"
        "macro-paths: [macros]\n"
        "target-path: target\n"
        f"vars:\n{vars_yml()}"
        f"models:\n{folder_configs(2)}"
        f"seeds:\n{seed_configs(2)}"
        "targets:\n"
        "  default: dev\n"
        f"  dev: {{type: duckdb, path: bench_mozt.duckdb, schema: analytics, threads: {threads}}}\n"
    )
    dbt = (
        f"name: {PROJECT}\n"
        "version: '1.0'\n"
        "config-version: 2\n"
        f"profile: {PROJECT}\n"
        "model-paths: [models]\n"
        "seed-paths: [seeds]\n"
        "macro-paths: [macros]\n"
        f"vars:\n{vars_yml()}"
        f"models:\n{folder_configs(2)}"
        f"seeds:\n{seed_configs(2)}"
    )
    profiles = (
        f"{PROJECT}:\n"
        "  target: dev\n"
        "  outputs:\n"
        "    dev:\n"
        "      type: duckdb\n"
        "      path: bench_dbt.duckdb\n"
        "      schema: analytics\n"
        f"      threads: {threads}\n"
        "    mozt:\n"
        "      type: duckdb\n"
        "      path: bench_mozt.duckdb\n"
        "      schema: analytics\n"
        f"      threads: {threads}\n"
    )
    files = {"dbt_project.yml": dbt, "profiles.yml": profiles}
    if layout == "both":
        files["project.yml"] = mozt
    return files


def write(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def generate(n, out, seed=42, threads=4, layout="both"):
    if n < 1 or n > 100_000:
        sys.exit(f"gen.py: --models must be between 1 and 100000 (got {n})")
    rng = random.Random(seed)
    models, sources = plan(n, rng)
    if os.path.exists(out):
        generated = any(os.path.isfile(os.path.join(out, f)) for f in ("project.yml", "dbt_project.yml"))
        if not generated and os.listdir(out):
            sys.exit(f"gen.py: {out} exists and is not a generated project; choose an empty or new folder")
        shutil.rmtree(out)
    os.makedirs(out)
    for rel, text in project_files(threads, layout).items():
        write(out, rel, text)
    for rel, text in MACROS.items():
        write(out, os.path.join("macros", rel), text)
    for s in range(sources):
        write(out, os.path.join("seeds", "raw", f"src_{s:04d}.csv"), seed_csv(s))
    write(out, os.path.join("models", "staging", "_sources.yml"), sources_yml(sources))
    by_layer = {}
    for m in models:
        by_layer.setdefault(m.layer, []).append(m)
    for layer, ms in by_layer.items():
        for g in range(0, len(ms), GROUP_SIZE):
            group = ms[g : g + GROUP_SIZE]
            folder = os.path.join("models", layer, f"g{g // GROUP_SIZE:03d}")
            for m in group:
                write(out, os.path.join(folder, f"{m.name}.sql"), model_sql(m))
            write(out, os.path.join(folder, "_models.yml"), schema_yml(group))
    return models, sources


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", "-n", type=int, required=True, help="number of models (up to 20,000 and more)")
    ap.add_argument("--out", "-o", required=True, help="folder to write (replaced if it holds a generated project)")
    ap.add_argument("--seed", type=int, default=42, help="random seed of the DAG's shape (default 42)")
    ap.add_argument("--threads", type=int, default=4, help="threads in both tools' targets (default 4)")
    ap.add_argument(
        "--layout",
        choices=["both", "dbt"],
        default="both",
        help="both: project.yml too, which mozt reads first (default); dbt: only dbt_project.yml and profiles.yml, "
        "which both tools read",
    )
    args = ap.parse_args()
    models, sources = generate(args.models, args.out, args.seed, args.threads, args.layout)
    staging, inter, marts = layer_sizes(args.models)
    tests = sum(3 if int(m.name.rsplit("_", 1)[1]) % 10 == 0 else 2 if int(m.name.rsplit("_", 1)[1]) % 5 == 0 else 0
                for m in models)
    print(
        f"{args.out}: {len(models)} models (staging {staging}, intermediate {sum(inter)} in {len(inter)} levels, "
        f"marts {sum(marts)} in {len(marts)} levels), {sources} seeds/sources, about {tests} model tests"
    )


if __name__ == "__main__":
    main()
