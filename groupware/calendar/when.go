package calendar

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// When is a point in calendar time as the model keeps it: a date (all-day),
// a floating wall-clock time (no zone), or a time in a named zone. Zone is
// an IANA name; when the zone is unknown to the zone database it is kept
// as written and the time is read as UTC (Known is false).
type When struct {
	Time     time.Time
	Zone     string // IANA name, or an unknown zone name kept as written; "" for dates and floating times
	DateOnly bool   // an all-day date; Time is midnight UTC of that date
	Floating bool   // wall-clock time without zone; Time holds it in UTC
	Unknown  bool   // Zone is not in the zone database; Time is read as UTC
}

const (
	dateLayout     = "2006-01-02"
	floatingLayout = "2006-01-02T15:04:05"
)

// Date makes an all-day When.
func Date(y int, m time.Month, d int) When {
	return When{Time: time.Date(y, m, d, 0, 0, 0, 0, time.UTC), DateOnly: true}
}

// At makes a When in a zone; t's location must be an IANA zone or UTC.
func At(t time.Time) When {
	return When{Time: t, Zone: t.Location().String()}
}

// IsZero reports whether w holds no time.
func (w When) IsZero() bool { return w.Time.IsZero() }

// String formats w as the model stores it (see the package documentation):
// "2026-10-25" for a date, "2026-10-25T10:00:00" for a floating time,
// "2026-10-25T10:00:00Z" in UTC, "2026-10-25T10:00:00+01:00[Europe/Berlin]"
// in a zone, "2026-10-25T10:00:00Z[Custom Zone]" in an unknown zone.
func (w When) String() string {
	switch {
	case w.IsZero():
		return ""
	case w.DateOnly:
		return w.Time.Format(dateLayout)
	case w.Floating:
		return w.Time.Format(floatingLayout)
	case w.Zone == "" || w.Zone == "UTC":
		return w.Time.UTC().Format(time.RFC3339)
	}
	return w.Time.Format(time.RFC3339) + "[" + w.Zone + "]"
}

// ParseWhen reads a value written by When.String. A zoned value must carry
// the offset its zone has at that wall-clock time.
func ParseWhen(s string) (When, error) {
	switch {
	case s == "":
		return When{}, nil
	case len(s) == len(dateLayout):
		t, err := time.Parse(dateLayout, s)
		return When{Time: t, DateOnly: true}, wrapWhen(s, err)
	case len(s) == len(floatingLayout):
		t, err := time.Parse(floatingLayout, s)
		return When{Time: t, Floating: true}, wrapWhen(s, err)
	}
	stamp, zone, hasZone := strings.Cut(s, "[")
	t, err := time.Parse(time.RFC3339, stamp)
	if err != nil {
		return When{}, wrapWhen(s, err)
	}
	if !hasZone {
		return When{Time: t.UTC(), Zone: "UTC"}, nil
	}
	name, closed := strings.CutSuffix(zone, "]")
	if !closed || name == "" {
		return When{}, fmt.Errorf("calendar: time %q: zone name must be written as [Area/City]", s)
	}
	return inZone(s, t, name)
}

func inZone(s string, t time.Time, zone string) (When, error) {
	loc, err := LoadZone(zone)
	if err != nil {
		_, offset := t.Zone()
		if offset != 0 {
			return When{}, fmt.Errorf("calendar: time %q: unknown zone %q must be written with offset Z", s, zone)
		}
		return When{Time: t.UTC(), Zone: zone, Unknown: true}, nil
	}
	local := t.In(loc)
	if local.Format(floatingLayout) != t.Format(floatingLayout) {
		return When{}, fmt.Errorf("calendar: time %q: offset does not match zone %s (%s there)", s, zone, local.Format(time.RFC3339))
	}
	return When{Time: local, Zone: zone}, nil
}

func wrapWhen(s string, err error) error {
	if err != nil {
		return fmt.Errorf("calendar: time %q: %w", s, err)
	}
	return nil
}

// zoneCache holds the zones loaded so far: time.LoadLocation reads and
// parses the zone file on every call.
var zoneCache sync.Map // name → *time.Location

// LoadZone loads an IANA zone. Empty names and names that are not IANA
// names (a Windows name must go through wintz first) fail.
func LoadZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("calendar: %q is not a time zone name", name)
	}
	if loc, ok := zoneCache.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	zoneCache.Store(name, loc)
	return loc, nil
}

// In gives the wall-clock time of w as a time.Time: dates and floating
// times are placed in floating (UTC when nil).
func (w When) In(floating *time.Location) time.Time {
	if !(w.DateOnly || w.Floating) {
		return w.Time
	}
	if floating == nil {
		floating = time.UTC
	}
	y, m, d := w.Time.Date()
	return time.Date(y, m, d, w.Time.Hour(), w.Time.Minute(), w.Time.Second(), 0, floating)
}

// with gives w moved so that its wall clock is t's wall clock, keeping
// the kind (date, floating, zone) of w.
func (w When) with(t time.Time) When {
	out := w
	if w.DateOnly || w.Floating || w.Unknown {
		y, m, d := t.Date()
		out.Time = time.Date(y, m, d, t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
		return out
	}
	out.Time = t
	return out
}
