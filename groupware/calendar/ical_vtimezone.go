package calendar

import (
	"fmt"
	"sort"
	"time"

	"github.com/emersion/go-ical"
)

// openSeriesYears is how far past its start an open-ended or counted
// series gets its zone described in the VTIMEZONE written with it.
const openSeriesYears = 10

// vtimezone describes an IANA zone from the zone database for the years
// from through to: the observance in effect on 1 January of the first
// year, then one STANDARD or DAYLIGHT observance per kind of change
// (offset before, offset after, abbreviation) with its first onset as
// DTSTART and the later ones as RDATE.
func vtimezone(zone string, from, to int) (*ical.Component, error) {
	loc, err := LoadZone(zone)
	if err != nil {
		return nil, err
	}
	vtz := ical.NewComponent(ical.CompTimezone)
	vtz.Props.SetText(ical.PropTimezoneID, zone)
	t := time.Date(from, 1, 1, 0, 0, 0, 0, loc)
	limit := time.Date(to+1, 1, 1, 0, 0, 0, 0, loc)
	_, offset := t.Zone()
	vtz.Children = append(vtz.Children, observance(t, offset))
	byKind := map[string]*ical.Component{}
	for {
		_, end := t.ZoneBounds()
		if end.IsZero() || !end.Before(limit) {
			return vtz, nil
		}
		_, before := t.Zone()
		addOnset(vtz, byKind, end, before)
		t = end
	}
}

// observance makes a STANDARD or DAYLIGHT component whose onset is t,
// changing from the offset before (seconds east of UTC).
func observance(t time.Time, before int) *ical.Component {
	name, after := t.Zone()
	c := ical.NewComponent(ical.CompTimezoneStandard)
	if t.IsDST() {
		c = ical.NewComponent(ical.CompTimezoneDaylight)
	}
	c.Props.Set(&ical.Prop{Name: ical.PropDateTimeStart, Params: ical.Params{}, Value: onsetValue(t, before)})
	c.Props.Set(&ical.Prop{Name: ical.PropTimezoneOffsetFrom, Params: ical.Params{}, Value: utcOffset(before)})
	c.Props.Set(&ical.Prop{Name: ical.PropTimezoneOffsetTo, Params: ical.Params{}, Value: utcOffset(after)})
	c.Props.SetText(ical.PropTimezoneName, name)
	return c
}

func addOnset(vtz *ical.Component, byKind map[string]*ical.Component, t time.Time, before int) {
	name, after := t.Zone()
	kind := fmt.Sprintf("%d/%d/%s/%v", before, after, name, t.IsDST())
	if c, ok := byKind[kind]; ok {
		c.Props.Add(&ical.Prop{Name: ical.PropRecurrenceDates, Params: ical.Params{}, Value: onsetValue(t, before)})
		return
	}
	c := observance(t, before)
	byKind[kind] = c
	vtz.Children = append(vtz.Children, c)
}

// onsetValue is the local time of an onset in the offset before it, as
// RFC 5545 writes observance starts.
func onsetValue(t time.Time, before int) string {
	return t.In(time.FixedZone("", before)).Format("20060102T150405")
}

func utcOffset(secs int) string {
	sign := '+'
	if secs < 0 {
		sign, secs = '-', -secs
	}
	s := fmt.Sprintf("%c%02d%02d", sign, secs/3600, secs/60%60)
	if secs%60 != 0 {
		s += fmt.Sprintf("%02d", secs%60)
	}
	return s
}

// zoneSpans gives, for each known zone the series use, the years their
// times fall in; a recurring series reaches to its UNTIL year, or
// openSeriesYears past its start.
func zoneSpans(series []Series) map[string][2]int {
	spans := map[string][2]int{}
	for _, s := range series {
		for _, it := range append([]Item{s.Master}, s.Overrides...) {
			for _, w := range itemTimes(it) {
				if w.Zone == "" || w.Zone == "UTC" || w.Unknown {
					continue
				}
				last := w.Time.Year()
				if it[FieldRecurrence] != "" {
					last += openSeriesYears
				}
				spans[w.Zone] = widen(spans[w.Zone], w.Time.Year(), last)
			}
		}
	}
	return spans
}

func itemTimes(it Item) []When {
	var out []When
	for _, f := range []string{FieldStart, FieldEnd, FieldDue, FieldRecurrenceID} {
		if w, err := it.When(f); err == nil && !w.IsZero() {
			out = append(out, w)
		}
	}
	ex, _ := it.Exdates()
	return append(out, ex...)
}

func widen(span [2]int, from, to int) [2]int {
	if span == [2]int{} {
		return [2]int{from, to}
	}
	return [2]int{min(span[0], from), max(span[1], to)}
}

// vtimezones builds the VTIMEZONE components for series, sorted by zone.
func vtimezones(series []Series) ([]*ical.Component, error) {
	spans := zoneSpans(series)
	zones := make([]string, 0, len(spans))
	for z := range spans {
		zones = append(zones, z)
	}
	sort.Strings(zones)
	out := make([]*ical.Component, 0, len(zones))
	for _, z := range zones {
		vtz, err := vtimezone(z, spans[z][0], spans[z][1])
		if err != nil {
			return nil, fmt.Errorf("calendar: VTIMEZONE for %q: %w", z, err)
		}
		out = append(out, vtz)
	}
	return appendKept(out, series)
}

// appendKept adds the VTIMEZONEs kept for unknown zones, once per TZID.
func appendKept(out []*ical.Component, series []Series) ([]*ical.Component, error) {
	seen := map[string]bool{}
	for _, s := range series {
		for _, it := range append([]Item{s.Master}, s.Overrides...) {
			kept, err := keptVTimezones(it)
			if err != nil {
				return nil, fmt.Errorf("calendar: UID %q: %w", it[FieldUID], err)
			}
			for _, c := range kept {
				tzid, _ := c.Props.Text(ical.PropTimezoneID)
				if c.Name == ical.CompTimezone && !seen[tzid] {
					seen[tzid] = true
					out = append(out, c)
				}
			}
		}
	}
	return out, nil
}
