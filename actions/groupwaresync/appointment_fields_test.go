package groupwaresync

import (
	"bytes"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/wfehq/wfe/groupware/calendar"
)

// A weekly meeting with one moved and one cancelled instance, attendees
// with non-ASCII names, in Europe/Berlin.
const weeklyMeetingICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" +
	"BEGIN:VEVENT\r\nUID:jour-fixe@example.com\r\nDTSTAMP:20260201T000000Z\r\nSUMMARY:Jour fixe\r\n" +
	"LOCATION:Raum 1\r\nDTSTART;TZID=Europe/Berlin:20260302T100000\r\nDTEND;TZID=Europe/Berlin:20260302T110000\r\n" +
	"RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=8\r\nEXDATE;TZID=Europe/Berlin:20260316T100000\r\n" +
	"ORGANIZER:mailto:anna@firma.example\r\n" +
	"ATTENDEE;CN=Jörg Müller;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:joerg@example.com\r\n" +
	"END:VEVENT\r\n" +
	"BEGIN:VEVENT\r\nUID:jour-fixe@example.com\r\nDTSTAMP:20260201T000000Z\r\nSUMMARY:Jour fixe\r\n" +
	"RECURRENCE-ID;TZID=Europe/Berlin:20260323T100000\r\nLOCATION:Raum 1\r\n" +
	"DTSTART;TZID=Europe/Berlin:20260324T140000\r\nDTEND;TZID=Europe/Berlin:20260324T150000\r\n" +
	"END:VEVENT\r\nEND:VCALENDAR\r\n"

// comparable drops what the CRM does not keep (the organizer is the
// activity's owner; problems are notes, not values).
func comparable(f map[string]string) map[string]string {
	out := maps.Clone(f)
	delete(out, calendar.FieldOrganizer)
	delete(out, calendar.FieldProblems)
	delete(out, calendar.FieldStatus)
	return out
}

// An event read from iCalendar becomes a locked BESPRECHUNG whose fields
// are the event's; written back as iCalendar and as a Graph event and read
// again, the fields are unchanged, and the occurrences show the moved and
// miss the cancelled instance.
func TestAppointmentRoundTrip(t *testing.T) {
	series, err := calendar.DecodeICS(strings.NewReader(weeklyMeetingICS))
	if err != nil || len(series) != 1 {
		t.Fatalf("decode: %v (%d series)", err, len(series))
	}
	read := series[0].Fields()
	a, err := ActivityFromFields(read)
	if err != nil {
		t.Fatal(err)
	}
	if a.Type != "BESPRECHUNG" || !a.GroupwareLock || a.TimeZone != "Europe/Berlin" || len(a.Attendees) != 1 || a.Attendees[0].Name != "Jörg Müller" {
		t.Fatalf("activity: type %s lock %v zone %q attendees %+v", a.Type, a.GroupwareLock, a.TimeZone, a.Attendees)
	}
	crm, err := AppointmentFields(a)
	if err != nil {
		t.Fatal(err)
	}
	if want := comparable(read); !maps.Equal(comparable(crm), want) {
		t.Fatalf("CRM fields differ from the event's:\n got %v\nwant %v", comparable(crm), want)
	}
	s, err := AppointmentSeries(a)
	if err != nil {
		t.Fatal(err)
	}
	var ics bytes.Buffer
	if err := calendar.EncodeICS(&ics, time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), s); err != nil {
		t.Fatal(err)
	}
	again, err := calendar.DecodeICS(&ics)
	if err != nil || len(again) != 1 || !maps.Equal(comparable(again[0].Fields()), comparable(crm)) {
		t.Errorf("iCalendar round trip: %v\n got %v\nwant %v", err, again, comparable(crm))
	}
	gs, err := calendar.ToGraphEvent(s, "Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	fromGraph, err := calendar.FromGraphEvent(gs)
	if err != nil {
		t.Fatal(err)
	}
	a2, err := ActivityFromFields(fromGraph.Fields())
	if err != nil {
		t.Fatal(err)
	}
	if a2.Recurrence != a.Recurrence || a2.Exdates != a.Exdates || !a2.StartDate.Equal(*a.StartDate) || a2.Overrides == "" {
		t.Errorf("Graph round trip: recurrence %q exdates %q start %v overrides %q", a2.Recurrence, a2.Exdates, a2.StartDate, a2.Overrides)
	}
	exp, err := calendar.Occurrences(s, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	var starts []string
	for _, o := range exp.Occurrences {
		starts = append(starts, o.Start.String())
	}
	joined := strings.Join(starts, " ")
	if len(starts) != 7 || strings.Contains(joined, "2026-03-16") || !strings.Contains(joined, "2026-03-24T14:00:00+01:00[Europe/Berlin]") {
		t.Errorf("occurrences: %v, want 7 without 16 March, with 24 March 14:00", starts)
	}
}

// An event without attendees is a TERMIN, not locked; a task keeps due,
// done and priority.
func TestActivityFromFieldsKinds(t *testing.T) {
	a, err := ActivityFromFields(map[string]string{"kind": "event", "subject": "Messe", "start": "2026-04-20", "end": "2026-04-23", "all_day": "true"})
	if err != nil {
		t.Fatal(err)
	}
	if a.Type != "TERMIN" || a.GroupwareLock || !a.AllDay || a.EndDate.Format(time.DateOnly) != "2026-04-23" {
		t.Errorf("all-day event: %+v", a)
	}
	task, err := ActivityFromFields(map[string]string{"kind": "task", "subject": "Angebot", "due": "2026-03-06T12:00:00Z", "done": "true", "priority": "1"})
	if err != nil {
		t.Fatal(err)
	}
	f, err := AppointmentFields(task)
	if err != nil {
		t.Fatal(err)
	}
	if task.Type != "TASK" || f["done"] != "true" || f["due"] != "2026-03-06T12:00:00Z" || f["priority"] != "1" {
		t.Errorf("task: type %s, fields %v", task.Type, f)
	}
	if _, err := ActivityFromFields(map[string]string{"kind": "event", "start": "gestern"}); err == nil || !strings.Contains(err.Error(), "start") {
		t.Errorf("bad start: %v, want an error naming start", err)
	}
}

func TestParseWindow(t *testing.T) {
	w, err := ParseWindow(DefaultWindow)
	if err != nil {
		t.Fatal(err)
	}
	ref := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	from, to := w.Range(ref)
	if !from.Equal(ref.AddDate(0, 0, -30)) || !to.Equal(ref.AddDate(0, 0, 365)) {
		t.Errorf("default window around %v: %v to %v", ref, from, to)
	}
	for _, bad := range []string{"", "-30d", "30:365", "+10d:-10d", "xd:+1d"} {
		if _, err := ParseWindow(bad); err == nil || !strings.Contains(err.Error(), "window") {
			t.Errorf("ParseWindow(%q): %v, want an error naming the window", bad, err)
		}
	}
}
