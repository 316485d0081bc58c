package groupware

import (
	"fmt"
	"time"

	"github.com/wfehq/wfe/groupware/calendar"
)

// Event is one calendar object of the appointments table: an event or a
// recurring series with its moved and cancelled instances, as canonical
// fields (package groupware/calendar). Task is one task of the tasks
// table; only its Series.Master is used.
type Event struct {
	ID    string // connector's id: Graph event or task id, or DAV resource path
	ETag  string // DAV ETag or Graph changeKey
	CRMID string // the CRM id stored with the record ("" if none)

	Series calendar.Series

	// OnlineMeeting asks Graph to give a new meeting a Microsoft Teams
	// link (isOnlineMeeting, onlineMeetingProvider teamsForBusiness); it
	// is read on create only. JoinURL is the meeting's join URL as read
	// back; both are empty on CalDAV.
	OnlineMeeting bool
	JoinURL       string
}

// Task is one task (VTODO, Microsoft To Do task).
type Task = Event

// Fields is the record the planner compares: Series.Fields().
func (e *Event) Fields() map[string]string { return e.Series.Fields() }

// Window is the time range of a calendar rule: events that overlap
// [From, To) are in scope. Both ends are required.
type Window struct {
	From, To time.Time
}

// Check refuses a window without both ends or with To before From.
func (w Window) Check() error {
	if w.From.IsZero() || w.To.IsZero() || !w.To.After(w.From) {
		return fmt.Errorf("calendar window %s – %s: both ends are required and the end must come after the start", w.From.Format(time.RFC3339), w.To.Format(time.RFC3339))
	}
	return nil
}

// String writes the window as two UTC RFC 3339 times, the form both
// connectors keep in their change tokens.
func (w Window) String() string {
	return w.From.UTC().Format(time.RFC3339) + "/" + w.To.UTC().Format(time.RFC3339)
}

// WindowAround is the window from now+from to now+to, to days (the rule's
// default is -30 and +365).
func WindowAround(now time.Time, fromDays, toDays int) Window {
	day := now.UTC().Truncate(24 * time.Hour)
	return Window{From: day.AddDate(0, 0, fromDays), To: day.AddDate(0, 0, toDays)}
}
