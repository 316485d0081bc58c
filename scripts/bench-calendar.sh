#!/bin/sh
# Figures of the calendar sync (printed, not asserted):
#  - an initial sync of 5,000 CRM appointments to a real Radicale calendar
#    against a plain loop of 5,000 iCalendar PUTs with 4 in flight into
#    another calendar of the same server in the same run (ratio loop/wfe);
#  - the requests of the run after it (which reads back its own creates)
#    and of an idle run, per calendar and employee, on Radicale and on the
#    Graph fake.
# Needs Debian's radicale (apt-get install radicale). WFE_BENCH_EVENTS
# changes the number of appointments.
set -eu
cd "$(dirname "$0")/.."
WFE_BENCH_CALENDAR=1 go test -count=1 -timeout 60m -run 'TestCalendarBench' -v ./cmd/wfecmd/ |
	grep -E '^(radicale|graph)|^(--- |ok|FAIL)'
