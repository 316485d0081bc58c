#!/bin/sh
# Figures of the groupware sync (printed, not asserted):
#  - an initial sync of 2,000 CRM contacts to a real Radicale against a
#    plain loop of 2,000 CardDAV PUTs with 4 in flight on the same server
#    in the same run (ratio loop/wfe; Radicale's own cost grows with the
#    collection), and the requests of the run after it and of an idle run;
#  - wfe's own cost and peak RSS (of the wfe process) syncing N contacts
#    to an in-process CardDAV server (go-webdav's, without sync-collection
#    or CTag) and to the Graph fake, with the requests of the run after the
#    initial sync and of an idle run (one folder, one employee).
# Usage: scripts/bench-sync.sh [SIZES]   SIZES: comma-separated N, default 10000,50000
# Needs Debian's radicale (apt-get install radicale) for the first part.
set -eu
cd "$(dirname "$0")/.."
WFE_BENCH_SYNC=1 WFE_BENCH_SYNC_SIZES="${1:-10000,50000}" \
	go test -count=1 -timeout 90m -run 'TestSyncBenchRadicale|TestSyncBenchScale' -v ./cmd/wfecmd/ |
	grep -E '^(radicale|carddav|graph)|^(--- |ok|FAIL)'
