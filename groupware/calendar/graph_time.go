package calendar

import (
	"fmt"
	"strings"
	"time"

	"github.com/wfehq/wfe/groupware/calendar/wintz"
)

// Graph writes wall-clock times with seven fraction digits.
const (
	graphLayoutIn  = "2006-01-02T15:04:05.999999999"
	graphLayoutOut = "2006-01-02T15:04:05.0000000"
)

// fromGraphTime reads a dateTimeTimeZone. The zone may be a Windows name,
// an IANA name or "UTC"; an unknown zone is kept and read as UTC, with a
// problem noted. An all-day value is read as its date.
func fromGraphTime(it Item, gdt *GraphDateTime, allDay bool) (When, error) {
	if gdt == nil || gdt.DateTime == "" {
		return When{}, nil
	}
	wall, err := time.Parse(graphLayoutIn, gdt.DateTime)
	if err != nil {
		return When{}, fmt.Errorf("dateTime %q: %w", gdt.DateTime, err)
	}
	if allDay {
		return Date(wall.Date()), nil
	}
	if isGraphUTC(gdt.TimeZone) {
		return When{Time: wall, Zone: "UTC"}, nil
	}
	zone, loc := resolveZone(gdt.TimeZone)
	if loc == nil {
		it.Note("time zone %q is not a known zone: its times are read as UTC", gdt.TimeZone)
		return When{Time: wall, Zone: zone, Unknown: true}, nil
	}
	y, m, d := wall.Date()
	return When{Time: time.Date(y, m, d, wall.Hour(), wall.Minute(), wall.Second(), 0, loc), Zone: zone}, nil
}

func isGraphUTC(zone string) bool {
	return zone == "UTC" || zone == "" || strings.EqualFold(zone, "tzone://Microsoft/Utc")
}

// toGraphTime writes a When as a dateTimeTimeZone with a Windows zone name.
// Graph has no floating times and wants a zone on all-day events: those
// take localZone (an IANA name; "" means UTC), the mailbox's zone.
func toGraphTime(w When, localZone string) (*GraphDateTime, error) {
	if w.IsZero() {
		return nil, nil
	}
	out := &GraphDateTime{DateTime: w.Time.Format(graphLayoutOut)}
	zone := w.Zone
	if w.DateOnly || w.Floating {
		zone = localZone
	}
	var err error
	out.TimeZone, err = graphZoneName(zone, w.Unknown)
	return out, err
}

func graphZoneName(zone string, unknown bool) (string, error) {
	switch {
	case zone == "" || zone == "UTC":
		return "UTC", nil
	case unknown: // kept as it came, whatever it was
		return zone, nil
	}
	name, err := wintz.Windows(zone)
	if err != nil {
		return "", fmt.Errorf("zone %q: %w", zone, err)
	}
	return name, nil
}
