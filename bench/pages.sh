#!/usr/bin/env bash
# Website benchmark (issue #4): server time of the home page, search results
# and subject pages over about a million subjects, on SQLite and
# PostgreSQL, and the weight of each page (HTML + CSS + JS, uncompressed).
#
#   bench/pages.sh [SUBJECTS] [ROWS]      default: 1100000 3300000
#
# Records: ROWS/2 行政处罚 and ROWS/2 行政许可 (`xinyong gen`, seed 7) over
# a pool of SUBJECTS subjects (about 95 % of the pool appears). Paths:
# the home page; /search?q= with 2–4 character substrings of stored names
# and common name words; /subjects/{ref} of random subjects (companies,
# 个体工商户 and people). wrk measures one connection (service time: the
# server's time plus loopback) and eight (the machine under load), 20 s each
# (the home page 130 s, to include its once-a-minute recount), after a 5 s
# warm-up. Needs `cargo build --release -p xinyong`, sqlite3,
# psql, wrk (installed if missing), PostgreSQL at 127.0.0.1:5432. Work files
# go to ${BENCH_DIR:-/tmp/xinyong-bench}/pages; loaded databases are reused.
# BACKENDS="sqlite postgres"; PREPARE_ONLY=1 only loads the databases.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/release/xinyong
[ -x "$bin" ] || { echo "build first: cargo build --release -p xinyong" >&2; exit 1; }
subjects=${1:-1100000}
rows=${2:-3300000}
work=${BENCH_DIR:-/tmp/xinyong-bench}/pages
mkdir -p "$work"
pg_host=${PGHOST:-127.0.0.1}
pg_db=xinyong_pages_bench
pg_url="postgres://postgres@$pg_host:5432/$pg_db"
command -v wrk >/dev/null || { if [ "$(id -u)" = 0 ]; then apt-get install -y -qq wrk >/dev/null; else sudo apt-get install -y -qq wrk >/dev/null; fi; }

half=$(( rows / 2 ))
for type in xzcf xzxk; do
  [ -s "$work/$type.csv" ] || "$bin" gen --type "$type" --rows "$half" --subjects "$subjects" --seed 7 -o "$work/$type.csv" >/dev/null
done

prepare() { # label data [url]
  local label=$1 data=$2 url=${3:-}
  local args=(--data "$data"); [ -n "$url" ] && args+=(--database-url "$url")
  if [ ! -e "$data/.loaded" ]; then
    for type in xzcf xzxk; do
      "$bin" "${args[@]}" import "$work/$type.csv" --type "$type" --source 淮北市市场监督管理局 --json >"$work/import-$label-$type.json"
    done
    touch "$data/.loaded"
  fi
}

# The paths, from the SQLite registry (the same generated subjects are in both).
paths() {
  local db=$1
  sqlite3 "$db" "SELECT name FROM subjects ORDER BY random() LIMIT 3000" |
    python3 -c '
import random, sys, urllib.parse
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
for q in sorted(out):
    print("/search?q=" + urllib.parse.quote(q))' >"$work/search.txt"
  echo "/" >"$work/home.txt"
}

# Subject pages: people's references depend on the data directory's key, so
# each backend's own.
subject_paths() { # label data [url]
  local query="SELECT '/subjects/' || COALESCE(uscc, person_ref) FROM subjects ORDER BY random() LIMIT 5000"
  if [ -n "${3:-}" ]; then psql "$3" -tAc "$query"; else sqlite3 "$2/xinyong.db" "$query"; fi >"$work/subject.txt"
}

weight() { # port path -> bytes of HTML + the stylesheet (the pages load nothing else)
  local html css
  html=$(curl -fs "http://127.0.0.1:$1$2" | wc -c)
  css=$(curl -fs "http://127.0.0.1:$1/static/site.css" | wc -c)
  echo $(( html + css ))
}

measure() { # label data [url]
  local label=$1 data=$2 url=${3:-}
  local port=18092
  local args=(--data "$data"); [ -n "$url" ] && args+=(--database-url "$url")
  # The per-address search limit protects the public site; the benchmark is one address.
  XINYONG_WEB__SEARCH_PER_MINUTE=1000000000 "$bin" "${args[@]}" serve --bind 127.0.0.1:$port >"$work/serve-$label.log" 2>&1 &
  local pid=$!
  for _ in $(seq 150); do curl -fs "http://127.0.0.1:$port/api/v1/health" >/dev/null && break; sleep 0.2; done
  local n; n=$(curl -fs "http://127.0.0.1:$port/api/v1/health" >/dev/null && echo up)
  [ "$n" = up ] || { echo "server did not start" >&2; cat "$work/serve-$label.log" >&2; exit 1; }
  subject_paths "$label" "$data" "$url"
  for page in home search subject; do
    local max=0 w
    # Page weight: the heaviest of 20 sample paths.
    for p in $(shuf -n 20 --random-source=<(yes) "$work/$page.txt"); do
      w=$(weight $port "$p"); [ "$w" -gt "$max" ] && max=$w
    done
    wrk -t1 -c1 -d5s -s bench/pages.lua "http://127.0.0.1:$port" -- "$work/$page.txt" >/dev/null
    # The home page's figures are recounted in the background once a minute:
    # its runs last long enough to include two recounts.
    local seconds=20; [ "$page" = home ] && seconds=130
    for conns in 1 8; do
      local out="$work/wrk-$label-$page-$conns.txt"
      wrk -t$(( conns > 1 ? 2 : 1 )) -c$conns -d${seconds}s --latency -s bench/pages.lua "http://127.0.0.1:$port" -- "$work/$page.txt" >"$out"
      if grep -q "Non-2xx" "$out"; then echo "non-200 answers ($label $page):" >&2; cat "$out" >&2; exit 1; fi
      awk -v l="$label" -v p="$page" -v c="$conns" -v w="$max" '
        /^ +50%/ { p50 = $2 } /^ +90%/ { p90 = $2 } /^ +99%/ { p99 = $2 }
        /Requests\/sec/ { rps = $2 }
        END { printf "| %s | %s | %d | %s | %s | %s | %.0f | %.1f KB |\n", l, p, c, p50, p90, p99, rps, w / 1024 }' "$out"
    done
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

backends=${BACKENDS:-sqlite postgres}
if [[ " $backends " == *" sqlite "* ]]; then
  prepare sqlite "$work/data-sqlite"
fi
paths "$work/data-sqlite/xinyong.db"
if [[ " $backends " == *" postgres "* ]]; then
  if ! psql -h "$pg_host" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$pg_db'" | grep -q 1; then
    psql -h "$pg_host" -U postgres -d postgres -qc "CREATE DATABASE $pg_db"
    rm -rf "$work/data-pg"
  fi
  prepare postgres "$work/data-pg" "$pg_url"
fi

# PREPARE_ONLY=1 loads the databases and stops (measure later, on a quiet machine).
[ "${PREPARE_ONLY:-0}" = 1 ] && exit 0

echo "Machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr)"
echo "Subjects: SQLite $(sqlite3 "$work/data-sqlite/xinyong.db" "SELECT count(*) FROM subjects"), records $(sqlite3 "$work/data-sqlite/xinyong.db" "SELECT count(*) FROM records")"
echo
echo "| backend | page | connections | p50 | p90 | p99 | requests/s | page weight (max of 20) |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
[[ " $backends " == *" sqlite "* ]] && measure SQLite "$work/data-sqlite"
[[ " $backends " == *" postgres "* ]] && measure PostgreSQL "$work/data-pg" "$pg_url"
true
