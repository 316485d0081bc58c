package dav

import (
	"strings"
	"time"

	"github.com/wfehq/wfe/groupware"
)

// maxRevValue is the longest REV value read; a longer one is skipped.
const maxRevValue = 64

// revLayouts are the forms of a vCard REV (RFC 6350 timestamp, RFC 2426
// ISO 8601 date-time or date, with or without a zone).
var revLayouts = []string{
	"20060102T150405Z", "20060102T150405Z0700", "20060102T150405Z07", "20060102T150405",
	"2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04:05", "20060102", "2006-01-02",
}

// readRev reads a REV line into Contact.Modified; a REV that is too long
// or in no known form leaves it unknown (zero). The line stays on the
// server when wfe updates the card (merges keep it as it is).
func readRev(sc *lineScanner, c *groupware.Contact) error {
	raw, ok, err := sc.Value(maxRevValue)
	if err != nil || !ok {
		return err
	}
	c.Modified = parseRev(strings.TrimSpace(string(raw)))
	return nil
}

// parseRev reads a REV value; zero when it is in no known form. A time
// without a zone is read as UTC.
func parseRev(v string) time.Time {
	for _, layout := range revLayouts {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}
