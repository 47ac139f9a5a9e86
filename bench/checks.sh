#!/usr/bin/env bash
# Credit-check benchmark (issue #5): POST /api/v1/checks over loopback with
# SUBJECTS subjects and ROWS records, on SQLite and PostgreSQL:
#   - latency at a fixed offered rate (open loop, `check-load http`: each
#     latency counted from the request's scheduled time),
#   - saturated throughput (wrk, closed loop, 16 and 64 connections),
#   - in process, a check against a bare indexed lookup of the subject's
#     records through the same driver (`check-load inproc`).
# Records: ROWS/2 行政处罚 and ROWS/2 行政许可 over the same SUBJECTS
# subjects (`xinyong gen`), then 1 % of the companies on the black list, 1 %
# on the abnormal-operations list and 2 % on the red list. Checks name a
# random company (a tenth of them listed) in 政府采购.
#
#   bench/checks.sh [SUBJECTS] [ROWS] [RATE]    default: 1000000 10000000 2000
#
# Needs `cargo build --release -p xinyong -p xinyong-bench-checks`, sqlite3,
# psql, wrk (installed if missing), PostgreSQL at 127.0.0.1:5432. Work files
# go to ${BENCH_DIR:-/tmp/xinyong-bench}/checks; existing databases are
# reused (delete the directory to start over). BACKENDS="sqlite postgres",
# BIN_DIR=target/release.
set -euo pipefail
cd "$(dirname "$0")/.."
# BIN_DIR: where the binaries are (another build's, to compare two builds
# on the same data).
bin=${BIN_DIR:-target/release}/xinyong
load=${BIN_DIR:-target/release}/check-load
[ -x "$bin" ] && [ -x "$load" ] || { echo "build first: cargo build --release -p xinyong -p xinyong-bench-checks" >&2; exit 1; }
subjects=${1:-1000000}
rows=${2:-10000000}
rate=${3:-2000}
work=${BENCH_DIR:-/tmp/xinyong-bench}/checks
mkdir -p "$work"
pg_host=${PGHOST:-127.0.0.1}
pg_db=xinyong_checks_bench
pg_url="postgres://postgres@$pg_host:5432/$pg_db"
command -v wrk >/dev/null || { if [ "$(id -u)" = 0 ]; then apt-get install -y -qq wrk >/dev/null; else sudo apt-get install -y -qq wrk >/dev/null; fi; }

half=$(( rows / 2 ))
for type in xzcf xzxk; do
  [ -s "$work/$type.csv" ] || "$bin" gen --type "$type" --rows "$half" --subjects "$subjects" --seed 7 -o "$work/$type.csv" >/dev/null
done

# List files for a sample of the companies, from the SQLite registry.
lists() { # db
  local db=$1
  sqlite3 -csv "$db" "SELECT name, uscc FROM subjects WHERE uscc LIKE '91%' ORDER BY id" >"$work/companies.csv"
  local n; n=$(wc -l <"$work/companies.csv")
  awk -F, -v n="$n" 'BEGIN { print "主体名称,主体类别,统一社会信用代码,名单名称,列入决定文书号,列入原因,列入依据,列入机关,列入日期" }
    NR % 100 == 1 { printf "%s,法人及非法人组织,%s,政府采购严重违法失信行为记录名单,皖财购〔2026〕%d号,提供虚假材料谋取中标,《中华人民共和国政府采购法》第七十七条,安徽省财政厅,2026-01-05\n", $1, $2, NR }' \
    "$work/companies.csv" >"$work/yzsx.csv"
  awk -F, 'BEGIN { print "主体名称,主体类别,统一社会信用代码,列入经营异常名录原因,列入决定书文号,作出决定机关,列入日期" }
    NR % 100 == 51 { printf "%s,法人及非法人组织,%s,未按规定期限公示年度报告,淮市监异〔2026〕%d号,淮北市市场监督管理局,2026-07-01\n", $1, $2, NR }' \
    "$work/companies.csv" >"$work/jyyc.csv"
  awk -F, 'BEGIN { print "主体名称,主体类别,统一社会信用代码,荣誉名称,认定文书号,认定机关,认定日期,有效期至" }
    NR % 50 == 7 { printf "%s,法人及非法人组织,%s,A级纳税人,淮税信〔2026〕%d号,国家税务总局淮北市税务局,2026-04-01,2027-03-31\n", $1, $2, NR }' \
    "$work/companies.csv" >"$work/sxjl.csv"
  # Checks name random companies, a tenth of them listed.
  python3 - "$work" <<'PY'
import random, sys
work = sys.argv[1]
random.seed(5)
codes = [l.rstrip("\n").split(",")[1] for l in open(f"{work}/companies.csv", encoding="utf-8")]
listed = [l.split(",")[2] for l in open(f"{work}/yzsx.csv", encoding="utf-8").read().splitlines()[1:]]
sample = random.sample(codes, min(18000, len(codes))) + random.sample(listed, min(2000, len(listed)))
random.shuffle(sample)
open(f"{work}/codes.txt", "w").write("\n".join(sample) + "\n")
PY
}

prepare() { # label data [url]
  local label=$1 data=$2 url=${3:-}
  local args=(--data "$data"); [ -n "$url" ] && args+=(--database-url "$url")
  if [ ! -e "$data/.loaded" ]; then
    for type in xzcf xzxk; do
      "$bin" "${args[@]}" import "$work/$type.csv" --type "$type" --source 淮北市市场监督管理局 --json >"$work/import-$label-$type.json"
    done
    [ "$label" = sqlite ] && lists "$data/xinyong.db"
    "$bin" "${args[@]}" import "$work/yzsx.csv" --type yzsx --source 安徽省财政厅 --json >/dev/null
    "$bin" "${args[@]}" import "$work/jyyc.csv" --type jyyc --source 淮北市市场监督管理局 --json >/dev/null
    "$bin" "${args[@]}" import "$work/sxjl.csv" --type sxjl --source 国家税务总局淮北市税务局 --json >/dev/null
    touch "$data/.loaded"
  fi
  # Measure checks, not the kernel writing out a fresh import: on this
  # machine that took minutes and stalled every commit behind it.
  sync
}

run() { # label data [url]
  local label=$1 data=$2 url=${3:-}
  local args=(--data "$data"); [ -n "$url" ] && args+=(--database-url "$url")
  local port=18092
  local key
  key=$("$bin" "${args[@]}" key create --client "基准测试系统" --purposes zfcg,ztb --json | sed 's/.*"key":"\([^"]*\)".*/\1/')
  "$bin" "${args[@]}" serve --bind 127.0.0.1:$port >"$work/serve-$label.log" 2>&1 &
  local pid=$!
  for _ in $(seq 150); do curl -fs "http://127.0.0.1:$port/api/v1/health" >/dev/null && break; sleep 0.2; done
  local counts
  counts=$(curl -fs "http://127.0.0.1:$port/api/v1/health")
  echo "### $label"
  echo
  echo "$counts"
  echo
  # Warm the caches: every code once.
  wrk -t1 -c4 -d10s -s bench/checks.lua "http://127.0.0.1:$port" -- "$work/codes.txt" "$key" zfcg >/dev/null
  echo "| offered | done | p50 | p90 | p99 | max | failed |"
  echo "|---:|---:|---:|---:|---:|---:|---:|"
  for r in $(( rate / 2 )) "$rate"; do
    "$load" http --url "http://127.0.0.1:$port" --key "$key" --codes "$work/codes.txt" --rate "$r" --seconds 30
  done
  echo
  echo "| wrk connections | checks/s | p50 | p99 | non-2xx |"
  echo "|---:|---:|---:|---:|---:|"
  for conns in 16 64; do
    wrk -t2 -c$conns -d20s --latency -s bench/checks.lua "http://127.0.0.1:$port" -- "$work/codes.txt" "$key" zfcg >"$work/wrk-$label-$conns.txt"
    awk -v c="$conns" '/^ +50%/ { p50 = $2 } /^ +99%/ { p99 = $2 } /Requests\/sec/ { rps = $2 } /Non-2xx/ { bad = $NF }
      END { printf "| %d | %.0f | %s | %s | %s |\n", c, rps, p50, p99, bad ? bad : 0 }' "$work/wrk-$label-$conns.txt"
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo
  "$load" inproc --data "$data" ${url:+--database-url "$url"} --codes "$work/codes.txt" --iterations 5000
  echo
}

for backend in ${BACKENDS:-sqlite postgres}; do
  case $backend in
    sqlite)
      prepare sqlite "$work/data-sqlite"
      run sqlite "$work/data-sqlite"
      ;;
    postgres)
      [ -s "$work/codes.txt" ] || { echo "run the sqlite backend first (it writes the list files)" >&2; exit 1; }
      if [ ! -e "$work/data-postgres/.loaded" ]; then
        psql -h "$pg_host" -U postgres -d postgres -qc "DROP DATABASE IF EXISTS $pg_db" -c "CREATE DATABASE $pg_db"
      fi
      prepare postgres "$work/data-postgres" "$pg_url"
      run postgres "$work/data-postgres" "$pg_url"
      ;;
  esac
done
