package groupwaretest

import (
	"time"

	"github.com/wfehq/wfe/groupware"
	"github.com/wfehq/wfe/groupware/calendar"
)

func berlin(y int, m time.Month, d, h, min int) calendar.When {
	loc, err := calendar.LoadZone("Europe/Berlin")
	if err != nil {
		panic(err) // the zone database is part of the Go toolchain
	}
	return calendar.At(time.Date(y, m, d, h, min, 0, 0, loc))
}

// WeeklyMeeting is a weekly meeting on Thursdays at 10:00 in
// Europe/Berlin from 1 October 2026, eight times, across the change to
// winter time on 25 October, with attendees (one with a non-ASCII name),
// the instance of 15 October cancelled and the one of 22 October moved
// to Friday 14:00 with its own subject.
func WeeklyMeeting() calendar.Series {
	m := calendar.Item{calendar.FieldKind: calendar.KindEvent, calendar.FieldSubject: "Jour fixe Vertrieb",
		calendar.FieldBody: "Agenda: Zahlen, Termine", calendar.FieldLocation: "Raum Köln",
		calendar.FieldRecurrence: "FREQ=WEEKLY;COUNT=8"}
	m.SetWhen(calendar.FieldStart, berlin(2026, 10, 1, 10, 0))
	m.SetWhen(calendar.FieldEnd, berlin(2026, 10, 1, 11, 0))
	m.SetAttendees([]calendar.Attendee{
		{Email: "jürgen.müller@firma.example", Name: "Jürgen Müller", Role: "required", Status: "needs-action"},
		{Email: "b.schmidt@kunde.example", Name: "Bea Schmidt", Role: "optional", Status: "needs-action"},
	})
	m.SetExdates([]calendar.When{berlin(2026, 10, 15, 10, 0)})
	o := calendar.Item{calendar.FieldKind: calendar.KindEvent, calendar.FieldSubject: "Jour fixe Vertrieb (verschoben)",
		calendar.FieldLocation: "Raum Köln"}
	o.SetWhen(calendar.FieldRecurrenceID, berlin(2026, 10, 22, 10, 0))
	o.SetWhen(calendar.FieldStart, berlin(2026, 10, 23, 14, 0))
	o.SetWhen(calendar.FieldEnd, berlin(2026, 10, 23, 15, 0))
	o[calendar.FieldAttendees] = m[calendar.FieldAttendees]
	return calendar.Series{Master: m, Overrides: []calendar.Item{o}}
}

// DaylightSavingEvent is a single appointment on the day Europe/Berlin
// changes to winter time (25 October 2026, 02:00 happens twice), from
// 09:30 to 11:00 wall-clock time.
func DaylightSavingEvent() calendar.Series {
	m := calendar.Item{calendar.FieldKind: calendar.KindEvent, calendar.FieldSubject: "Termin am Umstellungstag"}
	m.SetWhen(calendar.FieldStart, berlin(2026, 10, 25, 9, 30))
	m.SetWhen(calendar.FieldEnd, berlin(2026, 10, 25, 11, 0))
	return calendar.Series{Master: m}
}

// AllDayEvent is an all-day appointment on 24 and 25 October 2026.
func AllDayEvent() calendar.Series {
	m := calendar.Item{calendar.FieldKind: calendar.KindEvent, calendar.FieldSubject: "Messe (ganztägig)"}
	m.SetWhen(calendar.FieldStart, calendar.Date(2026, 10, 24))
	m.SetWhen(calendar.FieldEnd, calendar.Date(2026, 10, 26))
	m.SetBool(calendar.FieldAllDay, true)
	return calendar.Series{Master: m}
}

// SampleTask is an open task due on 30 October 2026 with the highest
// priority.
func SampleTask() calendar.Series {
	m := calendar.Item{calendar.FieldKind: calendar.KindTask, calendar.FieldSubject: "Angebot nachfassen",
		calendar.FieldBody: "Kunde Müller anrufen", calendar.FieldPriority: "1", calendar.FieldStatus: "needs-action"}
	m.SetWhen(calendar.FieldDue, calendar.Date(2026, 10, 30))
	return calendar.Series{Master: m}
}

// ContractWindow is the window the calendar contract binds events to.
var ContractWindow = groupware.Window{
	From: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC),
	To:   time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC),
}
