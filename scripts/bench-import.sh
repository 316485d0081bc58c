#!/usr/bin/env bash
# Import benchmark: N mails (default 10000; ~1% carry a 1-5 MiB attachment)
# in a private Dovecot, measured in one run as (a) a raw IMAP fetch loop and
# (b) `wfe import-mail` into a fresh SQLite database. Prints mails/s of
# both, the ratio wfe/raw (target >= 0.8; >= 0.7 into PostgreSQL) and
# wfe's peak RSS (target <= 48 MiB). N may be a list: each size gets a
# mailbox of its own in the same Dovecot. Needs dovecot-imapd.
#
#   scripts/bench-import.sh [N[,N...]] [benchimport flags, e.g. -security none]
#   scripts/bench-import.sh 10000,50000 -postgres 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable'
#   scripts/bench-import.sh 200 -large-every 50 -large-mib 50   # four 50 MiB attachments
#   WFE_BENCH_CPUPROFILE=/tmp/cpu.prof scripts/bench-import.sh 2000   # profile wfe
#   WFE_BENCH_MEMPROFILE=/tmp/mem.prof scripts/bench-import.sh 2000   # wfe's heap after the import
#   scripts/profile-import.sh                                         # both, at 10000 and 50000
#   scripts/bench-import.sh 10000 -rounds 3 -compare /tmp/other/wfe   # A/B: this build against another,
#                                          # in alternating order on the same loaded mailbox
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
shift || true
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/wfe" ./cmd/wfe
go build -o "$bin/benchimport" ./cmd/benchimport
"$bin/benchimport" -n "$n" -wfe "$bin/wfe" "$@"
