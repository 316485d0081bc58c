package wfecmd

import (
	"os"
	"runtime/debug"
)

// Go's heap grows to twice what is live before it collects (GOGC=100): an
// import holds 6-7 MiB live, so its heap peaked at 13-14 MiB, garbage
// included. A soft limit on the Go runtime's memory makes the collector
// run earlier only while the heap nears it, and the runtime return freed
// pages sooner: with 20 MiB for one mailbox the peak RSS of a 10,000-mail
// import was 45.5-45.7 MiB instead of 48.3-48.6 (22 MiB: 46.8-48.0), 47.3
// MiB at 50,000 mails, for no CPU time we could tell from the noise
// (GOGC=60 saved 3-4 MiB for 3-10% more CPU).
const (
	importMemoryBase       = 12 << 20 // runtime, buffers, one pipeline's share
	importMemoryPerMailbox = 8 << 20  // each configuration imported at once
)

// limitImportMemory sets the soft memory limit of an import of mailboxes
// configurations at once, unless GOMEMLIMIT sets one; it returns the limit
// set (0: none).
func limitImportMemory(mailboxes int) int64 {
	if os.Getenv("GOMEMLIMIT") != "" || mailboxes < 1 {
		return 0
	}
	limit := int64(importMemoryBase + importMemoryPerMailbox*mailboxes)
	debug.SetMemoryLimit(limit)
	return limit
}
