package groupwaresync

import (
	"github.com/wfehq/wfe/actions/groupwaresync/plan"
	"github.com/wfehq/wfe/groupware"
	"github.com/wfehq/wfe/groupware/calendar"
	"github.com/wfehq/wfe/store"
)

// calTable is what differs between the two calendar tables: the CRM
// activity types, the planner's table, the connector's source and
// whether the rule has a window.
type calTable struct {
	name groupware.Table
	kind string // calendar.KindEvent or calendar.KindTask
	// types are the CRM activity types of the table.
	types []string
	plan  plan.Table
	// windowed: the rule syncs a time range around the run.
	windowed bool
	source   func(c groupware.Calendars, w groupware.Window) groupware.Source[groupware.Event]
}

// appointmentsTable: BESPRECHUNG and TERMIN activities ↔ calendar
// events, matched by the CRM id stored on the event, the iCalendar UID,
// then subject and start. A series is one record: its rule, cancelled
// instances (exdates) and moved or changed instances (overrides).
var appointmentsTable = calTable{
	name: groupware.TableAppointments, kind: calendar.KindEvent,
	types: []string{store.TypeMeeting, store.TypeAppointment}, windowed: true,
	plan: plan.Table{Name: string(groupware.TableAppointments), MatchKeys: plan.AppointmentKeys(), Owned: true,
		Fields: []string{calendar.FieldSubject, calendar.FieldBody, calendar.FieldLocation, calendar.FieldStart,
			calendar.FieldEnd, calendar.FieldAllDay, calendar.FieldAttendees, calendar.FieldRecurrence,
			calendar.FieldExdates, calendar.FieldOverrides}},
	source: func(c groupware.Calendars, w groupware.Window) groupware.Source[groupware.Event] { return c.Events(w) },
}

// calendarTableOf gives the calendar table a rule names (appointments or
// tasks); ok is false for any other table.
func calendarTableOf(t string) (table calTable, ok bool) {
	switch groupware.Table(t) {
	case groupware.TableAppointments:
		return appointmentsTable, true
	case groupware.TableTasks:
		return tasksTable, true
	}
	return calTable{}, false
}
