package calendar

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func readGraphFile(t *testing.T, name string) GraphSeries {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "graph", name))
	if err != nil {
		t.Fatal(err)
	}
	var gs GraphSeries
	if err := json.Unmarshal(data, &gs); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return gs
}

// withoutIDs drops what identifies events on the server, which a
// conversion does not carry.
func withoutIDs(gs GraphSeries) GraphSeries {
	gs.Master.ID = ""
	inst := make([]GraphEvent, len(gs.Instances))
	for i, e := range gs.Instances {
		e.ID, e.SeriesMasterID = "", ""
		inst[i] = e
	}
	gs.Instances = inst
	return gs
}

func TestFromGraphEvent(t *testing.T) {
	tests := []struct {
		file string
		want map[string]string
	}{
		{"weekly-moved-cancelled.json", map[string]string{
			FieldStart: "2026-10-05T10:00:00+02:00[Europe/Berlin]", FieldEnd: "2026-10-05T11:00:00+02:00[Europe/Berlin]",
			FieldRecurrence: "FREQ=WEEKLY;BYDAY=MO;WKST=SU;COUNT=10", FieldExdates: "2026-10-19T10:00:00+02:00[Europe/Berlin]",
			FieldLocation: "Raum Süd", FieldOrganizer: "chef@example.com", FieldAllDay: ""}},
		{"daily-across-dst.json", map[string]string{
			FieldRecurrence: "FREQ=DAILY;UNTIL=20261026T225959Z", FieldStart: "2026-10-24T09:00:00+02:00[Europe/Berlin]"}},
		{"all-day.json", map[string]string{FieldStart: "2026-10-24", FieldEnd: "2026-10-27", FieldAllDay: "true"}},
		{"all-day-weekly-exceptions.json", map[string]string{FieldStart: "2026-10-23", FieldAllDay: "true",
			FieldRecurrence: "FREQ=WEEKLY;BYDAY=FR;UNTIL=20261127", FieldExdates: "2026-11-06"}},
		{"cancelled-series.json", map[string]string{
			FieldStatus: "cancelled", FieldStart: "2026-11-05T15:00:00Z", FieldRecurrence: "FREQ=MONTHLY;BYDAY=TH;BYSETPOS=1"}},
		{"unknown-zone.json", map[string]string{FieldStart: "2026-11-02T09:00:00Z[Customized Time Zone]"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s, err := FromGraphEvent(readGraphFile(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			wantFields(t, tt.file, s.Master, tt.want)
		})
	}
}

func TestFromGraphEventOverridesAndNames(t *testing.T) {
	s, err := FromGraphEvent(readGraphFile(t, "weekly-moved-cancelled.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Overrides) != 1 {
		t.Fatalf("overrides %v", s.Overrides)
	}
	wantFields(t, "exception", s.Overrides[0], map[string]string{
		FieldRecurrenceID: "2026-10-12T10:00:00+02:00[Europe/Berlin]", FieldStart: "2026-10-13T14:00:00+02:00[Europe/Berlin]",
		FieldUID: "040000008200E00074C5B7101A82E008-weekly"})
	att, _ := s.Master.Attendees()
	if len(att) != 3 || att[0].Name != "Ørsted, Åsa" || att[0].Status != "needs-action" || att[2].Name != "山田 太郎" {
		t.Errorf("attendees %+v", att)
	}
	un, _ := FromGraphEvent(readGraphFile(t, "unknown-zone.json"))
	wantProblem(t, un.Master, `"Customized Time Zone" is not a known zone`)
}

// TestGraphRoundTrip reads each Graph fixture into the model and writes it
// back: the JSON must be the same, less the server's ids (attendees
// come back sorted by address, so the fixtures list them that way).
func TestGraphRoundTrip(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "graph", "*.json"))
	if len(files) < 5 {
		t.Fatalf("found %d Graph fixtures", len(files))
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			in := withoutIDs(readGraphFile(t, name))
			s, err := FromGraphEvent(in)
			if err != nil {
				t.Fatal(err)
			}
			out, err := ToGraphEvent(s, "Europe/Berlin")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(jsonOf(t, out), jsonOf(t, in)) {
				t.Errorf("round trip changed the event:\n got %s\nwant %s", jsonOf(t, out), jsonOf(t, in))
			}
		})
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestICalToGraphAndBack takes the iCalendar weekly meeting through the
// Graph shape and back: the record must not change.
func TestICalToGraphAndBack(t *testing.T) {
	for _, file := range []string{"weekly-moved-cancelled.ics", "all-day.ics", "windows-tzid.ics", "cancelled-series.ics"} {
		first := decodeFile(t, file)[0]
		gs, err := ToGraphEvent(first, "Europe/Berlin")
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		back, err := FromGraphEvent(gs)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		sameRecords(t, file, []Series{back}, []Series{first})
	}
}

// TestAllDayGraphSeries: Graph gives the original start of an all-day
// instance as local midnight in UTC; its date is taken in the series' zone.
func TestAllDayGraphSeries(t *testing.T) {
	s, err := FromGraphEvent(readGraphFile(t, "all-day-weekly-exceptions.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Overrides) != 1 || s.Overrides[0][FieldRecurrenceID] != "2026-10-30" || s.Overrides[0][FieldStart] != "2026-10-29" {
		t.Fatalf("override %v", s.Overrides)
	}
	got, err := Occurrences(s, time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	want := "2026-10-23/2026-10-24 2026-10-29/2026-10-30 2026-11-13/2026-11-14 2026-11-20/2026-11-21 2026-11-27/2026-11-28"
	if starts(got) != want {
		t.Errorf("occurrences\n got %s\nwant %s", starts(got), want)
	}
}

func TestGraphSeriesKeepsWallClockAcrossDST(t *testing.T) {
	s, err := FromGraphEvent(readGraphFile(t, "daily-across-dst.json"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := Occurrences(s, time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	want := "2026-10-24T09:00:00+02:00[Europe/Berlin]/2026-10-24T09:15:00+02:00[Europe/Berlin] " +
		"2026-10-25T09:00:00+01:00[Europe/Berlin]/2026-10-25T09:15:00+01:00[Europe/Berlin] " +
		"2026-10-26T09:00:00+01:00[Europe/Berlin]/2026-10-26T09:15:00+01:00[Europe/Berlin]"
	if starts(got) != want {
		t.Errorf("occurrences\n got %s\nwant %s", starts(got), want)
	}
}

func TestRecurrencePatterns(t *testing.T) {
	start := When{Time: time.Date(2026, 1, 15, 9, 0, 0, 0, berlin(t)), Zone: "Europe/Berlin"}
	tests := []struct {
		name    string
		pattern GraphPattern
		rrule   string
	}{
		{"daily every 2 days", GraphPattern{Type: "daily", Interval: 2}, "FREQ=DAILY;INTERVAL=2"},
		{"weekly", GraphPattern{Type: "weekly", Interval: 1, DaysOfWeek: []string{"monday", "thursday"}}, "FREQ=WEEKLY;BYDAY=MO,TH"},
		{"absoluteMonthly", GraphPattern{Type: "absoluteMonthly", Interval: 1, DayOfMonth: 15}, "FREQ=MONTHLY;BYMONTHDAY=15"},
		{"relativeMonthly", GraphPattern{Type: "relativeMonthly", Interval: 3, DaysOfWeek: []string{"friday"}, Index: "last"}, "FREQ=MONTHLY;INTERVAL=3;BYDAY=FR;BYSETPOS=-1"},
		{"absoluteYearly", GraphPattern{Type: "absoluteYearly", Interval: 1, Month: 1, DayOfMonth: 15}, "FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=15"},
		{"relativeYearly", GraphPattern{Type: "relativeYearly", Interval: 1, Month: 3, DaysOfWeek: []string{"sunday"}, Index: "second"}, "FREQ=YEARLY;BYMONTH=3;BYDAY=SU;BYSETPOS=2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &GraphRecurrence{Pattern: tt.pattern, Range: GraphRange{Type: "noEnd", StartDate: "2026-01-15", RecurrenceTimeZone: "W. Europe Standard Time"}}
			rule, err := rruleFromGraph(rec, start)
			if err != nil || rule != tt.rrule {
				t.Fatalf("RRULE = %q, %v; want %q", rule, err, tt.rrule)
			}
			back, err := graphFromRRule(rule, start, "")
			if err != nil || !reflect.DeepEqual(back, rec) {
				t.Errorf("back to Graph = %+v, %v; want %+v", back, err, rec)
			}
		})
	}
}

func TestRRuleOrdinalDayIsRelative(t *testing.T) {
	start := When{Time: time.Date(2026, 1, 12, 9, 0, 0, 0, time.UTC), Zone: "UTC"}
	rec, err := graphFromRRule("FREQ=MONTHLY;BYDAY=2MO", start, "")
	if err != nil || rec.Pattern.Type != "relativeMonthly" || rec.Pattern.Index != "second" || rec.Pattern.DaysOfWeek[0] != "monday" {
		t.Errorf("got %+v, %v", rec, err)
	}
}

func TestRRulesGraphCannotExpress(t *testing.T) {
	start := When{Time: time.Date(2026, 1, 12, 9, 0, 0, 0, time.UTC), Zone: "UTC"}
	for _, rule := range []string{"FREQ=HOURLY", "FREQ=MONTHLY;BYMONTHDAY=1,15", "FREQ=YEARLY;BYWEEKNO=20", "FREQ=DAILY;BYDAY=MO,TU",
		"FREQ=MONTHLY;BYDAY=MO;BYSETPOS=5", "FREQ=SOMETIMES"} {
		s := Series{Master: Item{FieldUID: "x", FieldStart: start.String(), FieldEnd: start.String(), FieldRecurrence: rule}}
		if _, err := ToGraphEvent(s, ""); !errors.Is(err, ErrNotRepresentable) || !strings.Contains(err.Error(), `"x"`) {
			t.Errorf("%s: err = %v, want ErrNotRepresentable naming the UID", rule, err)
		}
	}
}

func TestGraphHTMLBody(t *testing.T) {
	e := GraphEvent{ICalUID: "h", Body: &GraphBody{ContentType: "html",
		Content: "<html><head><style>p{}</style></head><body><p>Hallo <b>Welt</b>,</p><p>bis  morgen<br>Grüße</p></body></html>"}}
	s, err := FromGraphEvent(GraphSeries{Master: e})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Master[FieldBody]; got != "Hallo Welt,\nbis morgen\nGrüße" {
		t.Errorf("body = %q", got)
	}
}

func TestGraphBadInput(t *testing.T) {
	tests := map[string]GraphSeries{
		"bad dateTime": {Master: GraphEvent{ID: "e1", Start: &GraphDateTime{DateTime: "tomorrow", TimeZone: "UTC"}}},
		"bad pattern": {Master: GraphEvent{ID: "e2", Start: &GraphDateTime{DateTime: "2026-01-01T09:00:00", TimeZone: "UTC"},
			Recurrence: &GraphRecurrence{Pattern: GraphPattern{Type: "fortnightly"}}}},
		"bad originalStart": {Master: GraphEvent{ID: "e3"}, Instances: []GraphEvent{{ID: "i1", OriginalStart: "last week"}}},
	}
	for name, gs := range tests {
		if _, err := FromGraphEvent(gs); err == nil || !strings.Contains(err.Error(), gs.Master.ID) {
			t.Errorf("%s: err = %v, want an error naming the event", name, err)
		}
	}
}
