package wfecmd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wfehq/wfe/actions/groupwaresync"
	"github.com/wfehq/wfe/groupware"
	"github.com/wfehq/wfe/groupware/calendar"
	"github.com/wfehq/wfe/groupware/dav"
	"github.com/wfehq/wfe/groupware/graph"
	"github.com/wfehq/wfe/groupware/groupwaretest"
	"github.com/wfehq/wfe/store"
)

// calSync is a database whose employee anna syncs a calendar and a task
// list of one groupware account, with that account opened as another
// client would.
type calSync struct {
	*storeCLI
	conn       groupware.Calendars
	cal, todo  groupware.Folder
	calName    string
	todoName   string
	putForeign func(t *testing.T, uid string, s calendar.Series) // an event another client made (no CRM id)
	graph      bool
	srv        *groupwaretest.DAVServer // DAV only
	fake       *groupwaretest.GraphFake // Graph only
}

// calendarWindow covers the sample events (October 2026) from the day
// the tests run.
const calendarWindow = "-400d:+400d"

// newDAVCalSync starts the server kind ("radicale" or "xandikos") with a
// calendar "work" and a task list "todo".
func newDAVCalSync(t *testing.T, kind string) *calSync {
	srv := groupwaretest.StartRadicale
	if kind == "xandikos" {
		srv = groupwaretest.StartXandikos
	}
	s := srv(t)
	calPath, todoPath := s.MakeCalendar(t, "work", "VEVENT"), s.MakeCalendar(t, "todo", "VTODO")
	c := &calSync{storeCLI: newStoreCLI(t), calName: calPath, todoName: todoPath, srv: s}
	c.ok("mailconfig", "set", "DAV", "--calendar-system", "dav", "--groupware-url", s.URL)
	c.ok("employee", "add", "anna", "--email", "anna@example.com")
	c.okIn(s.Password, "employee", "set", "anna", "--groupware-config", "DAV", "--groupware-user", s.Username, "--groupware-password-stdin")
	conn, err := dav.New(dav.Config{URL: s.URL, Username: s.Username, Password: s.Password})
	if err != nil {
		t.Fatal(err)
	}
	c.conn = conn
	c.cal, c.todo = folderWithID(t, conn, groupware.TableAppointments, calPath), folderWithID(t, conn, groupware.TableTasks, todoPath)
	c.putForeign = func(t *testing.T, uid string, ser calendar.Series) {
		ser.Master[calendar.FieldUID] = uid
		for _, o := range ser.Overrides {
			o[calendar.FieldUID] = uid
		}
		var b bytes.Buffer
		if err := calendar.EncodeICS(&b, time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), ser); err != nil {
			t.Fatal(err)
		}
		resp := s.Do(t, "PUT", calPath+uid+".ics", b.String(), "Content-Type", "text/calendar; charset=utf-8")
		resp.Body.Close()
		if resp.StatusCode != 201 && resp.StatusCode != 204 {
			t.Fatalf("PUT %s: %s", uid, resp.Status)
		}
	}
	return c
}

// folderWithID finds the folder of table whose id is id.
func folderWithID(t *testing.T, conn groupware.Connector, table groupware.Table, id string) groupware.Folder {
	t.Helper()
	all, err := conn.Folders(context.Background(), table)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range all {
		if f.ID == id {
			return f
		}
	}
	t.Fatalf("no %s folder %s among %+v", table, id, all)
	return groupware.Folder{}
}

// items reads every item of a folder by the CRM id stored on it (or, for
// one without, by its id).
func (c *calSync) items(src groupware.Source[groupware.Event], f groupware.Folder) map[string]*groupware.Event {
	c.t.Helper()
	ctx := context.Background()
	cs, err := src.Changes(ctx, f, "")
	if err != nil {
		c.t.Fatal(err)
	}
	out := map[string]*groupware.Event{}
	for _, ch := range cs.Changed {
		it := ch.Item
		if it == nil {
			res, err := src.Get(ctx, f, []string{ch.ID})
			if err != nil || len(res) != 1 || res[0].Err != nil {
				c.t.Fatalf("read %s: %v %+v", ch.ID, err, res)
			}
			it = res[0].Item
		}
		key := it.CRMID
		if key == "" {
			key = ch.ID
		}
		out[key] = it
	}
	return out
}

func (c *calSync) events() map[string]*groupware.Event {
	return c.items(c.conn.Events(groupwaretest.ContractWindow), c.cal)
}

// activities reads anna's appointments or tasks by id.
func (c *storeCLI) activities(types ...string) map[string]store.Activity {
	c.t.Helper()
	st := c.store()
	defer st.Close()
	as, err := st.ListAppointments(context.Background(), store.AppointmentFilter{Types: types})
	if err != nil {
		c.t.Fatal(err)
	}
	out := map[string]store.Activity{}
	for _, a := range as {
		out[strconv.FormatInt(a.ID, 10)] = a
	}
	return out
}

// addSeriesActivity stores a series as a CRM activity of anna, as a user
// of the CRM would make it (not write-protected).
func (c *storeCLI) addSeriesActivity(s calendar.Series) string {
	c.t.Helper()
	a, err := groupwaresync.ActivityFromFields(s.Fields())
	if err != nil {
		c.t.Fatal(err)
	}
	st := c.store()
	defer st.Close()
	emp, err := st.EmployeeByLogin(context.Background(), "anna")
	if err != nil {
		c.t.Fatal(err)
	}
	a.DelegatedTo, a.CreatedBy, a.GroupwareLock = &emp.ID, &emp.ID, false
	if err := st.CreateAppointment(context.Background(), a); err != nil {
		c.t.Fatal(err)
	}
	return strconv.FormatInt(a.ID, 10)
}

// instancesOf describes a series as a calendar shows it: every instance
// in the contract window, with its wall-clock start and end.
func instancesOf(t *testing.T, s calendar.Series) string {
	t.Helper()
	exp, err := calendar.Occurrences(s, groupwaretest.ContractWindow.From, groupwaretest.ContractWindow.To)
	if err != nil {
		t.Fatalf("expanding %v: %v", s.Master, err)
	}
	var out []string
	for _, o := range exp.Occurrences {
		out = append(out, fmt.Sprintf("%s–%s %s", o.Start, o.End, o.Item[calendar.FieldSubject]))
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

func activityInstances(t *testing.T, a store.Activity) string {
	t.Helper()
	s, err := groupwaresync.AppointmentSeries(&a)
	if err != nil {
		t.Fatal(err)
	}
	return instancesOf(t, s)
}

// checkIdle: a run has nothing to write.
func checkIdle(t *testing.T, what string, rep groupwaresync.EmployeeReport) {
	t.Helper()
	if rep.ToCRM != (rep.ToGroupware) || rep.ToCRM.New+rep.ToCRM.Changed+rep.ToCRM.Deleted != 0 || rep.Conflicts+rep.OnlyInGroupware+rep.Failed != 0 {
		t.Fatalf("%s is not idle: %s", what, rep.Summary())
	}
}

// calendarRoundTrip: CRM appointments (a weekly meeting with one moved
// and one cancelled instance, an appointment on the day of the change to
// winter time, an all-day appointment) reach the calendar as they are;
// the preview writes nothing; a rerun is idle; an instance cancelled and
// one moved in the calendar arrive in the CRM; a meeting made in the
// calendar becomes a write-protected BESPRECHUNG of anna, one without
// attendees a TERMIN.
func calendarRoundTrip(t *testing.T, c *calSync) {
	meeting := c.addSeriesActivity(groupwaretest.WeeklyMeeting())
	dst := strings.TrimSpace(c.ok("activity", "add", "--type", "TERMIN", "--as", "anna", "--subject", "Termin am Umstellungstag",
		"--start", "2026-10-25T09:30:00+01:00", "--end", "2026-10-25T11:00:00+01:00", "--zone", "Europe/Berlin"))
	allDay := strings.TrimSpace(c.ok("activity", "add", "--type", "TERMIN", "--as", "anna", "--subject", "Messe (ganztägig)",
		"--start", "2026-10-24", "--end", "2026-10-26", "--all-day"))
	c.ok("sync", "rule", "add", "cal", "--table", "appointments", "--folder", c.calName, "--window", calendarWindow, "--teams-links")
	if !strings.Contains(c.ok("sync", "rule", "show", "cal"), `"window": "`+calendarWindow+`"`) {
		t.Fatalf("rule show lacks the window: %s", c.ok("sync", "rule", "show", "cal"))
	}

	if rep := c.syncReport("sync", "preview", "cal"); rep.ToGroupware.New != 3 {
		t.Fatalf("preview: %s", rep.Summary())
	}
	if n := len(c.events()); n != 0 {
		t.Fatalf("the preview wrote %d events", n)
	}
	if rep := c.syncReport("sync", "run", "cal"); rep.ToGroupware.New != 3 || rep.ToCRM.New != 0 {
		t.Fatalf("first run: %s", rep.Summary())
	}
	crm, gw := c.activities(), c.events()
	for _, id := range []string{meeting, dst, allDay} {
		if gw[id] == nil {
			t.Fatalf("no event carries CRM id %s: %v", id, gw)
		}
		if got, want := instancesOf(t, gw[id].Series), activityInstances(t, crm[id]); got != want {
			t.Errorf("activity %s in the calendar:\n%s\nwant\n%s", id, got, want)
		}
	}
	if got := gw[dst].Series.Master[calendar.FieldStart]; !strings.HasPrefix(got, "2026-10-25T09:30:00") || !strings.Contains(got, "Europe/Berlin") {
		t.Errorf("the appointment on the day of the change to winter time starts %q, want 09:30 Europe/Berlin", got)
	}
	if m := gw[allDay].Series.Master; m[calendar.FieldAllDay] != "true" || m[calendar.FieldStart] != "2026-10-24" || m[calendar.FieldEnd] != "2026-10-26" {
		t.Errorf("the all-day appointment is %v", m)
	}
	if !weeklyEight(gw[meeting].Series.Master[calendar.FieldRecurrence]) {
		t.Errorf("the series lost its rule: %v", gw[meeting].Series.Master)
	}
	if !crm[meeting].GroupwareLock {
		t.Errorf("the meeting sent to the calendar is not write-protected")
	}
	if c.activities()[dst].GroupwareLock {
		t.Errorf("an appointment without attendees was write-protected")
	}
	show := c.ok("activity", "show", meeting)
	if c.graph != strings.Contains(show, "https://teams.microsoft.com/") {
		t.Errorf("Teams link of the meeting made in the CRM (Graph: %v):\n%s", c.graph, show)
	}
	// The first rerun reads back what the server made of the run's
	// writes (Graph writes FREQ=WEEKLY;COUNT=8 as a pattern with the
	// weekday): the CRM may take that once, the calendar is not written.
	if rep := c.syncReport("sync", "run", "cal"); rep.ToGroupware != (groupwaresync.EmployeeReport{}).ToGroupware || rep.ToCRM.New+rep.ToCRM.Deleted != 0 {
		t.Fatalf("first rerun: %s", rep.Summary())
	}
	checkIdle(t, "second rerun", c.syncReport("sync", "run", "cal"))

	// Groupware → CRM: one more instance cancelled, one more moved.
	src := c.conn.Events(groupwaretest.ContractWindow)
	ev := c.events()[meeting]
	changed := ev.Series
	ex, _ := changed.Master.Exdates()
	changed.Master.SetExdates(append(ex, berlinAt(2026, 11, 5, 10)))
	o := calendar.Item{calendar.FieldKind: calendar.KindEvent, calendar.FieldSubject: "Jour fixe (später)"}
	o.SetWhen(calendar.FieldRecurrenceID, berlinAt(2026, 11, 12, 10))
	o.SetWhen(calendar.FieldStart, berlinAt(2026, 11, 12, 16))
	o.SetWhen(calendar.FieldEnd, berlinAt(2026, 11, 12, 17))
	o[calendar.FieldAttendees] = changed.Master[calendar.FieldAttendees]
	changed.Overrides = append(changed.Overrides, o)
	res, err := src.Write(context.Background(), c.cal, []groupware.Write[groupware.Event]{{Op: groupware.OpUpdate, ID: ev.ID, ETag: ev.ETag,
		Item: &groupware.Event{Series: changed}}})
	if err != nil || res[0].Err != nil {
		t.Fatalf("moving an instance in the calendar: %v %+v", err, res)
	}
	if rep := c.syncReport("sync", "run", "cal"); rep.ToCRM.Changed != 1 || rep.ToGroupware.Changed != 0 {
		t.Fatalf("run after the calendar change: %s", rep.Summary())
	}
	if got, want := activityInstances(t, c.activities()[meeting]), instancesOf(t, c.events()[meeting].Series); got != want {
		t.Errorf("the CRM's series after the calendar change:\n%s\nwant\n%s", got, want)
	}
	if n := strings.Count(activityInstances(t, c.activities()[meeting]), "\n") + 1; n != 6 {
		t.Errorf("the CRM's series has %d instances, want 6 (8 less 2 cancelled)", n)
	}

	// Events made in the calendar become anna's activities.
	foreign := groupwaretest.WeeklyMeeting()
	foreign.Master[calendar.FieldSubject] = "Jour fixe Einkauf"
	c.putForeign(t, "foreign-meeting", foreign)
	plain := groupwaretest.DaylightSavingEvent()
	plain.Master[calendar.FieldSubject] = "Zahnarzt"
	c.putForeign(t, "foreign-appointment", plain)
	if !c.graph { // a cancelled series (STATUS:CANCELLED) is not imported
		cancelled := groupwaretest.WeeklyMeeting()
		cancelled.Master[calendar.FieldSubject] = "Abgesagte Reihe"
		cancelled.Master[calendar.FieldStatus] = "cancelled"
		c.putForeign(t, "foreign-cancelled", cancelled)
	}
	if rep := c.syncReport("sync", "run", "cal"); rep.ToCRM.New != 2 {
		t.Fatalf("run after events made in the calendar: %s", rep.Summary())
	}
	var imported, termin *store.Activity
	for _, a := range c.activities() {
		switch a.Subject {
		case "Jour fixe Einkauf":
			imported = &a
		case "Zahnarzt":
			termin = &a
		}
	}
	if imported == nil || imported.Type != store.TypeMeeting || !imported.GroupwareLock || !weeklyEight(imported.Recurrence) || imported.ICalUID == "" {
		t.Fatalf("imported meeting: %+v", imported)
	}
	if got, want := activityInstances(t, *imported), instancesOf(t, foreign); got != want {
		t.Errorf("imported meeting's instances:\n%s\nwant\n%s", got, want)
	}
	if termin == nil || termin.Type != store.TypeAppointment || termin.GroupwareLock {
		t.Fatalf("imported appointment: %+v", termin)
	}
	checkIdle(t, "run after the import", c.syncReport("sync", "run", "cal"))
	checkIdle(t, "second run after the import", c.syncReport("sync", "run", "cal"))
	want := 5
	if !c.graph {
		want = 6
	}
	if n := len(c.events()); n != want {
		t.Errorf("the calendar holds %d events, want %d (no duplicates)", n, want)
	}
	for _, a := range c.activities() {
		if a.Subject == "Abgesagte Reihe" {
			t.Errorf("a cancelled series was imported: %+v", a)
		}
	}
}

// weeklyEight: the sample meeting's rule, as written or as a server
// spells it (with the weekday).
func weeklyEight(rule string) bool {
	return rule == "FREQ=WEEKLY;COUNT=8" || rule == "FREQ=WEEKLY;BYDAY=TH;COUNT=8"
}

func berlinAt(y int, m time.Month, d, h int) calendar.When {
	loc, _ := calendar.LoadZone("Europe/Berlin")
	return calendar.At(time.Date(y, m, d, h, 0, 0, 0, loc))
}

// taskRoundTrip: a CRM task reaches the task list; completed there, it
// is done in the CRM; a task made there becomes anna's task.
func taskRoundTrip(t *testing.T, c *calSync) {
	task := strings.TrimSpace(c.ok("activity", "add", "--type", "TASK", "--as", "anna", "--subject", "Angebot nachfassen",
		"--due", "2026-10-30T12:00:00Z", "--priority", "1"))
	c.ok("sync", "rule", "add", "todo", "--table", "tasks", "--folder", c.todoName)
	if rep := c.syncReport("sync", "run", "todo"); rep.ToGroupware.New != 1 {
		t.Fatalf("first task run: %s", rep.Summary())
	}
	src := c.conn.Tasks()
	got := c.items(src, c.todo)[task]
	if got == nil || got.Series.Master[calendar.FieldSubject] != "Angebot nachfassen" {
		t.Fatalf("task in the list: %+v", got)
	}
	checkIdle(t, "task rerun", c.syncReport("sync", "run", "todo"))
	done := got.Series
	done.Master.SetBool(calendar.FieldDone, true)
	done.Master[calendar.FieldStatus] = "completed"
	done.Master[calendar.FieldCompleted] = "2026-10-29T08:00:00Z"
	res, err := src.Write(context.Background(), c.todo, []groupware.Write[groupware.Event]{{Op: groupware.OpUpdate, ID: got.ID, ETag: got.ETag,
		Item: &groupware.Event{Series: done}}})
	if err != nil || res[0].Err != nil {
		t.Fatalf("completing the task in the list: %v %+v", err, res)
	}
	if rep := c.syncReport("sync", "run", "todo"); rep.ToCRM.Changed != 1 {
		t.Fatalf("run after completing the task: %s", rep.Summary())
	}
	if a := c.activities(store.TypeTask)[task]; a.Status != store.StatusDone {
		t.Fatalf("task completed in the groupware is %q in the CRM, want done", a.Status)
	}
	checkIdle(t, "task run after completion", c.syncReport("sync", "run", "todo"))

	// CRM → list: a task done in the CRM is completed in the list.
	second := strings.TrimSpace(c.ok("activity", "add", "--type", "TASK", "--as", "anna", "--subject", "Rechnung prüfen",
		"--due", "2026-11-02T12:00:00Z"))
	c.syncReport("sync", "run", "todo")
	c.ok("activity", "update", second, "--done")
	if rep := c.syncReport("sync", "run", "todo"); rep.ToGroupware.Changed != 1 {
		t.Fatalf("run after the CRM's done: %s", rep.Summary())
	}
	if it := c.items(src, c.todo)[second]; it == nil || it.Series.Master[calendar.FieldDone] != "true" {
		t.Fatalf("task done in the CRM, in the list: %+v", it)
	}
}

// newGraphCalSync is the Graph fake's mailbox of anna with a calendar
// "Arbeit" and a To Do list "Aufgaben".
func newGraphCalSync(t *testing.T) *calSync {
	cli, fake := graphSyncCLI(t)
	const upn = "anna@example.com"
	calID, listID := fake.AddCalendar(upn, "Arbeit"), fake.AddTodoList(upn, "Aufgaben")
	ts, err := graph.AppSignIn{ClientID: "app", ClientSecret: "app-secret", TokenURL: fake.TokenURL}.TokenSource(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := graph.New(graph.Config{BaseURL: fake.BaseURL, Mailbox: upn, TokenSource: ts})
	if err != nil {
		t.Fatal(err)
	}
	c := &calSync{storeCLI: cli, conn: conn, calName: "Arbeit", todoName: "Aufgaben", graph: true, fake: fake}
	c.cal, c.todo = folderWithID(t, conn, groupware.TableAppointments, calID), folderWithID(t, conn, groupware.TableTasks, listID)
	c.putForeign = func(t *testing.T, uid string, ser calendar.Series) {
		res, err := conn.Events(groupwaretest.ContractWindow).Write(context.Background(), c.cal,
			[]groupware.Write[groupware.Event]{{Op: groupware.OpCreate, CRMID: uid, Item: &groupware.Event{Series: ser}}})
		if err != nil || res[0].Err != nil {
			t.Fatalf("create %s: %v %+v", uid, err, res)
		}
		if err := fake.DropCRMID(upn, res[0].ID); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// TestSyncCalendarGraph runs the calendar and task round trips against
// the Graph fake (calendarView delta, exceptions and cancelled
// occurrences, To Do lists); meetings the CRM makes get a Teams link.
func TestSyncCalendarGraph(t *testing.T) {
	c := newGraphCalSync(t)
	t.Run("Appointments", func(t *testing.T) { calendarRoundTrip(t, c) })
	t.Run("Tasks", func(t *testing.T) { taskRoundTrip(t, c) })
}

// TestSyncCalendarDAV runs the calendar and task round trips against
// real Radicale and xandikos.
func TestSyncCalendarDAV(t *testing.T) {
	for _, kind := range []string{"radicale", "xandikos"} {
		t.Run(kind, func(t *testing.T) {
			c := newDAVCalSync(t, kind)
			t.Run("Appointments", func(t *testing.T) { calendarRoundTrip(t, c) })
			t.Run("Tasks", func(t *testing.T) { taskRoundTrip(t, c) })
		})
	}
}

// TestSyncCalendarFirstRunLinks: a first run over a calendar that already
// holds copies of CRM appointments links them instead of duplicating
// them: by subject and start (a copy another sync made), and, after the
// rule is removed and added again, by the CRM id wfe stored and by the
// iCalendar UID of an event imported into the CRM.
func TestSyncCalendarFirstRunLinks(t *testing.T) {
	c := newDAVCalSync(t, "radicale")
	crmCopy := strings.TrimSpace(c.ok("activity", "add", "--type", "TERMIN", "--as", "anna", "--subject", "Zahnarzt",
		"--start", "2026-10-25T09:30:00+01:00", "--end", "2026-10-25T11:00:00+01:00", "--zone", "Europe/Berlin"))
	copied := groupwaretest.DaylightSavingEvent()
	copied.Master[calendar.FieldSubject] = "Zahnarzt"
	c.putForeign(t, "old-sync-copy", copied)
	c.addSeriesActivity(groupwaretest.WeeklyMeeting())
	foreign := groupwaretest.AllDayEvent()
	c.putForeign(t, "made-in-calendar", foreign)
	add := []string{"sync", "rule", "add", "cal", "--table", "appointments", "--folder", c.calName, "--window", calendarWindow}
	c.ok(add...)
	if rep := c.syncReport("sync", "run", "cal"); rep.Linked != 1 || rep.ToGroupware.New != 1 || rep.ToCRM.New != 1 {
		t.Fatalf("first run: %s", rep.Summary())
	}
	if a := c.activities()[crmCopy]; a.Subject != "Zahnarzt" || len(c.activities()) != 3 || len(c.events()) != 3 {
		t.Fatalf("after the first run: %d activities, %d events", len(c.activities()), len(c.events()))
	}
	c.ok("sync", "rule", "remove", "cal")
	c.ok(add...)
	if rep := c.syncReport("sync", "run", "cal"); rep.Linked != 3 || rep.ToGroupware.New+rep.ToCRM.New != 0 {
		t.Fatalf("run of the rule added again: %s", rep.Summary())
	}
	if len(c.activities()) != 3 || len(c.events()) != 3 {
		t.Fatalf("after the rule was added again: %d activities, %d events, want 3 each", len(c.activities()), len(c.events()))
	}
	checkIdle(t, "rerun", c.syncReport("sync", "run", "cal"))
}

// TestSyncCalendarConflictAsk: an appointment's subject changed on both
// sides under --conflict ask waits with both versions and neither side is
// written; `sync resolve --keep groupware` writes the calendar's subject
// to the CRM.
func TestSyncCalendarConflictAsk(t *testing.T) {
	c := newDAVCalSync(t, "radicale")
	id := strings.TrimSpace(c.ok("activity", "add", "--type", "TERMIN", "--as", "anna", "--subject", "Zahnarzt",
		"--start", "2026-10-25T09:30:00+01:00", "--zone", "Europe/Berlin"))
	c.ok("sync", "rule", "add", "cal", "--table", "appointments", "--folder", c.calName, "--window", calendarWindow, "--conflict", "ask")
	c.syncReport("sync", "run", "cal")
	c.ok("activity", "update", id, "--subject", "Zahnarzt (CRM)")
	ev := c.events()[id]
	ev.Series.Master[calendar.FieldSubject] = "Zahnarzt (Kalender)"
	res, err := c.conn.Events(groupwaretest.ContractWindow).Write(context.Background(), c.cal,
		[]groupware.Write[groupware.Event]{{Op: groupware.OpUpdate, ID: ev.ID, ETag: ev.ETag, Item: ev}})
	if err != nil || res[0].Err != nil {
		t.Fatalf("changing the event: %v %+v", err, res)
	}
	if rep := c.syncReport("sync", "run", "cal"); rep.Conflicts != 1 {
		t.Fatalf("run with a change on both sides: %s", rep.Summary())
	}
	rows := c.conflicts()
	if len(rows) != 1 || rows[0].CRMID != id || rows[0].CRM["subject"] != "Zahnarzt (CRM)" || rows[0].GW["subject"] != "Zahnarzt (Kalender)" {
		t.Fatalf("conflicts: %+v", rows)
	}
	if c.activities()[id].Subject != "Zahnarzt (CRM)" || c.events()[id].Series.Master[calendar.FieldSubject] != "Zahnarzt (Kalender)" {
		t.Fatal("a held conflict was written")
	}
	c.ok("sync", "resolve", fmt.Sprint(rows[0].ID), "--keep", "groupware")
	if got := c.activities()[id].Subject; got != "Zahnarzt (Kalender)" || len(c.conflicts()) != 0 {
		t.Fatalf("after resolve: CRM subject %q, %d conflicts", got, len(c.conflicts()))
	}
	checkIdle(t, "run after resolve", c.syncReport("sync", "run", "cal"))
}

// TestSyncCalendarDelete: with --delete an event deleted in the calendar
// deletes its CRM appointment (and no other), and the next run is idle.
func TestSyncCalendarDelete(t *testing.T) {
	c := newDAVCalSync(t, "radicale")
	keep := strings.TrimSpace(c.ok("activity", "add", "--type", "TERMIN", "--as", "anna", "--subject", "Bleibt",
		"--start", "2026-10-20T09:00:00+02:00", "--zone", "Europe/Berlin"))
	gone := strings.TrimSpace(c.ok("activity", "add", "--type", "TERMIN", "--as", "anna", "--subject", "Fällt weg",
		"--start", "2026-10-21T09:00:00+02:00", "--zone", "Europe/Berlin"))
	c.ok("sync", "rule", "add", "cal", "--table", "appointments", "--folder", c.calName, "--window", calendarWindow, "--delete")
	c.syncReport("sync", "run", "cal")
	ev := c.events()[gone]
	res, err := c.conn.Events(groupwaretest.ContractWindow).Write(context.Background(), c.cal,
		[]groupware.Write[groupware.Event]{{Op: groupware.OpDelete, ID: ev.ID, ETag: ev.ETag}})
	if err != nil || res[0].Err != nil {
		t.Fatalf("deleting the event: %v %+v", err, res)
	}
	if rep := c.syncReport("sync", "run", "cal"); rep.ToCRM.Deleted != 1 || rep.ToGroupware.New != 0 {
		t.Fatalf("run after the delete: %s", rep.Summary())
	}
	acts := c.activities()
	if _, ok := acts[gone]; ok || len(acts) != 1 || acts[keep].Subject != "Bleibt" {
		t.Fatalf("CRM after the delete: %+v", acts)
	}
	checkIdle(t, "run after the delete", c.syncReport("sync", "run", "cal"))
}

// TestSyncCalendarPendingAdopt: with --no-create an event made in the
// calendar waits for a manual import, listed by its subject also by runs
// that do not list it again; adopting it creates the appointment whole.
func TestSyncCalendarPendingAdopt(t *testing.T) {
	c := newDAVCalSync(t, "radicale")
	c.importCSV("partner,first_name,last_name,email\nACME,Eva,Berg,eva@acme.example\n")
	plain := groupwaretest.DaylightSavingEvent()
	plain.Master[calendar.FieldSubject] = "Zahnarzt"
	c.putForeign(t, "made-in-calendar", plain)
	c.ok("sync", "rule", "add", "cal", "--table", "appointments", "--folder", c.calName, "--window", calendarWindow, "--no-create")
	for i := 0; i < 2; i++ {
		if rep := c.syncReport("sync", "run", "cal"); rep.OnlyInGroupware != 1 || rep.ToCRM.New != 0 {
			t.Fatalf("run %d: %s", i+1, rep.Summary())
		}
	}
	var pending []pendingRow
	if err := json.Unmarshal([]byte(c.ok("sync", "pending", "cal", "--as", "anna", "--json")), &pending); err != nil {
		t.Fatal(err)
	}
	if len(pending) != 1 || pending[0].Name != "Zahnarzt" {
		t.Fatalf("pending: %+v", pending)
	}
	c.ok("sync", "adopt", "cal", "--as", "anna", "--partner", "ACME", fmt.Sprint(pending[0].ID))
	acts := c.activities()
	if len(acts) != 1 {
		t.Fatalf("after adopt: %+v", acts)
	}
	for _, a := range acts {
		if a.Subject != "Zahnarzt" || a.StartDate == nil || a.Type != store.TypeAppointment {
			t.Fatalf("adopted appointment: %+v", a)
		}
	}
	checkIdle(t, "run after adopt", c.syncReport("sync", "run", "cal"))
}

// TestSyncCalendarGraphDeltaGone: when Graph answers 410 for the calendar's
// delta link, the run lists the window whole and duplicates nothing on
// either side.
func TestSyncCalendarGraphDeltaGone(t *testing.T) {
	c := newGraphCalSync(t)
	c.addAppointments(5)
	c.putForeign(t, "foreign", groupwaretest.DaylightSavingEvent())
	c.ok("sync", "rule", "add", "cal", "--table", "appointments", "--folder", c.calName, "--window", calendarWindow)
	if rep := c.syncReport("sync", "run", "cal"); rep.ToGroupware.New != 5 || rep.ToCRM.New != 1 {
		t.Fatalf("first run: %s", rep.Summary())
	}
	c.fake.ExpireDeltaTokens()
	rep := c.syncReport("sync", "run", "cal")
	if rep.ToGroupware.New+rep.ToCRM.New+rep.ToCRM.Deleted+rep.ToGroupware.Deleted != 0 {
		t.Fatalf("run after 410: %s", rep.Summary())
	}
	if len(c.events()) != 6 || len(c.activities()) != 6 {
		t.Fatalf("after 410: %d events, %d appointments, want 6 each", len(c.events()), len(c.activities()))
	}
	checkIdle(t, "run after 410", c.syncReport("sync", "run", "cal"))
}
