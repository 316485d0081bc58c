package groupwaresync

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wfehq/wfe/groupware/calendar"
	"github.com/wfehq/wfe/store"
)

// DefaultWindow is the window of a calendar rule: from 30 days before the
// run to 365 days after it.
const DefaultWindow = "-30d:+365d"

// Window is the time range a calendar rule syncs, as days around the run.
type Window struct{ FromDays, ToDays int }

// ParseWindow reads FROM:TO, each a signed number of days such as -30d or
// +365d; FROM must lie before TO.
func ParseWindow(s string) (Window, error) {
	from, to, ok := strings.Cut(s, ":")
	if !ok {
		return Window{}, fmt.Errorf("window %q: want FROM:TO in days, such as %s", s, DefaultWindow)
	}
	var w Window
	for _, p := range []struct {
		text string
		dst  *int
	}{{from, &w.FromDays}, {to, &w.ToDays}} {
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(p.text), "d"))
		if err != nil || !strings.HasSuffix(strings.TrimSpace(p.text), "d") {
			return Window{}, fmt.Errorf("window %q: %q is not a number of days such as -30d or +365d", s, p.text)
		}
		*p.dst = n
	}
	if w.FromDays >= w.ToDays {
		return Window{}, fmt.Errorf("window %q: the start must lie before the end", s)
	}
	return w, nil
}

// Range is the window around ref (the run's reference date).
func (w Window) Range(ref time.Time) (from, to time.Time) {
	return ref.AddDate(0, 0, w.FromDays), ref.AddDate(0, 0, w.ToDays)
}

// ActivityFromFields makes the CRM activity of a calendar event or
// groupware task read as canonical fields: a task becomes a TASK, an event
// with attendees a BESPRECHUNG, one without a TERMIN. An imported meeting
// carries the GroupwareLock (the CRM's write protection of meetings).
// Values the CRM keeps as instants are read in their zone; the zone name
// is kept.
func ActivityFromFields(f map[string]string) (*store.Activity, error) {
	a := &store.Activity{Type: store.TypeAppointment, Status: store.StatusOpen}
	switch {
	case f[calendar.FieldKind] == calendar.KindTask:
		a.Type = store.TypeTask
	case f[calendar.FieldAttendees] != "":
		a.Type, a.GroupwareLock = store.TypeMeeting, true
	}
	if err := fieldsOntoActivity(f, a); err != nil {
		return nil, err
	}
	return a, nil
}

// fieldsOntoActivity sets a's calendar fields from f.
func fieldsOntoActivity(f map[string]string, a *store.Activity) error {
	a.ICalUID, a.Subject, a.Text, a.Location = f[calendar.FieldUID], f[calendar.FieldSubject], f[calendar.FieldBody], f[calendar.FieldLocation]
	a.Recurrence, a.Exdates, a.Overrides = f[calendar.FieldRecurrence], f[calendar.FieldExdates], f[calendar.FieldOverrides]
	a.AllDay = f[calendar.FieldAllDay] == "true"
	if f[calendar.FieldDone] == "true" {
		a.Status = store.StatusDone
	}
	if p := f[calendar.FieldPriority]; p != "" {
		n, err := strconv.Atoi(p)
		if err != nil {
			return fmt.Errorf("priority %q: %w", p, err)
		}
		a.Priority = n
	}
	for _, t := range []struct {
		field string
		dst   **time.Time
	}{{calendar.FieldStart, &a.StartDate}, {calendar.FieldEnd, &a.EndDate}, {calendar.FieldDue, &a.DueDate}} {
		zone, at, err := readWhen(t.field, f[t.field])
		if err != nil {
			return err
		}
		*t.dst = at
		if zone != "" && t.field == calendar.FieldStart {
			a.TimeZone = zone
		}
	}
	return readAttendees(f[calendar.FieldAttendees], a)
}

// readWhen reads a When value as the instant the CRM stores and the
// zone to keep; a floating time is read as UTC, a zone the zone database
// lacks is not kept (its time was read as UTC).
func readWhen(field, v string) (string, *time.Time, error) {
	if v == "" {
		return "", nil, nil
	}
	w, err := calendar.ParseWhen(v)
	if err != nil {
		return "", nil, fmt.Errorf("%s %q: %w", field, v, err)
	}
	t := w.In(time.UTC).UTC()
	if w.DateOnly || w.Floating || w.Unknown || w.Zone == "UTC" {
		return "", &t, nil
	}
	return w.Zone, &t, nil
}

func readAttendees(v string, a *store.Activity) error {
	if v == "" {
		a.Attendees = nil
		return nil
	}
	var list []calendar.Attendee
	if err := json.Unmarshal([]byte(v), &list); err != nil {
		return fmt.Errorf("attendees: %w", err)
	}
	a.Attendees = make(store.AttendeeList, len(list))
	for i, at := range list {
		a.Attendees[i] = store.Attendee{Email: at.Email, Name: at.Name, Role: at.Role, Status: at.Status}
	}
	return nil
}
