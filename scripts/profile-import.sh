#!/usr/bin/env bash
# CPU and allocation profiles of `wfe import-mail` in the import benchmark
# (scripts/bench-import.sh) at the given sizes (default 10000 and 50000
# mails), written to DIR (default ./import-profiles):
#   cpu-N.prof   CPU profile of the import
#   mem-N.prof   heap profile after the import (alloc_space: every
#                allocation of the run; inuse_space: what was left)
#   top-N.txt    the top functions of both, cumulative and flat
# Extra arguments go to cmd/benchimport (e.g. -security none,
# -postgres URL).
#
#   scripts/profile-import.sh [-o DIR] [N ...] [-- benchimport flags]
set -euo pipefail
cd "$(dirname "$0")/.."
out=import-profiles
sizes=()
while [ $# -gt 0 ]; do
	case "$1" in
	-o) out=$2; shift 2 ;;
	--) shift; break ;;
	*) sizes+=("$1"); shift ;;
	esac
done
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 50000)
mkdir -p "$out"
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/wfe" ./cmd/wfe
go build -o "$bin/benchimport" ./cmd/benchimport
for n in "${sizes[@]}"; do
	cpu="$out/cpu-$n.prof" mem="$out/mem-$n.prof" top="$out/top-$n.txt"
	WFE_BENCH_CPUPROFILE="$cpu" WFE_BENCH_MEMPROFILE="$mem" \
		"$bin/benchimport" -n "$n" -wfe "$bin/wfe" "$@" | tee "$top"
	{
		echo "== CPU, cumulative"
		go tool pprof -top -cum -nodecount=45 "$bin/wfe" "$cpu" 2>/dev/null
		echo "== CPU, flat"
		go tool pprof -top -nodecount=30 "$bin/wfe" "$cpu" 2>/dev/null
		echo "== allocations (alloc_space), cumulative"
		go tool pprof -top -cum -sample_index=alloc_space -nodecount=40 "$bin/wfe" "$mem" 2>/dev/null
		echo "== allocations (alloc_space), flat"
		go tool pprof -top -sample_index=alloc_space -nodecount=25 "$bin/wfe" "$mem" 2>/dev/null
	} >>"$top"
	echo "profiles of $n mails: $cpu $mem, summary $top"
done
