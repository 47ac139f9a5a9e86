#!/usr/bin/env bash
# Subject search benchmark (issue #2): p99 of GET /api/v1/subjects?q=… for
# 2–4 character Chinese queries, on SQLite and PostgreSQL.
#
#   bench/search.sh
#
# Uses the databases that `bench/import.sh 5000000` leaves behind (about 1.6
# million subjects); run that first. Queries are 2-, 3- and 4-character
# substrings of stored subject names plus the commonest name words, so most
# match thousands of subjects. Installs wrk (Debian package) if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/release/xinyong
work=${BENCH_DIR:-/tmp/xinyong-bench}
pg_host=${PGHOST:-127.0.0.1}
db="postgres://postgres@$pg_host:5432/xinyong_bench"
[ -d "$work/data-sqlite" ] || { echo "run bench/import.sh 5000000 first" >&2; exit 1; }
command -v wrk >/dev/null || sudo_apt=1
if [ "${sudo_apt:-0}" = 1 ]; then
  if [ "$(id -u)" = 0 ]; then apt-get install -y -qq wrk >/dev/null; else sudo apt-get install -y -qq wrk >/dev/null; fi
fi

subjects=$(sqlite3 "$work/data-sqlite/xinyong.db" "SELECT count(*) FROM subjects")
# Random substrings of real names (character-aware: python3 is on the machine).
sqlite3 "$work/data-sqlite/xinyong.db" "SELECT name FROM subjects ORDER BY random() LIMIT 3000" |
  python3 -c '
import random, sys
random.seed(7)
names = [l.strip() for l in sys.stdin if l.strip()]
out = set()
for name in names:
    n = random.choice((2, 3, 4))
    if len(name) >= n:
        i = random.randrange(len(name) - n + 1)
        out.add(name[i:i + n])
for common in ("淮北", "相山", "濉溪", "有限", "公司", "商贸", "科技", "有限公司", "建筑", "餐饮"):
    out.add(common)
print("\n".join(sorted(out)))' >"$work/queries.txt"

run() {
  local label=$1 url=$2
  local port=18090
  # The per-address search limit protects the public site; the benchmark is one address.
  XINYONG_WEB__SEARCH_PER_MINUTE=1000000000 \
    "$bin" --data "$3" ${url:+--database-url "$url"} serve --bind 127.0.0.1:$port >"$work/serve-$label.log" 2>&1 &
  local pid=$!
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/api/v1/health" >/dev/null && break; sleep 0.2; done
  # Warm the caches once, then measure one connection (service time) and 8.
  wrk -t1 -c1 -d5s -s bench/search.lua "http://127.0.0.1:$port" -- "$work/queries.txt" >/dev/null
  for conns in 1 8; do
    wrk -t$(( conns > 1 ? 2 : 1 )) -c$conns -d20s --latency -s bench/search.lua "http://127.0.0.1:$port" -- "$work/queries.txt" >"$work/wrk-$label-$conns.txt"
    if grep -q "Non-2xx" "$work/wrk-$label-$conns.txt"; then
      echo "non-200 answers in the $label run:" >&2; cat "$work/wrk-$label-$conns.txt" >&2; exit 1
    fi
    awk -v l="$label" -v c="$conns" '
      /^ +50%/ { p50 = $2 } /^ +90%/ { p90 = $2 } /^ +99%/ { p99 = $2 }
      /Requests\/sec/ { rps = $2 }
      END { printf "| %s | %d | %s | %s | %s | %.0f |\n", l, c, p50, p90, p99, rps }' "$work/wrk-$label-$conns.txt"
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

echo "Subjects: $subjects; distinct queries: $(wc -l <"$work/queries.txt")"
echo
echo "| backend | connections | p50 | p90 | p99 | requests/s |"
echo "|---|---:|---:|---:|---:|---:|"
run SQLite "" "$work/data-sqlite"
run PostgreSQL "$db" "$work/data-pg"
