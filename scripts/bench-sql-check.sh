#!/usr/bin/env bash
# Measure what the SQL check (parse, relations, columns, lineage; src/sql/) adds to `mozt compile`
# on a large generated project: N models (default 2000) in layers, each reading one to three
# earlier models (or a source) through CTEs, joins, window functions and aggregates.
#
#   scripts/bench-sql-check.sh [N] [runs]     (uses target/debug/mozt unless MOZT=... is set)
set -euo pipefail
N=${1:-2000}
RUNS=${2:-3}
MOZT=${MOZT:-$(pwd)/target/debug/mozt}
DIR=$(mktemp -d /tmp/mozt-bench-XXXXXX)
trap 'rm -rf "$DIR"' EXIT

python3 - "$DIR" "$N" <<'PY'
import os, random, sys
root, n = sys.argv[1], int(sys.argv[2])
random.seed(7)
os.makedirs(f"{root}/models", exist_ok=True)
open(f"{root}/project.yml", "w").write(
    "name: bench\ntargets:\n  default: dev\n  dev: {type: duckdb, path: target/dev.duckdb, schema: analytics, threads: 4}\n")
cols = ["id", "user_id", "event_type", "amount", "occurred_at", "payload"]
src = "sources:\n  - name: raw\n    schema: raw\n    tables:\n      - name: events\n        columns:\n"
src += "".join(f"          - name: {c}\n" for c in cols)
open(f"{root}/models/sources.yml", "w").write(src)
for i in range(n):
    if i < 20:
        up = ["{{ source('raw', 'events') }}"]
    else:
        up = ["{{ ref('m%d') }}" % j for j in random.sample(range(max(0, i - 200), i), random.randint(1, 3))]
    first = up[0]
    joins = "".join(
        f"\nleft join {u} as j{k}\n    on j{k}.user_id = b.user_id and j{k}.id = b.id" for k, u in enumerate(up[1:]))
    extra = "".join(f",\n        j{k}.amount as amount_{k}" for k in range(len(up) - 1))
    open(f"{root}/models/m{i}.sql", "w").write(f"""-- generated model {i}
with base as (
    select id, user_id, event_type, amount, occurred_at, payload
    from {first}
    where amount is not null
),
joined as (
    select
        b.*{extra},
        row_number() over (partition by b.user_id order by b.occurred_at desc) as rn,
        sum(b.amount) over (partition by b.user_id order by b.occurred_at rows between 6 preceding and current row) as amount_7
    from base as b{joins}
),
agg as (
    select user_id, count(*) as n, max(occurred_at) as last_at, sum(case when event_type = 'buy' then amount else 0 end) as bought
    from joined
    group by user_id
)
select
    j.id,
    j.user_id,
    coalesce(j.event_type, 'none') as event_type,
    j.amount,
    j.occurred_at,
    j.payload,
    a.n,
    a.last_at,
    a.bought,
    j.amount_7
from joined as j
join agg as a on a.user_id = j.user_id
where j.rn <= 10
""")
PY

cd "$DIR"
run() {
    local best=999999
    for _ in $(seq "$RUNS"); do
        local start end ms
        start=$(date +%s%N)
        MOZT_SQL_CHECK=$1 "$MOZT" compile -q >/dev/null
        end=$(date +%s%N)
        ms=$(( (end - start) / 1000000 ))
        (( ms < best )) && best=$ms
    done
    echo "$best"
}
off=$(run 0)
on=$(run 1)
echo "models: $N, runs: $RUNS (best of), binary: $MOZT"
echo "mozt compile without the SQL check: ${off} ms"
echo "mozt compile with the SQL check:    ${on} ms"
echo "the check adds $(( on - off )) ms ($(( (on - off) * 1000 / N )) us per model)"
# Wall time moves with whatever else the machine runs; CPU time and peak memory less so.
if [ -x /usr/bin/time ]; then
    for v in 0 1; do
        /usr/bin/time -f "MOZT_SQL_CHECK=$v: %U s user, %S s system, %M KB peak" env MOZT_SQL_CHECK=$v "$MOZT" compile -q
    done
fi
echo "with -v, mozt reports the check's own time: $(MOZT_SQL_CHECK=1 "$MOZT" compile -v 2>&1 | grep -o 'SQL check of .*')"
