#!/usr/bin/env bash
# Import benchmark (issue #2): `xinyong import` of generated 行政处罚 rows
# against the databases' own bulk loaders of the same file into a bare table
# (`sqlite3 .import`, PostgreSQL `\copy`), plus peak memory (max RSS).
#
#   bench/import.sh [ROWS...]        default: 1000000 5000000
#
# Needs a release build (`cargo build --release -p xinyong`), sqlite3, psql and
# GNU time; PostgreSQL at 127.0.0.1:5432 (user postgres, trust auth). Writes a
# Markdown table to stdout; work files go to ${BENCH_DIR:-/tmp/xinyong-bench}.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/release/xinyong
[ -x "$bin" ] || { echo "build first: cargo build --release -p xinyong" >&2; exit 1; }
work=${BENCH_DIR:-/tmp/xinyong-bench}
mkdir -p "$work"
pg_host=${PGHOST:-127.0.0.1}
pg_admin="postgres://postgres@$pg_host:5432/postgres"
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000000 5000000)

now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc -l | xargs printf '%.2f'; }
rate() { echo "$1 / $2" | bc -l | xargs printf '%.0f'; }
ratio() { echo "100 * $2 / $1" | bc -l | xargs printf '%.0f'; }
max_rss_mb() { awk -F: '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$1"; }

echo "| rows | backend | baseline s | baseline rows/s | xinyong s | xinyong rows/s | xinyong / baseline | xinyong peak RSS MB |"
echo "|---:|---|---:|---:|---:|---:|---:|---:|"
for rows in "${sizes[@]}"; do
  csv="$work/xzcf-$rows.csv"
  [ -s "$csv" ] || "$bin" gen --type xzcf --rows "$rows" --seed 7 -o "$csv" >/dev/null

  # SQLite: the shell's .import into a table it creates from the header.
  rm -rf "$work/sqlite-bare.db" "$work/data-sqlite"
  t0=$(now)
  sqlite3 "$work/sqlite-bare.db" -cmd "PRAGMA journal_mode=WAL" ".import --csv $csv bare" >/dev/null
  t1=$(now)
  /usr/bin/time -v -o "$work/time-sqlite.txt" \
    "$bin" --data "$work/data-sqlite" import "$csv" --type xzcf --source 淮北市市场监督管理局 --json >"$work/out-sqlite.json"
  t2=$(now)
  base=$(secs "$t0" "$t1"); ours=$(secs "$t1" "$t2")
  echo "| $rows | SQLite | $base | $(rate "$rows" "$base") | $ours | $(rate "$rows" "$ours") | $(ratio "$ours" "$base") % | $(max_rss_mb "$work/time-sqlite.txt") |"

  # PostgreSQL: \copy into an all-text table with the header's columns.
  psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS xinyong_bench" -c "CREATE DATABASE xinyong_bench" >/dev/null
  db="postgres://postgres@$pg_host:5432/xinyong_bench"
  columns=$(head -1 "$csv" | sed 's/^\xEF\xBB\xBF//' | tr ',' '\n' | sed 's/.*/"&" text/' | paste -sd,)
  psql -q "$db" -c "CREATE TABLE bare ($columns)" >/dev/null
  t0=$(now)
  psql -q "$db" -c "\\copy bare from '$csv' with (format csv, header true)" >/dev/null
  t1=$(now)
  rm -rf "$work/data-pg"
  /usr/bin/time -v -o "$work/time-pg.txt" \
    "$bin" --data "$work/data-pg" --database-url "$db" import "$csv" --type xzcf --source 淮北市市场监督管理局 --json >"$work/out-pg.json"
  t2=$(now)
  base=$(secs "$t0" "$t1"); ours=$(secs "$t1" "$t2")
  echo "| $rows | PostgreSQL | $base | $(rate "$rows" "$base") | $ours | $(rate "$rows" "$ours") | $(ratio "$ours" "$base") % | $(max_rss_mb "$work/time-pg.txt") |"
done
