#!/usr/bin/env bash
# Access benchmark (issue #3): what authentication, the authorisation
# decision and the audit append add to a subject read. The same subject is
# read through the same server, alternately
#   - without credentials or purpose (the public view: no key lookup, no audit), and
#   - with an API key and a purpose (key lookup, purpose check, authorisation
#     lookup, official view, one audit entry appended per read),
# one connection at a time (latency, not queueing), three rounds each.
# The two answers differ in size (the official view shows more), so the
# fair comparison is the in-process one that follows (`access-overhead`):
# the same read and the same answer, with and without authentication,
# authorisation lookup and audit append.
#
#   bench/access.sh [DATA_DIR]     default: the SQLite data bench/import.sh leaves
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/release/xinyong
work=${BENCH_DIR:-/tmp/xinyong-bench}
data=${1:-$work/data-sqlite}
[ -x "$bin" ] && [ -x target/release/access-overhead ] ||
  { echo "build first: cargo build --release -p xinyong -p xinyong-bench-access" >&2; exit 1; }
[ -d "$data" ] || { echo "no data directory $data: run bench/import.sh first" >&2; exit 1; }
command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null

# A subject with several records: the most frequent code in the data.
code=$(sqlite3 "$data/xinyong.db" "SELECT s.uscc FROM records r JOIN subjects s ON s.id = r.subject_id
  WHERE s.uscc IS NOT NULL GROUP BY s.id ORDER BY count(*) DESC LIMIT 1")
n_records=$(sqlite3 "$data/xinyong.db" "SELECT count(*) FROM records r JOIN subjects s ON s.id = r.subject_id WHERE s.uscc = '$code'")
key=$("$bin" --data "$data" key create --client "基准测试系统" --purposes xzsp --json | sed 's/.*"key":"\([^"]*\)".*/\1/')

port=18091
"$bin" --data "$data" serve --bind 127.0.0.1:$port >"$work/serve-access.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/api/v1/health" >/dev/null && break; sleep 0.2; done

public="http://127.0.0.1:$port/api/v1/subjects/$code"
official="$public?purpose=xzsp"
curl -fs "$public" >/dev/null
curl -fs -H "Authorization: Bearer $key" "$official" >/dev/null

measure() { # label url [header]
  local label=$1 url=$2; shift 2
  wrk -t1 -c1 -d10s --latency "$@" "$url" >"$work/wrk-access-$label.txt"
  awk -v l="$label" '/^ +50%/ { p50 = $2 } /^ +99%/ { p99 = $2 } /Requests\/sec/ { rps = $2 }
    END { printf "| %s | %s | %s | %.0f |\n", l, p50, p99, rps }' "$work/wrk-access-$label.txt"
}

echo "Subject $code with $n_records records; $(sqlite3 "$data/xinyong.db" 'SELECT count(*) FROM subjects') subjects."
echo
echo "| read | p50 | p99 | requests/s |"
echo "|---|---:|---:|---:|"
for round in 1 2 3; do
  measure "public-$round" "$public"
  measure "key+purpose+audit-$round" "$official" -H "Authorization: Bearer $key"
done
echo
echo "Audit entries written: $(sqlite3 "$data/xinyong.journal.db" "SELECT count(*) FROM audit_log WHERE action = 'subject.read'")"
kill $pid; wait $pid 2>/dev/null || true
trap - EXIT
echo
target/release/access-overhead --data "$data" --subject "$code" --iterations 3000
