package calendar

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

func TestFromICal(t *testing.T) {
	tests := []struct {
		file  string
		check func(t *testing.T, s []Series)
	}{
		{"weekly-moved-cancelled.ics", checkWeekly},
		{"all-day.ics", func(t *testing.T, s []Series) {
			wantFields(t, "all-day", s[0].Master, map[string]string{
				FieldStart: "2026-10-24", FieldEnd: "2026-10-27", FieldAllDay: "true"})
		}},
		{"windows-tzid.ics", func(t *testing.T, s []Series) {
			wantFields(t, "Windows TZID", s[0].Master, map[string]string{
				FieldStart: "2026-10-26T09:00:00+01:00[Europe/Berlin]", FieldEnd: "2026-10-26T09:30:00+01:00[Europe/Berlin]",
				FieldProblems: ""})
		}},
		{"floating.ics", func(t *testing.T, s []Series) {
			wantFields(t, "floating", s[0].Master, map[string]string{
				FieldStart: "2026-11-01T08:00:00", FieldEnd: "2026-11-01T08:30:00", FieldAllDay: ""})
		}},
		{"no-dtend.ics", func(t *testing.T, s []Series) {
			// P1DT1H from 23:00 on the 24th: one calendar day (the clocks go
			// back that night) and one hour.
			wantFields(t, "DURATION", s[0].Master, map[string]string{
				FieldStart: "2026-10-24T23:00:00+02:00[Europe/Berlin]", FieldEnd: "2026-10-26T00:00:00+01:00[Europe/Berlin]"})
			wantFields(t, "no end", s[1].Master, map[string]string{FieldEnd: s[1].Master[FieldStart]})
			wantFields(t, "date, no end", s[2].Master, map[string]string{FieldStart: "2026-10-24", FieldEnd: "2026-10-25", FieldAllDay: "true"})
		}},
		{"unknown-tzid.ics", func(t *testing.T, s []Series) {
			wantFields(t, "unknown TZID", s[0].Master, map[string]string{
				FieldStart: "2026-11-02T09:00:00Z[Custom Office Zone]", FieldEnd: "2026-11-02T10:00:00Z[Custom Office Zone]"})
			wantProblem(t, s[0].Master, `TZID "Custom Office Zone" is not a known time zone`)
		}},
		{"vtimezone-differs.ics", func(t *testing.T, s []Series) {
			wantFields(t, "VTIMEZONE differs", s[0].Master, map[string]string{FieldStart: "2026-11-02T09:00:00+01:00[Europe/Berlin]"})
			wantProblem(t, s[0].Master, `VTIMEZONE "Europe/Berlin" differs from the zone database`)
		}},
		{"cancelled-series.ics", func(t *testing.T, s []Series) {
			wantFields(t, "cancelled", s[0].Master, map[string]string{
				FieldStatus: "cancelled", FieldRecurrence: "FREQ=DAILY;COUNT=5", FieldStart: "2026-11-05T15:00:00Z"})
		}},
		{"bad-rrule.ics", func(t *testing.T, s []Series) {
			wantFields(t, "bad RRULE", s[0].Master, map[string]string{
				FieldRecurrence: "FREQ=SOMETIMES;BYDAY=XX", FieldUnexpandable: "true", FieldSubject: "Odd rule"})
			wantProblem(t, s[0].Master, "not expanded")
		}},
		{"instances-only.ics", func(t *testing.T, s []Series) {
			wantProblem(t, s[0].Master, "only instances of this series were given")
			wantFields(t, "instance", s[0].Overrides[0], map[string]string{
				FieldRecurrenceID: "2026-11-09T10:00:00+01:00[Europe/Berlin]", FieldStart: "2026-11-09T11:00:00+01:00[Europe/Berlin]"})
			var buf bytes.Buffer
			if err := EncodeICS(&buf, testStamp, s...); err != nil || strings.Count(buf.String(), "BEGIN:VEVENT") != 1 {
				t.Errorf("written back as %v:\n%s", err, buf.String())
			}
		}},
		{"task.ics", func(t *testing.T, s []Series) {
			wantFields(t, "done task", s[0].Master, map[string]string{
				FieldKind: KindTask, FieldSubject: "Angebot schicken", FieldBody: "an Müller GmbH",
				FieldDue: "2026-10-30T17:00:00+01:00[Europe/Berlin]", FieldPriority: "1",
				FieldDone: "true", FieldStatus: "completed", FieldCompleted: "2026-10-29T12:00:00Z"})
			wantFields(t, "open task", s[1].Master, map[string]string{
				FieldKind: KindTask, FieldDue: "2026-11-01", FieldDone: "", FieldEnd: ""})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) { tt.check(t, decodeFile(t, tt.file)) })
	}
}

func checkWeekly(t *testing.T, s []Series) {
	if len(s) != 1 || len(s[0].Overrides) != 1 {
		t.Fatalf("want one series with one override, got %+v", s)
	}
	wantFields(t, "master", s[0].Master, map[string]string{
		FieldStart: "2026-10-05T10:00:00+02:00[Europe/Berlin]", FieldRecurrence: "FREQ=WEEKLY;BYDAY=MO;COUNT=10",
		FieldExdates: "2026-10-19T10:00:00+02:00[Europe/Berlin]", FieldLocation: "Raum Süd",
		FieldBody: "Agenda:\nZahlen, Termine", FieldOrganizer: "chef@example.com"})
	wantFields(t, "override", s[0].Overrides[0], map[string]string{
		FieldRecurrenceID: "2026-10-12T10:00:00+02:00[Europe/Berlin]", FieldStart: "2026-10-13T14:00:00+02:00[Europe/Berlin]"})
	att, err := s[0].Master.Attendees()
	if err != nil || len(att) != 3 {
		t.Fatalf("attendees %v, %v", att, err)
	}
	want := []Attendee{{"asa@example.com", "Ørsted, Åsa", "optional", "needs-action"},
		{"j.weiss@example.com", "Jürgen Weiß", "required", "accepted"}, {"yamada@example.jp", "山田 太郎", "", ""}}
	for i := range want {
		if att[i] != want[i] {
			t.Errorf("attendee %d = %+v, want %+v", i, att[i], want[i])
		}
	}
}

// TestICalRoundTrip reads each test file, writes it and reads it again:
// the records must be the same.
func TestICalRoundTrip(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.ics"))
	if len(files) < 10 {
		t.Fatalf("found %d test files", len(files))
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			first := decodeFile(t, name)
			var buf bytes.Buffer
			if err := EncodeICS(&buf, testStamp, first...); err != nil {
				t.Fatal(err)
			}
			again, err := DecodeICS(&buf)
			if err != nil {
				t.Fatalf("reading what was written: %v\n%s", err, buf.String())
			}
			sameRecords(t, name, again, first)
		})
	}
}

func TestToICalKeepsKinds(t *testing.T) {
	var buf bytes.Buffer
	series := append(decodeFile(t, "all-day.ics"), decodeFile(t, "task.ics")...)
	series = append(series, decodeFile(t, "unknown-tzid.ics")...)
	if err := EncodeICS(&buf, testStamp, series...); err != nil {
		t.Fatal(err)
	}
	out := strings.ReplaceAll(buf.String(), "\r\n", "\n")
	for _, line := range []string{"DTSTART;VALUE=DATE:20261024", "DTEND;VALUE=DATE:20261027", "BEGIN:VTODO",
		"DUE;TZID=Europe/Berlin:20261030T170000", "DTSTART;TZID=Custom Office Zone:20261102T090000", "STATUS:COMPLETED"} {
		if !strings.Contains(out, line+"\n") {
			t.Errorf("output lacks %q:\n%s", line, out)
		}
	}
}

func TestFromICalErrors(t *testing.T) {
	tests := map[string]string{
		"no items":                "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:x\nEND:VCALENDAR\n",
		"bad date":                "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:x\nBEGIN:VEVENT\nUID:u1\nDTSTART:2026-10-01\nEND:VEVENT\nEND:VCALENDAR\n",
		"not ical":                "hello",
		"parameter without value": "BEGIN:VCALENDAR\nDTSTART;TZID=\nEND:VCALENDAR\n",
		"bad EXDATE":              "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:x\nBEGIN:VEVENT\nUID:u2\nDTSTART:20261001T100000Z\nEXDATE:yesterday\nEND:VEVENT\nEND:VCALENDAR\n",
	}
	for name, src := range tests {
		_, err := DecodeICS(strings.NewReader(src))
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if name == "bad date" && !strings.Contains(err.Error(), `"u1"`) {
			t.Errorf("%s: error %q does not name the UID", name, err)
		}
	}
}
