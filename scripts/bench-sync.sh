#!/bin/sh
# Figures of the groupware sync (printed, not asserted):
#  - an initial sync of 2,000 CRM contacts to a real Radicale against a
#    plain loop of 2,000 CardDAV PUTs with 4 in flight on the same server
#    in the same run (ratio loop/wfe; Radicale's own cost grows with the
#    collection);
#  - wfe's own cost and peak RSS (of the wfe process) syncing 10,000
#    contacts to an in-process CardDAV server and to the Graph fake;
#  - the requests of an idle run on each.
# Needs Debian's radicale (apt-get install radicale) for the first part.
set -eu
cd "$(dirname "$0")/.."
WFE_BENCH_SYNC=1 go test -count=1 -timeout 30m -run 'TestSyncBenchRadicale|TestSyncBench10k' -v ./cmd/wfecmd/ |
	grep -E '^(radicale|carddav|graph)|^(--- |ok|FAIL)'
