package calendar

import (
	"bytes"
	"testing"

	"github.com/emersion/go-ical"
)

func TestVTimezoneFromZoneDatabase(t *testing.T) {
	series := decodeFile(t, "weekly-moved-cancelled.ics")
	var buf bytes.Buffer
	if err := EncodeICS(&buf, testStamp, series...); err != nil {
		t.Fatal(err)
	}
	cal, err := ical.NewDecoder(bytes.NewReader(buf.Bytes())).Decode()
	if err != nil {
		t.Fatal(err)
	}
	var vtz *ical.Component
	for _, c := range cal.Children {
		if c.Name == ical.CompTimezone {
			vtz = c
		}
	}
	if vtz == nil || vtz.Props.Get(ical.PropTimezoneID).Value != "Europe/Berlin" {
		t.Fatalf("no VTIMEZONE for Europe/Berlin:\n%s", buf.String())
	}
	want := map[string]string{ // onset → offsets, for the first year
		"20260101T000000": "+0100>+0100",
		"20260329T020000": "+0100>+0200",
		"20261025T030000": "+0200>+0100",
	}
	for _, obs := range vtz.Children {
		start := obs.Props.Get(ical.PropDateTimeStart).Value
		got := obs.Props.Get(ical.PropTimezoneOffsetFrom).Value + ">" + obs.Props.Get(ical.PropTimezoneOffsetTo).Value
		if want[start] != got {
			t.Errorf("observance %s %s: offsets %s, want %q", obs.Name, start, got, want[start])
		}
		delete(want, start)
	}
	if len(want) != 0 {
		t.Errorf("missing observances %v", want)
	}
	again, err := DecodeICS(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if p := again[0].Master[FieldProblems]; p != "" {
		t.Errorf("reading the written VTIMEZONE noted %q", p)
	}
}

func TestVTimezoneRDatesCoverLaterYears(t *testing.T) {
	vtz, err := vtimezone("Europe/Berlin", 2026, 2028)
	if err != nil {
		t.Fatal(err)
	}
	var rdates []string
	for _, obs := range vtz.Children {
		for _, p := range obs.Props.Values(ical.PropRecurrenceDates) {
			rdates = append(rdates, obs.Name+" "+p.Value)
		}
	}
	want := []string{"DAYLIGHT 20270328T020000", "DAYLIGHT 20280326T020000", "STANDARD 20271031T030000", "STANDARD 20281029T030000"}
	if len(rdates) != len(want) {
		t.Fatalf("RDATEs %v, want %v", rdates, want)
	}
	for i := range want {
		found := false
		for _, r := range rdates {
			found = found || r == want[i]
		}
		if !found {
			t.Errorf("missing RDATE %s in %v", want[i], rdates)
		}
	}
}

func TestUTCOffsetText(t *testing.T) {
	tests := map[int]string{3600: "+0100", -12600: "-0330", 20700: "+0545", 0: "+0000", -3725: "-010205"}
	for secs, want := range tests {
		if got := utcOffset(secs); got != want {
			t.Errorf("utcOffset(%d) = %q, want %q", secs, got, want)
		}
		if back, ok := parseUTCOffset(want); !ok || back != secs {
			t.Errorf("parseUTCOffset(%q) = %d, %v", want, back, ok)
		}
	}
	if vtz, err := vtimezone("Asia/Tokyo", 2026, 2030); err != nil || len(vtz.Children) != 1 {
		t.Errorf("a zone without changes wants one observance: %v", err)
	}
}

// TestUnknownZoneKeepsItsVTimezone: a zone the database lacks is written
// back with the definition it came with, so other clients still place
// the event where its organiser meant it.
func TestUnknownZoneKeepsItsVTimezone(t *testing.T) {
	series := decodeFile(t, "unknown-tzid.ics")
	if series[0].Master[FieldZoneData] == "" {
		t.Fatal("the VTIMEZONE of the unknown zone was not kept")
	}
	var buf bytes.Buffer
	if err := EncodeICS(&buf, testStamp, series...); err != nil {
		t.Fatal(err)
	}
	cal, err := ical.NewDecoder(&buf).Decode()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range cal.Children {
		if c.Name != ical.CompTimezone {
			continue
		}
		n++
		if c.Props.Get(ical.PropTimezoneID).Value != "Custom Office Zone" ||
			c.Children[0].Props.Get(ical.PropTimezoneOffsetTo).Value != "+0300" {
			t.Errorf("VTIMEZONE written back changed: %+v", c)
		}
	}
	if n != 1 {
		t.Errorf("%d VTIMEZONEs written, want 1", n)
	}
}
