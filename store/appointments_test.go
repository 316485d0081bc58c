package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/storetest"
)

func newAppointment(t *testing.T, s *store.Store, a *store.Activity) *store.Activity {
	t.Helper()
	if err := s.CreateAppointment(ctx, a); err != nil {
		t.Fatal(err)
	}
	return a
}

// A series, a single meeting, an old appointment and tasks: the window
// selects what overlaps it; the calendar columns come back as stored.
func TestAppointmentsWindowAndColumns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		at := func(d int) *time.Time { v := time.Date(2026, 3, d, 9, 0, 0, 0, time.UTC); return &v }
		series := newAppointment(t, s, &store.Activity{Type: store.TypeMeeting, Subject: "Jour fixe", StartDate: at(2), EndDate: at(2),
			CalendarFields: store.CalendarFields{TimeZone: "Europe/Berlin", Recurrence: "FREQ=WEEKLY;BYDAY=MO",
				Exdates: "2026-03-16T10:00:00+01:00[Europe/Berlin]", Attendees: store.AttendeeList{{Email: "jörg@example.com", Name: "Jörg Müller", Role: "required"}}}})
		old := newAppointment(t, s, &store.Activity{Type: store.TypeAppointment, Subject: "alt", StartDate: at(1), EndDate: at(1)})
		inside := newAppointment(t, s, &store.Activity{Type: store.TypeAppointment, Subject: "drin", StartDate: at(20), EndDate: at(20)})
		open := newAppointment(t, s, &store.Activity{Type: store.TypeTask, Subject: "ohne Termin"})
		due := newAppointment(t, s, &store.Activity{Type: store.TypeTask, Subject: "fällig", CalendarFields: store.CalendarFields{DueDate: at(1)}})
		from, to := *at(10), *at(25)
		got, err := s.ListAppointments(ctx, store.AppointmentFilter{From: from, To: to})
		if err != nil {
			t.Fatal(err)
		}
		if ids := activityIDs(got); !sameIDs(ids, []int64{series.ID, inside.ID}) {
			t.Errorf("appointments in window: %v, want %d and %d (not %d)", ids, series.ID, inside.ID, old.ID)
		}
		tasks, err := s.ListAppointments(ctx, store.AppointmentFilter{Types: []string{store.TypeTask}, From: from, To: to})
		if err != nil {
			t.Fatal(err)
		}
		if ids := activityIDs(tasks); !sameIDs(ids, []int64{open.ID}) || tasks[0].Status != store.StatusOpen {
			t.Errorf("tasks in window: %v, want only %d, open (not %d, due before)", ids, open.ID, due.ID)
		}
		back := got[0]
		if back.Recurrence != series.Recurrence || back.Exdates != series.Exdates || back.TimeZone != "Europe/Berlin" ||
			len(back.Attendees) != 1 || back.Attendees[0].Name != "Jörg Müller" {
			t.Errorf("series read back: %+v", back.CalendarFields)
		}
	})
}

// Bad appointments are refused naming what is wrong; a locked meeting's
// recurrence and attendees cannot be changed, its Teams link can.
func TestAppointmentChecksAndLock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		before := start.Add(-time.Hour)
		for name, a := range map[string]*store.Activity{
			"end before start": {Type: store.TypeAppointment, Subject: "x", StartDate: &start, EndDate: &before},
			"no start":         {Type: store.TypeMeeting, Subject: "x"},
			"mail type":        {Type: store.TypeMailIn, Subject: "x", StartDate: &start},
			"attendee":         {Type: store.TypeMeeting, Subject: "x", StartDate: &start, CalendarFields: store.CalendarFields{Attendees: store.AttendeeList{{Email: "nobody"}}}},
			"zone":             {Type: store.TypeMeeting, Subject: "x", StartDate: &start, CalendarFields: store.CalendarFields{TimeZone: "Mars/Olympus"}},
			"all-day time":     {Type: store.TypeAppointment, Subject: "x", StartDate: &start, CalendarFields: store.CalendarFields{AllDay: true}},
		} {
			if err := s.CreateAppointment(ctx, a); !errors.Is(err, store.ErrInvalid) {
				t.Errorf("%s: %v, want ErrInvalid", name, err)
			}
		}
		m := newAppointment(t, s, &store.Activity{Type: store.TypeMeeting, Subject: "Jour fixe", StartDate: &start, EndDate: &start, GroupwareLock: true})
		err := s.UpdateAppointment(ctx, m.ID, store.AppointmentChanges{Recurrence: ptr("FREQ=DAILY")})
		if !errors.Is(err, store.ErrGroupwareLocked) {
			t.Errorf("recurrence of a locked meeting: %v, want ErrGroupwareLocked", err)
		}
		if err := s.UpdateAppointment(ctx, m.ID, store.AppointmentChanges{TeamsJoinURL: ptr("https://teams.example/join/1")}); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetActivity(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.TeamsJoinURL != "https://teams.example/join/1" || got.Recurrence != "" {
			t.Errorf("after updates: join URL %q, recurrence %q", got.TeamsJoinURL, got.Recurrence)
		}
	})
}

func activityIDs(as []store.Activity) []int64 {
	ids := make([]int64, len(as))
	for i, a := range as {
		ids[i] = a.ID
	}
	return ids
}

func sameIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
