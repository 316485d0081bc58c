#!/usr/bin/env bash
# Many-mailbox benchmark: B mailboxes (default 20) of N mails (default
# 1000) in a private Dovecot; each is imported alone, then all together
# (ImportAll, one slot per mailbox unless -parallel/-per-server say
# otherwise). Prints each time alone, the slowest, the time together and
# the ratio together/slowest (goal <= 1.5). Needs dovecot-imapd.
#
#   scripts/bench-mailboxes.sh [B] [N] [benchmailboxes flags, e.g. -per-server 4 -security none]
set -euo pipefail
cd "$(dirname "$0")/.."
boxes=${1:-20}
n=${2:-1000}
shift 2 || shift $# || true
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/benchmailboxes" ./cmd/benchmailboxes
"$bin/benchmailboxes" -boxes "$boxes" -n "$n" "$@"
