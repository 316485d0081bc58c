package calendar

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func berlin(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func starts(e Expansion) string {
	var out []string
	for _, o := range e.Occurrences {
		out = append(out, o.Start.String()+"/"+o.End.String())
	}
	return strings.Join(out, " ")
}

func TestOccurrences(t *testing.T) {
	weekly := decodeFile(t, "weekly-moved-cancelled.ics")[0]
	series := func(fields map[string]string) Series { return Series{Master: Item(fields)} }
	tests := []struct {
		name     string
		series   Series
		from, to time.Time
		want     string
	}{
		{"weekly meeting, one moved and one cancelled instance", weekly,
			time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 27, 0, 0, 0, 0, time.UTC),
			"2026-10-05T10:00:00+02:00[Europe/Berlin]/2026-10-05T11:00:00+02:00[Europe/Berlin] " +
				"2026-10-13T14:00:00+02:00[Europe/Berlin]/2026-10-13T15:00:00+02:00[Europe/Berlin] " +
				"2026-10-26T10:00:00+01:00[Europe/Berlin]/2026-10-26T11:00:00+01:00[Europe/Berlin]"},
		{"daily across the change to winter time keeps 09:00", series(map[string]string{
			FieldUID: "dst", FieldStart: "2026-10-24T09:00:00+02:00[Europe/Berlin]", FieldEnd: "2026-10-24T09:30:00+02:00[Europe/Berlin]",
			FieldRecurrence: "FREQ=DAILY;COUNT=3"}),
			time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
			"2026-10-24T09:00:00+02:00[Europe/Berlin]/2026-10-24T09:30:00+02:00[Europe/Berlin] " +
				"2026-10-25T09:00:00+01:00[Europe/Berlin]/2026-10-25T09:30:00+01:00[Europe/Berlin] " +
				"2026-10-26T09:00:00+01:00[Europe/Berlin]/2026-10-26T09:30:00+01:00[Europe/Berlin]"},
		{"all-day across the change stays all-day", series(map[string]string{
			FieldUID: "allday", FieldStart: "2026-10-24", FieldEnd: "2026-10-25", FieldAllDay: "true",
			FieldRecurrence: "FREQ=DAILY;UNTIL=20261026", FieldExdates: "2026-10-25"}),
			time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
			"2026-10-24/2026-10-25 2026-10-26/2026-10-27"},
		{"range cuts the series", weekly,
			time.Date(2026, 10, 26, 10, 30, 0, 0, time.UTC), time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC),
			"2026-11-02T10:00:00+01:00[Europe/Berlin]/2026-11-02T11:00:00+01:00[Europe/Berlin]"},
		{"single event", series(map[string]string{FieldUID: "one", FieldStart: "2026-11-01T08:00:00", FieldEnd: "2026-11-01T09:00:00"}),
			time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC),
			"2026-11-01T08:00:00/2026-11-01T09:00:00"},
		{"only an instance was given", decodeFile(t, "instances-only.ics")[0],
			time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
			"2026-11-09T11:00:00+01:00[Europe/Berlin]/2026-11-09T12:00:00+01:00[Europe/Berlin]"},
		{"cancelled series", decodeFile(t, "cancelled-series.ics")[0],
			time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Occurrences(tt.series, tt.from, tt.to)
			if err != nil {
				t.Fatal(err)
			}
			if s := starts(got); s != tt.want {
				t.Errorf("occurrences\n got %s\nwant %s", s, tt.want)
			}
		})
	}
}

func TestOccurrencesMarksTheMovedInstance(t *testing.T) {
	weekly := decodeFile(t, "weekly-moved-cancelled.ics")[0]
	loc := berlin(t)
	got, err := Occurrences(weekly, time.Date(2026, 10, 12, 0, 0, 0, 0, loc), time.Date(2026, 10, 14, 0, 0, 0, 0, loc))
	if err != nil || len(got.Occurrences) != 1 {
		t.Fatalf("got %+v, %v", got, err)
	}
	o := got.Occurrences[0]
	if !o.Moved || o.RecurrenceID.String() != "2026-10-12T10:00:00+02:00[Europe/Berlin]" || o.Item[FieldSubject] != "Wochenbesprechung (verschoben)" {
		t.Errorf("moved instance = %+v", o)
	}
}

func TestOccurrencesCap(t *testing.T) {
	s := Series{Master: Item{FieldUID: "many", FieldStart: "2026-01-01T00:00:00Z", FieldEnd: "2026-01-01T00:00:30Z",
		FieldRecurrence: "FREQ=MINUTELY;COUNT=10000"}}
	got, err := Occurrences(s, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if !got.Truncated || len(got.Occurrences) != MaxOccurrences {
		t.Errorf("10,000 instances in range: got %d, truncated %v; want %d, truncated", len(got.Occurrences), got.Truncated, MaxOccurrences)
	}
	// An instance every second since 1990, asked for 2026: the walk stops.
	s.Master[FieldStart], s.Master[FieldEnd], s.Master[FieldRecurrence] = "1990-01-01T00:00:00Z", "1990-01-01T00:00:01Z", "FREQ=SECONDLY"
	got, err = Occurrences(s, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC))
	if err != nil || !got.Truncated || len(got.Occurrences) != 0 {
		t.Errorf("endless rule: got %d, truncated %v, %v", len(got.Occurrences), got.Truncated, err)
	}
}

func TestOccurrencesOfAnUnexpandableRule(t *testing.T) {
	s := decodeFile(t, "bad-rrule.ics")[0]
	got, err := Occurrences(s, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	if !errors.Is(err, ErrUnexpandable) || !strings.Contains(err.Error(), "badrule-1@example.com") {
		t.Fatalf("err = %v, want ErrUnexpandable naming the UID", err)
	}
	if starts(got) != "2026-11-05T15:00:00Z/2026-11-05T16:00:00Z" || s.Master[FieldRecurrence] != "FREQ=SOMETIMES;BYDAY=XX" {
		t.Errorf("the series must keep its rule and show its first instance: %s", starts(got))
	}
}

func BenchmarkOccurrences10k(b *testing.B) {
	b.ReportAllocs()
	s := Series{Master: Item{FieldUID: "many", FieldStart: "2026-01-01T09:00:00+01:00[Europe/Berlin]",
		FieldEnd: "2026-01-01T10:00:00+01:00[Europe/Berlin]", FieldRecurrence: "FREQ=HOURLY;COUNT=10000"}}
	from, to := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC)
	for b.Loop() {
		if _, err := Occurrences(s, from, to); err != nil {
			b.Fatal(err)
		}
	}
}
