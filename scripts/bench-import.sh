#!/usr/bin/env bash
# Import benchmark: N mails (default 10000; ~1% carry a 1-5 MiB attachment)
# in a private Dovecot, measured in one run as (a) a raw IMAP fetch loop and
# (b) `wfe import-mail` into a fresh SQLite database. Prints mails/s of
# both, the ratio wfe/raw (target >= 0.5) and wfe's peak RSS (target
# <= 64 MiB + the largest attachment). Needs dovecot-imapd.
#
#   scripts/bench-import.sh [N] [benchimport flags, e.g. -security none]
#   WFE_BENCH_CPUPROFILE=/tmp/cpu.prof scripts/bench-import.sh 2000   # profile wfe
#   WFE_BENCH_MEMPROFILE=/tmp/mem.prof scripts/bench-import.sh 2000   # wfe's heap after the import
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
shift || true
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/wfe" ./cmd/wfe
go build -o "$bin/benchimport" ./cmd/benchimport
"$bin/benchimport" -n "$n" -wfe "$bin/wfe" "$@"
