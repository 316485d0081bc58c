package groupwaretest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wfehq/wfe/groupware"
	"github.com/wfehq/wfe/groupware/calendar"
)

// CalendarHarness is one connector kind under the calendar contract.
type CalendarHarness struct {
	// Connect returns a connector signed in to the test account.
	Connect func(t *testing.T) groupware.Calendars
	// NewFolder creates an empty calendar (appointments) or task list
	// (tasks) and returns it as the connector lists it.
	NewFolder func(t *testing.T, c groupware.Calendars, table groupware.Table) groupware.Folder
	// Requests is the number of requests the server has served so far.
	Requests func() int64
	// IdleBudget is the most requests Changes may cost on an unchanged
	// calendar.
	IdleBudget int64
}

// RunCalendarContract runs the contract every appointments and tasks
// source passes.
func RunCalendarContract(t *testing.T, h CalendarHarness) {
	t.Run("WeeklySeriesRoundTrip", func(t *testing.T) { contractWeeklySeries(t, h) })
	t.Run("DaylightSavingAndAllDay", func(t *testing.T) { contractTimes(t, h) })
	t.Run("ChangesInWindow", func(t *testing.T) { contractEventChanges(t, h) })
	t.Run("IfMatchAndFindByCRMID", func(t *testing.T) { contractEventIfMatch(t, h) })
	t.Run("TaskRoundTrip", func(t *testing.T) { contractTask(t, h) })
}

func (h CalendarHarness) events(t *testing.T) (groupware.Source[groupware.Event], groupware.Folder) {
	t.Helper()
	c := h.Connect(t)
	return c.Events(ContractWindow), h.NewFolder(t, c, groupware.TableAppointments)
}

// writeOne runs one write and fails the test on any error.
func writeOne(t *testing.T, src groupware.Source[groupware.Event], f groupware.Folder, w groupware.Write[groupware.Event]) groupware.WriteResult {
	t.Helper()
	res, err := src.Write(context.Background(), f, []groupware.Write[groupware.Event]{w})
	if err != nil || len(res) != 1 || res[0].Err != nil {
		t.Fatalf("%s %s: %+v %v", w.Op, w.CRMID+w.ID, res, err)
	}
	if w.Op != groupware.OpDelete && (res[0].ID == "" || res[0].ETag == "") {
		t.Fatalf("%s %s: no id or ETag in %+v", w.Op, w.CRMID+w.ID, res[0])
	}
	return res[0]
}

func getEvent(t *testing.T, src groupware.Source[groupware.Event], f groupware.Folder, id string) *groupware.Event {
	t.Helper()
	got, err := src.Get(context.Background(), f, []string{id})
	if err != nil || len(got) != 1 || got[0].Err != nil {
		t.Fatalf("Get %s: %+v %v", id, got, err)
	}
	return got[0].Item
}

// instances describes a series by what a calendar shows: every instance
// in the contract window with its start, end and subject, and whether it
// is all-day.
func instances(t *testing.T, s calendar.Series) []string {
	t.Helper()
	exp, err := calendar.Occurrences(s, ContractWindow.From, ContractWindow.To)
	if err != nil {
		t.Fatalf("expanding %v: %v", s.Master, err)
	}
	out := []string{}
	for _, o := range exp.Occurrences {
		out = append(out, fmt.Sprintf("%s–%s %q all-day=%v", o.Start, o.End, o.Item[calendar.FieldSubject], o.Item.Bool(calendar.FieldAllDay)))
	}
	return out
}

func attendeeEmails(t *testing.T, it calendar.Item) string {
	list, err := it.Attendees()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range list {
		out = append(out, a.Email+" "+a.Name)
	}
	return strings.Join(out, ", ")
}

// sameEvent compares what a user sees of two series: the instances, the
// master's text fields and attendees.
func sameEvent(t *testing.T, what string, got, want calendar.Series) {
	t.Helper()
	g, w := instances(t, got), instances(t, want)
	if strings.Join(g, "\n") != strings.Join(w, "\n") {
		t.Errorf("%s: instances differ:\n got %s\nwant %s", what, strings.Join(g, "\n     "), strings.Join(w, "\n     "))
	}
	for _, field := range []string{calendar.FieldSubject, calendar.FieldBody, calendar.FieldLocation, calendar.FieldAllDay, calendar.FieldExdates} {
		if got.Master[field] != want.Master[field] {
			t.Errorf("%s: %s is %q, want %q", what, field, got.Master[field], want.Master[field])
		}
	}
	if ga, wa := attendeeEmails(t, got.Master), attendeeEmails(t, want.Master); ga != wa {
		t.Errorf("%s: attendees %q, want %q", what, ga, wa)
	}
}

// contractWeeklySeries: a weekly meeting with one moved and one cancelled
// instance is written, read back the same, changed on the read copy (a
// second instance moved, a second cancelled) and written back, and read
// the same again.
func contractWeeklySeries(t *testing.T, h CalendarHarness) {
	src, f := h.events(t)
	want := WeeklyMeeting()
	created := writeOne(t, src, f, groupware.Write[groupware.Event]{Op: groupware.OpCreate, CRMID: "act-weekly", Item: &groupware.Event{Series: want}})
	got := getEvent(t, src, f, created.ID)
	sameEvent(t, "created series", got.Series, want)
	if got.CRMID != "act-weekly" || got.ETag != created.ETag {
		t.Errorf("read back CRM id %q ETag %q, want act-weekly %q", got.CRMID, got.ETag, created.ETag)
	}
	changed := got.Series
	ex, _ := changed.Master.Exdates()
	changed.Master.SetExdates(append(ex, berlin(2026, 11, 5, 10, 0)))
	o := calendar.Item{calendar.FieldKind: calendar.KindEvent, calendar.FieldSubject: "Jour fixe (Winterzeit, später)", calendar.FieldLocation: "Raum Köln"}
	o.SetWhen(calendar.FieldRecurrenceID, berlin(2026, 11, 12, 10, 0))
	o.SetWhen(calendar.FieldStart, berlin(2026, 11, 12, 16, 0))
	o.SetWhen(calendar.FieldEnd, berlin(2026, 11, 12, 17, 0))
	o[calendar.FieldAttendees] = changed.Master[calendar.FieldAttendees]
	changed.Overrides = append(changed.Overrides, o)
	updated := writeOne(t, src, f, groupware.Write[groupware.Event]{Op: groupware.OpUpdate, ID: got.ID, ETag: got.ETag, Item: &groupware.Event{Series: changed}})
	again := getEvent(t, src, f, updated.ID)
	sameEvent(t, "updated series", again.Series, changed)
	if n := len(instances(t, again.Series)); n != 6 {
		t.Errorf("updated series has %d instances in the window, want 6 (8 less 2 cancelled)", n)
	}
}

// contractTimes: an appointment on the day of the change to winter time
// keeps its wall-clock times, an all-day appointment stays all-day.
func contractTimes(t *testing.T, h CalendarHarness) {
	src, f := h.events(t)
	for name, want := range map[string]calendar.Series{"dst": DaylightSavingEvent(), "allday": AllDayEvent()} {
		created := writeOne(t, src, f, groupware.Write[groupware.Event]{Op: groupware.OpCreate, CRMID: "act-" + name, Item: &groupware.Event{Series: want}})
		got := getEvent(t, src, f, created.ID)
		sameEvent(t, name, got.Series, want)
		for _, field := range []string{calendar.FieldStart, calendar.FieldEnd} {
			if got.Series.Master[field] != want.Master[field] {
				t.Errorf("%s: %s read back as %q, want %q", name, field, got.Series.Master[field], want.Master[field])
			}
		}
	}
}

// contractEventChanges: a full listing holds the events in the window
// and not one outside it; an unchanged calendar costs at most IdleBudget
// requests; a change and a deletion are listed next; a token used with
// another window is refused as expired.
func contractEventChanges(t *testing.T, h CalendarHarness) {
	ctx := context.Background()
	conn := h.Connect(t)
	f := h.NewFolder(t, conn, groupware.TableAppointments)
	src := conn.Events(ContractWindow)
	inside := writeOne(t, src, f, groupware.Write[groupware.Event]{Op: groupware.OpCreate, CRMID: "in", Item: &groupware.Event{Series: DaylightSavingEvent()}})
	series := writeOne(t, src, f, groupware.Write[groupware.Event]{Op: groupware.OpCreate, CRMID: "series", Item: &groupware.Event{Series: WeeklyMeeting()}})
	late := DaylightSavingEvent()
	late.Master.SetWhen(calendar.FieldStart, berlin(2027, 3, 1, 9, 0))
	late.Master.SetWhen(calendar.FieldEnd, berlin(2027, 3, 1, 10, 0))
	writeOne(t, src, f, groupware.Write[groupware.Event]{Op: groupware.OpCreate, CRMID: "outside", Item: &groupware.Event{Series: late}})
	full, err := src.Changes(ctx, f, "")
	if err != nil {
		t.Fatalf("full Changes: %v", err)
	}
	if ids := changedIDs(full); !full.Full || len(ids) != 2 || !ids[inside.ID] || !ids[series.ID] {
		t.Fatalf("full Changes: full=%v changed %v; want exactly %s and %s", full.Full, ids, inside.ID, series.ID)
	}
	before := h.Requests()
	idle, err := src.Changes(ctx, f, full.Token)
	cost := h.Requests() - before
	if err != nil || len(idle.Changed)+len(idle.Deleted) != 0 || idle.Full {
		t.Fatalf("idle Changes: %+v %v; want nothing", idle, err)
	}
	t.Logf("idle Changes: %d request(s)", cost)
	if cost > h.IdleBudget {
		t.Errorf("idle Changes cost %d requests, at most %d allowed", cost, h.IdleBudget)
	}
	cur := getEvent(t, src, f, series.ID)
	cur.Series.Master[calendar.FieldSubject] = "Jour fixe, neuer Titel"
	writeOne(t, src, f, groupware.Write[groupware.Event]{Op: groupware.OpUpdate, ID: cur.ID, ETag: cur.ETag, Item: cur})
	writeOne(t, src, f, groupware.Write[groupware.Event]{Op: groupware.OpDelete, ID: inside.ID})
	next, err := src.Changes(ctx, f, idle.Token)
	if err != nil {
		t.Fatalf("incremental Changes: %v", err)
	}
	if ids := changedIDs(next); !ids[series.ID] || ids[inside.ID] || !contains(next.Deleted, inside.ID) {
		t.Fatalf("incremental Changes: changed %v deleted %v; want %s changed and %s deleted", ids, next.Deleted, series.ID, inside.ID)
	}
	other := conn.Events(groupware.Window{From: ContractWindow.From, To: ContractWindow.To.AddDate(0, 1, 0)})
	if _, err := other.Changes(ctx, f, next.Token); !errors.Is(err, groupware.ErrTokenExpired) {
		t.Errorf("a token of another window: %v, want ErrTokenExpired", err)
	}
}

func changedIDs(set *groupware.ChangeSet[groupware.Event]) map[string]bool {
	out := map[string]bool{}
	for _, c := range set.Changed {
		out[c.ID] = true
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// contractEventIfMatch: a write with a stale ETag is refused and the
// other change survives; an event is found by its CRM id.
func contractEventIfMatch(t *testing.T, h CalendarHarness) {
	ctx := context.Background()
	src, f := h.events(t)
	created := writeOne(t, src, f, groupware.Write[groupware.Event]{Op: groupware.OpCreate, CRMID: "act/42 ä", Item: &groupware.Event{Series: DaylightSavingEvent()}})
	cur := getEvent(t, src, f, created.ID)
	cur.Series.Master[calendar.FieldSubject] = "first change"
	first := writeOne(t, src, f, groupware.Write[groupware.Event]{Op: groupware.OpUpdate, ID: cur.ID, ETag: cur.ETag, Item: cur})
	cur.Series.Master[calendar.FieldSubject] = "stale change"
	res, err := src.Write(ctx, f, []groupware.Write[groupware.Event]{
		{Op: groupware.OpUpdate, ID: cur.ID, ETag: created.ETag, Item: cur},
		{Op: groupware.OpDelete, ID: cur.ID, ETag: created.ETag},
	})
	if err != nil {
		t.Fatalf("stale writes: %v", err)
	}
	for i, r := range res {
		if !errors.Is(recordErr(t, r.Err), groupware.ErrPreconditionFailed) {
			t.Errorf("write %d with a stale ETag: %v, want ErrPreconditionFailed", i, r.Err)
		}
	}
	found, err := src.FindByCRMID(ctx, f, "act/42 ä")
	if err != nil || found.ID != created.ID || found.ETag != first.ETag || found.Series.Master[calendar.FieldSubject] != "first change" {
		t.Fatalf("FindByCRMID: %+v %v; want %s at %s with the first change", found, err, created.ID, first.ETag)
	}
	if _, err := src.FindByCRMID(ctx, f, "never-written"); !errors.Is(err, groupware.ErrNotFound) {
		t.Errorf("FindByCRMID of an unknown id: %v, want ErrNotFound", err)
	}
}

// contractTask: a task with due date and priority round-trips, is marked
// done and reads back done with its due date and priority.
func contractTask(t *testing.T, h CalendarHarness) {
	ctx := context.Background()
	conn := h.Connect(t)
	f := h.NewFolder(t, conn, groupware.TableTasks)
	src := conn.Tasks()
	want := SampleTask()
	created := writeOne(t, src, f, groupware.Write[groupware.Task]{Op: groupware.OpCreate, CRMID: "task-1", Item: &groupware.Task{Series: want}})
	got := getEvent(t, src, f, created.ID)
	checkTask(t, "created task", got.Series.Master, want.Master)
	done := got.Series
	done.Master.SetBool(calendar.FieldDone, true)
	done.Master[calendar.FieldStatus] = "completed"
	done.Master[calendar.FieldCompleted] = time.Date(2026, 10, 28, 15, 0, 0, 0, time.UTC).Format(time.RFC3339)
	writeOne(t, src, f, groupware.Write[groupware.Task]{Op: groupware.OpUpdate, ID: got.ID, ETag: got.ETag, Item: &groupware.Task{Series: done}})
	again := getEvent(t, src, f, created.ID)
	checkTask(t, "completed task", again.Series.Master, done.Master)
	full, err := src.Changes(ctx, f, "")
	if err != nil || len(full.Changed) != 1 || full.Changed[0].ID != created.ID {
		t.Fatalf("task Changes: %+v %v; want the one task", full, err)
	}
	if found, err := src.FindByCRMID(ctx, f, "task-1"); err != nil || found.ID != created.ID {
		t.Fatalf("task FindByCRMID: %+v %v", found, err)
	}
}

func checkTask(t *testing.T, what string, got, want calendar.Item) {
	t.Helper()
	for _, field := range []string{calendar.FieldKind, calendar.FieldSubject, calendar.FieldBody, calendar.FieldDue, calendar.FieldDone, calendar.FieldPriority, calendar.FieldCompleted} {
		if got[field] != want[field] {
			t.Errorf("%s: %s is %q, want %q", what, field, got[field], want[field])
		}
	}
}
