#!/bin/sh
# Figures of the console's queries (printed, not asserted): the run list,
# a run's page and the activity search with 100,000 runs and 1,000,000
# activities in SQLite and, when WFE_TEST_POSTGRES holds a URL (or
# -postgres URL is given), in a fresh schema of that PostgreSQL database.
# Each query runs N times (default 200); the table shows its median and
# 95th percentile in milliseconds. Filling the databases takes a few
# minutes; PostgreSQL is measured after VACUUM ANALYZE, as autovacuum
# leaves a table (the trigram indexes' pending entries merged).
#
#   scripts/bench-console.sh
#   scripts/bench-console.sh -n 500 -postgres 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable'
set -eu
cd "$(dirname "$0")/.."
n=200
while [ $# -gt 0 ]; do
	case "$1" in
	-n) n=$2; shift 2 ;;
	-postgres) WFE_TEST_POSTGRES=$2; export WFE_TEST_POSTGRES; shift 2 ;;
	*) echo "usage: $0 [-n N] [-postgres URL]" >&2; exit 2 ;;
	esac
done
out=$(mktemp)
trap 'rm -f "$out"' EXIT
go test -count=1 -timeout 60m -run XXX -bench ConsoleQueries -benchtime "${n}x" -v ./store/console/ >"$out" || {
	cat "$out"
	exit 1
}
grep -E 'took' "$out" | sed 's/^ *bench_test.go:[0-9]*: /fill /'
printf '%-55s %10s %10s\n' QUERY p50-ms p95-ms
awk '/^BenchmarkConsoleQueries\/.* p50-ms/ {
	name = $1; sub(/^BenchmarkConsoleQueries\//, "", name); sub(/-[0-9]+$/, "", name)
	for (i = 1; i < NF; i++) { if ($(i+1) == "p50-ms") p50 = $i; if ($(i+1) == "p95-ms") p95 = $i }
	printf "%-55s %10s %10s\n", name, p50, p95
}' "$out"
