package groupwaresync

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/wfehq/wfe/groupware/calendar"
	"github.com/wfehq/wfe/store"
)

// AppointmentFields returns the canonical calendar fields (package
// groupware/calendar) of a CRM appointment or task: the record the planner
// compares with a calendar event or groupware task. Times are written in
// the activity's zone, all-day events as dates.
func AppointmentFields(a *store.Activity) (map[string]string, error) {
	f := map[string]string{calendar.FieldKind: calendar.KindEvent}
	if a.Type == store.TypeTask {
		f[calendar.FieldKind] = calendar.KindTask
	}
	put := func(k, v string) {
		if v != "" {
			f[k] = v
		}
	}
	put(calendar.FieldUID, a.ICalUID)
	put(calendar.FieldSubject, a.Subject)
	put(calendar.FieldBody, a.Text)
	put(calendar.FieldLocation, a.Location)
	put(calendar.FieldRecurrence, a.Recurrence)
	put(calendar.FieldExdates, a.Exdates)
	put(calendar.FieldOverrides, a.Overrides)
	for k, t := range map[string]*time.Time{calendar.FieldStart: a.StartDate, calendar.FieldEnd: a.EndDate, calendar.FieldDue: a.DueDate} {
		w, err := activityWhen(t, a.AllDay, a.TimeZone)
		if err != nil {
			return nil, fmt.Errorf("activity %d: %w", a.ID, err)
		}
		put(k, w)
	}
	if a.AllDay {
		f[calendar.FieldAllDay] = "true"
	}
	if a.Priority > 0 {
		f[calendar.FieldPriority] = strconv.Itoa(a.Priority)
	}
	if a.Type == store.TypeTask && a.Status == store.StatusDone {
		f[calendar.FieldDone] = "true"
	}
	at, err := attendeesField(a.Attendees)
	if err != nil {
		return nil, fmt.Errorf("activity %d: %w", a.ID, err)
	}
	put(calendar.FieldAttendees, at)
	return f, nil
}

// AppointmentSeries is the calendar series of a CRM appointment, for
// listing its occurrences or writing it to a calendar.
func AppointmentSeries(a *store.Activity) (calendar.Series, error) {
	f, err := AppointmentFields(a)
	if err != nil {
		return calendar.Series{}, err
	}
	s, err := calendar.SeriesFromFields(f)
	if err != nil {
		return calendar.Series{}, fmt.Errorf("activity %d: %w", a.ID, err)
	}
	return s, nil
}

// activityWhen formats a stored instant as a calendar When: a date for an
// all-day event, else the wall-clock time in zone (UTC when zone is empty).
func activityWhen(t *time.Time, allDay bool, zone string) (string, error) {
	if t == nil {
		return "", nil
	}
	u := t.UTC()
	if allDay {
		return calendar.Date(u.Year(), u.Month(), u.Day()).String(), nil
	}
	if zone == "" {
		return calendar.At(u).String(), nil
	}
	loc, err := calendar.LoadZone(zone)
	if err != nil {
		return "", fmt.Errorf("time zone %q: %w", zone, err)
	}
	return calendar.At(u.In(loc)).String(), nil
}

// attendeesField writes attendees as the model's JSON array, sorted by
// lower-case address.
func attendeesField(list store.AttendeeList) (string, error) {
	if len(list) == 0 {
		return "", nil
	}
	out := make([]calendar.Attendee, len(list))
	for i, a := range list {
		out[i] = calendar.Attendee{Email: strings.ToLower(a.Email), Name: a.Name, Role: a.Role, Status: a.Status}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Email < out[j].Email })
	b, err := json.Marshal(out)
	return string(b), err
}
