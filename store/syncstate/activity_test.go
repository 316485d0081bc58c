package syncstate_test

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/storetest"
	"github.com/wfehq/wfe/store/syncstate"
)

// An appointment created from the groupware commits with its link; the
// sync's update writes a write-protected meeting's dates and attendees
// (which a CRM user's update may not), marking a meeting sent keeps its
// update time, and a delete takes the link with it. The calendar window
// of a rule reads back as written.
func TestActivityLinkedRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx, a, _ := setup(t, s)
		sy := s.Sync()
		cal := &syncstate.Rule{Name: "cal", Table: "appointments", Scope: syncstate.ScopeAll, Master: "crm", Conflict: "newest",
			Active: true, Window: "-30d:+365d", TeamsLinks: true}
		if err := sy.CreateRule(ctx, cal); err != nil {
			t.Fatal(err)
		}
		if got, err := sy.RuleByName(ctx, "cal"); err != nil || got.Window != "-30d:+365d" || !got.TeamsLinks {
			t.Fatalf("rule = %+v, %v", got, err)
		}
		start := time.Date(2026, 10, 25, 8, 30, 0, 0, time.UTC)
		end := start.Add(time.Hour)
		m := &store.Activity{Type: store.TypeMeeting, Subject: "Jour fixe", StartDate: &start, EndDate: &end, GroupwareLock: true,
			Status: store.StatusOpen}
		m.TimeZone, m.Recurrence = "Europe/Berlin", "FREQ=WEEKLY;COUNT=8"
		m.Attendees = store.AttendeeList{{Email: "bob@example.com", Name: "Bob"}}
		l := &syncstate.Link{RuleID: a.RuleID, EmployeeID: a.EmployeeID, GroupwareID: "ev1", ETag: "e1"}
		if err := sy.CreateActivityLinked(ctx, m, l); err != nil {
			t.Fatal(err)
		}
		if l.CRMID != strconv.FormatInt(m.ID, 10) {
			t.Fatalf("link CRM id %q, activity %d", l.CRMID, m.ID)
		}
		later := start.Add(2 * time.Hour)
		laterEnd := later.Add(time.Hour)
		if err := s.UpdateAppointment(ctx, m.ID, store.AppointmentChanges{Exdates: ptr("2026-11-01T10:30:00+01:00[Europe/Berlin]")}); !errors.Is(err, store.ErrGroupwareLocked) {
			t.Fatalf("a CRM user's change of a locked meeting's instances: %v, want refused", err)
		}
		next := *m
		next.StartDate, next.EndDate, next.Exdates = &later, &laterEnd, "2026-11-01T10:30:00+01:00[Europe/Berlin]"
		next.Attendees = store.AttendeeList{{Email: "eva@example.com"}}
		l.ETag = "e2"
		if err := sy.UpdateActivityLinked(ctx, &next, l); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetActivity(ctx, m.ID)
		if err != nil || !got.StartDate.Equal(later) || got.Exdates != next.Exdates || len(got.Attendees) != 1 || got.Attendees[0].Email != "eva@example.com" {
			t.Fatalf("after the sync's update: %+v, %v", got, err)
		}
		if err := sy.MarkMeetingSent(ctx, m.ID, "https://teams.example/join"); err != nil {
			t.Fatal(err)
		}
		if again, _ := s.GetActivity(ctx, m.ID); again.TeamsJoinURL != "https://teams.example/join" || !again.UpdatedAt.Equal(got.UpdatedAt) {
			t.Fatalf("after marking it sent: join URL %q, updated %v (was %v)", again.TeamsJoinURL, again.UpdatedAt, got.UpdatedAt)
		}
		if ex, err := sy.ExistingActivities(ctx, []int64{m.ID, m.ID + 100}); err != nil || !ex[m.ID] || ex[m.ID+100] {
			t.Fatalf("existing: %v %v", ex, err)
		}
		if err := sy.DeleteActivityLinked(ctx, a, m.ID); err != nil {
			t.Fatal(err)
		}
		st, _ := sy.LoadState(ctx, a)
		if _, err := s.GetActivity(ctx, m.ID); !errors.Is(err, store.ErrNotFound) || len(st.Links) != 0 {
			t.Fatalf("after delete: %v, %d links", err, len(st.Links))
		}
	})
}

func ptr[T any](v T) *T { return &v }
