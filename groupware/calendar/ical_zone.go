package calendar

import (
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-ical"

	"github.com/wfehq/wfe/groupware/calendar/wintz"
)

// zoneReader resolves TZID parameters of one iCalendar object. A TZID that
// is an IANA name is used as such; a Windows name is mapped through wintz;
// anything else is kept as written and its times are read as UTC, with a
// problem noted. The VTIMEZONE components of the object are never used to
// compute times: where one disagrees with the zone database, the zone
// database wins and a problem is noted.
type zoneReader struct {
	vtimezones map[string][]int           // TZID → TZOFFSETTO values in seconds
	components map[string]*ical.Component // TZID → its VTIMEZONE
	unknown    []string                   // unknown TZIDs of the item being read
	noted      map[string]bool            // problems already noted
}

func newZoneReader(cal *ical.Calendar) *zoneReader {
	zr := &zoneReader{vtimezones: map[string][]int{}, components: map[string]*ical.Component{}}
	for _, c := range cal.Children {
		if c.Name != ical.CompTimezone {
			continue
		}
		tzid, _ := c.Props.Text(ical.PropTimezoneID)
		zr.vtimezones[tzid] = observanceOffsets(c)
		zr.components[tzid] = c
	}
	return zr
}

func observanceOffsets(vtz *ical.Component) []int {
	var out []int
	for _, obs := range vtz.Children {
		if p := obs.Props.Get(ical.PropTimezoneOffsetTo); p != nil {
			if secs, ok := parseUTCOffset(p.Value); ok {
				out = append(out, secs)
			}
		}
	}
	return out
}

// parseUTCOffset reads "+0100" or "-053000".
func parseUTCOffset(s string) (int, bool) {
	if len(s) != 5 && len(s) != 7 || (s[0] != '+' && s[0] != '-') {
		return 0, false
	}
	var h, m, sec int
	if _, err := fmt.Sscanf(s[1:5], "%02d%02d", &h, &m); err != nil {
		return 0, false
	}
	if len(s) == 7 {
		if _, err := fmt.Sscanf(s[5:], "%02d", &sec); err != nil {
			return 0, false
		}
	}
	total := h*3600 + m*60 + sec
	if s[0] == '-' {
		total = -total
	}
	return total, true
}

// when reads a DATE or DATE-TIME property into a When, noting problems on it.
func (zr *zoneReader) when(it Item, prop *ical.Prop) (When, error) {
	if prop == nil {
		return When{}, nil
	}
	v := prop.Value
	if prop.ValueType() == ical.ValueDate || len(v) == len("20060102") {
		t, err := time.Parse("20060102", v)
		return When{Time: t, DateOnly: true}, propErr(prop, err)
	}
	if strings.HasSuffix(v, "Z") {
		t, err := time.Parse("20060102T150405Z", v)
		return When{Time: t, Zone: "UTC"}, propErr(prop, err)
	}
	tzid := prop.Params.Get(ical.ParamTimezoneID)
	if tzid == "" {
		t, err := time.Parse("20060102T150405", v)
		return When{Time: t, Floating: true}, propErr(prop, err)
	}
	return zr.zoned(it, prop, tzid)
}

func (zr *zoneReader) zoned(it Item, prop *ical.Prop, tzid string) (When, error) {
	zone, loc := resolveZone(tzid)
	if loc == nil {
		t, err := time.Parse("20060102T150405", prop.Value)
		zr.noteOnce(it, "TZID %q is not a known time zone: its times are read as UTC", tzid)
		zr.keepUnknown(tzid)
		return When{Time: t, Zone: tzid, Unknown: true}, propErr(prop, err)
	}
	t, err := time.ParseInLocation("20060102T150405", prop.Value, loc)
	if err != nil {
		return When{}, propErr(prop, err)
	}
	zr.checkVTimezone(it, tzid, zone, t)
	return When{Time: t, Zone: zone}, nil
}

// resolveZone gives the IANA name and location for a TZID, or a nil
// location when the TZID names no known zone.
func resolveZone(tzid string) (string, *time.Location) {
	if loc, err := LoadZone(tzid); err == nil {
		return tzid, loc
	}
	if iana, err := wintz.IANA(tzid); err == nil {
		if loc, err := LoadZone(iana); err == nil {
			return iana, loc
		}
	}
	return tzid, nil
}

func (zr *zoneReader) checkVTimezone(it Item, tzid, zone string, t time.Time) {
	offsets, ok := zr.vtimezones[tzid]
	if !ok || len(offsets) == 0 {
		return
	}
	_, dbOffset := t.Zone()
	for _, o := range offsets {
		if o == dbOffset {
			return
		}
	}
	zr.noteOnce(it, "VTIMEZONE %q differs from the zone database (offsets %v s, database %d s at %s): the zone database for %s is used",
		tzid, offsets, dbOffset, t.Format(time.RFC3339), zone)
}

func (zr *zoneReader) noteOnce(it Item, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if zr.noted == nil {
		zr.noted = map[string]bool{}
	}
	key := it[FieldUID] + "\x00" + it[FieldRecurrenceID] + "\x00" + msg
	if !zr.noted[key] {
		zr.noted[key] = true
		it.Note("%s", msg)
	}
}

func propErr(prop *ical.Prop, err error) error {
	if err != nil {
		return fmt.Errorf("%s %q: %w", prop.Name, prop.Value, err)
	}
	return nil
}

func (zr *zoneReader) keepUnknown(tzid string) {
	for _, z := range zr.unknown {
		if z == tzid {
			return
		}
	}
	zr.unknown = append(zr.unknown, tzid)
}

// keepZoneData stores on the item the VTIMEZONEs of the unknown zones it
// used, so that writing it back keeps their definitions.
func (zr *zoneReader) keepZoneData(it Item) {
	var comps []*ical.Component
	for _, tzid := range zr.unknown {
		if c := zr.components[tzid]; c != nil {
			comps = append(comps, c)
		}
	}
	zr.unknown = nil
	if len(comps) == 0 {
		return
	}
	cal := ical.NewCalendar()
	cal.Props.SetText(ical.PropVersion, "2.0")
	cal.Props.SetText(ical.PropProductID, productID)
	cal.Children = comps
	var b strings.Builder
	if err := ical.NewEncoder(&b).Encode(cal); err == nil {
		it[FieldZoneData] = b.String()
	}
}

// keptVTimezones reads FieldZoneData back into VTIMEZONE components.
func keptVTimezones(it Item) ([]*ical.Component, error) {
	raw := it[FieldZoneData]
	if raw == "" {
		return nil, nil
	}
	cal, err := ical.NewDecoder(strings.NewReader(raw)).Decode()
	if err != nil {
		return nil, fmt.Errorf("field %s: %w", FieldZoneData, err)
	}
	return cal.Children, nil
}
