package calendar

import (
	"strings"
	"testing"
	"time"
)

func TestWhenRoundTrip(t *testing.T) {
	loc := berlin(t)
	tests := []struct {
		name string
		when When
		text string
	}{
		{"date", Date(2026, 10, 25), "2026-10-25"},
		{"floating", When{Time: time.Date(2026, 10, 25, 10, 0, 0, 0, time.UTC), Floating: true}, "2026-10-25T10:00:00"},
		{"UTC", When{Time: time.Date(2026, 10, 25, 9, 0, 0, 0, time.UTC), Zone: "UTC"}, "2026-10-25T09:00:00Z"},
		{"summer time", At(time.Date(2026, 10, 24, 10, 0, 0, 0, loc)), "2026-10-24T10:00:00+02:00[Europe/Berlin]"},
		{"winter time", At(time.Date(2026, 10, 25, 10, 0, 0, 0, loc)), "2026-10-25T10:00:00+01:00[Europe/Berlin]"},
		{"unknown zone", When{Time: time.Date(2026, 10, 25, 10, 0, 0, 0, time.UTC), Zone: "Custom Zone", Unknown: true}, "2026-10-25T10:00:00Z[Custom Zone]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.when.String(); got != tt.text {
				t.Fatalf("String() = %q, want %q", got, tt.text)
			}
			back, err := ParseWhen(tt.text)
			if err != nil {
				t.Fatal(err)
			}
			if !back.Time.Equal(tt.when.Time) || back.String() != tt.text || back.Zone != tt.when.Zone ||
				back.DateOnly != tt.when.DateOnly || back.Floating != tt.when.Floating || back.Unknown != tt.when.Unknown {
				t.Errorf("ParseWhen(%q) = %+v, want %+v", tt.text, back, tt.when)
			}
		})
	}
}

func TestParseWhenRejects(t *testing.T) {
	tests := map[string]string{
		"2026-13-01":          "month out of range",
		"2026-10-25T25:00:00": "hour out of range",
		"2026-10-25T10:00:00+01:00[Europe/Berlin":  "must be written as [Area/City]",
		"2026-10-25T10:00:00Z[]":                   "must be written as [Area/City]",
		"2026-10-24T10:00:00+01:00[Europe/Berlin]": "offset does not match zone",
		"2026-10-25T10:00:00+03:00[Custom Zone]":   "must be written with offset Z",
		"yesterday":                                "",
	}
	for text, fragment := range tests {
		_, err := ParseWhen(text)
		if err == nil {
			t.Errorf("%q: accepted", text)
			continue
		}
		if !strings.Contains(err.Error(), text) || !strings.Contains(err.Error(), fragment) {
			t.Errorf("%q: error %q should name the value and say %q", text, err, fragment)
		}
	}
}

func TestItemFieldErrorsNameTheField(t *testing.T) {
	it := Item{FieldStart: "soon", FieldExdates: "2026-10-25,never", FieldAttendees: "[{"}
	if _, err := it.When(FieldStart); err == nil || !strings.Contains(err.Error(), "field start") {
		t.Errorf("start: %v", err)
	}
	if _, err := it.Exdates(); err == nil || !strings.Contains(err.Error(), "field exdates") {
		t.Errorf("exdates: %v", err)
	}
	if _, err := it.Attendees(); err == nil || !strings.Contains(err.Error(), "field attendees") {
		t.Errorf("attendees: %v", err)
	}
}

func TestSeriesFieldsRoundTrip(t *testing.T) {
	s := decodeFile(t, "weekly-moved-cancelled.ics")[0]
	f := s.Fields()
	if !strings.Contains(f[FieldOverrides], `"recurrence_id":"2026-10-12T10:00:00+02:00[Europe/Berlin]"`) {
		t.Errorf("overrides field %q", f[FieldOverrides])
	}
	back, err := SeriesFromFields(f)
	if err != nil {
		t.Fatal(err)
	}
	sameRecords(t, "fields", []Series{back}, []Series{s})
	if _, err := SeriesFromFields(map[string]string{FieldOverrides: "{"}); err == nil || !strings.Contains(err.Error(), FieldOverrides) {
		t.Errorf("bad overrides: %v", err)
	}
}
