package graph_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/wfehq/wfe/groupware"
	"github.com/wfehq/wfe/groupware/calendar"
	"github.com/wfehq/wfe/groupware/groupwaretest"
)

func calendarFolder(t *testing.T, fake *groupwaretest.GraphFake, c groupware.Connector, table groupware.Table, name string) groupware.Folder {
	t.Helper()
	if table == groupware.TableTasks {
		fake.AddTodoList(testMailbox, name)
	} else {
		fake.AddCalendar(testMailbox, name)
	}
	list, err := c.Folders(context.Background(), table)
	if err != nil {
		t.Fatal(err)
	}
	f, err := groupware.FolderByPath(list, name)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func createEvent(t *testing.T, src groupware.Source[groupware.Event], f groupware.Folder, crmID string, ev *groupware.Event) groupware.WriteResult {
	t.Helper()
	res, err := src.Write(context.Background(), f, []groupware.Write[groupware.Event]{{Op: groupware.OpCreate, CRMID: crmID, Item: ev}})
	if err != nil || res[0].Err != nil {
		t.Fatalf("create %s: %+v %v", crmID, res, err)
	}
	return res[0]
}

// TestGraphEventTeamsAndZone: a meeting that asks for a Teams link is
// created with isOnlineMeeting and the teamsForBusiness provider, and its
// join URL is read back; its times go to Graph with the Windows zone name
// of Europe/Berlin and come back in Europe/Berlin.
func TestGraphEventTeamsAndZone(t *testing.T) {
	fake := newFake(t)
	c := zonedConnector(t, fake)
	f := calendarFolder(t, fake, c, groupware.TableAppointments, "Kalender")
	src := c.Events(groupwaretest.ContractWindow)
	created := createEvent(t, src, f, "meeting-1", &groupware.Event{Series: groupwaretest.WeeklyMeeting(), OnlineMeeting: true})
	raw := fake.EventJSON(testMailbox, created.ID)
	start, _ := raw["start"].(map[string]any)
	if start["timeZone"] != "W. Europe Standard Time" || raw["isOnlineMeeting"] != true || raw["onlineMeetingProvider"] != "teamsForBusiness" {
		t.Errorf("written event: start %v, isOnlineMeeting %v, provider %v; want W. Europe Standard Time, true, teamsForBusiness", start, raw["isOnlineMeeting"], raw["onlineMeetingProvider"])
	}
	got, err := src.Get(context.Background(), f, []string{created.ID})
	if err != nil || got[0].Err != nil {
		t.Fatalf("Get: %+v %v", got, err)
	}
	ev := got[0].Item
	if !strings.HasPrefix(ev.JoinURL, "https://teams.microsoft.com/") {
		t.Errorf("join URL %q, want the Teams link", ev.JoinURL)
	}
	if s := ev.Series.Master[calendar.FieldStart]; s != "2026-10-01T10:00:00+02:00[Europe/Berlin]" {
		t.Errorf("start read back as %q", s)
	}
	plain := createEvent(t, src, f, "meeting-2", &groupware.Event{Series: groupwaretest.DaylightSavingEvent()})
	if raw := fake.EventJSON(testMailbox, plain.ID); raw["isOnlineMeeting"] != nil {
		t.Errorf("a meeting that did not ask for Teams has isOnlineMeeting %v", raw["isOnlineMeeting"])
	}
}

// TestGraphCalendarDeltaExpiry: 410 on a calendar delta link and a delta
// link whose window was changed are both ErrTokenExpired; a new full
// listing follows and finds the same series without duplicates.
func TestGraphCalendarDeltaExpiry(t *testing.T) {
	ctx := context.Background()
	fake := newFake(t)
	c := zonedConnector(t, fake)
	f := calendarFolder(t, fake, c, groupware.TableAppointments, "Kalender")
	src := c.Events(groupwaretest.ContractWindow)
	created := createEvent(t, src, f, "series", &groupware.Event{Series: groupwaretest.WeeklyMeeting()})
	full, err := src.Changes(ctx, f, "")
	if err != nil || len(full.Changed) != 1 || full.Changed[0].ID != created.ID {
		t.Fatalf("full Changes: %+v %v; want the one series", full, err)
	}
	head, link, _ := strings.Cut(full.Token, ";")
	u, _ := url.Parse(link)
	q := u.Query()
	q.Set("endDateTime", "2030-01-01T00:00:00Z")
	u.RawQuery = q.Encode()
	if _, err := src.Changes(ctx, f, head+";"+u.String()); !errors.Is(err, groupware.ErrTokenExpired) {
		t.Errorf("a delta link for another window: %v, want ErrTokenExpired", err)
	}
	fake.ExpireDeltaTokens()
	if _, err := src.Changes(ctx, f, full.Token); !errors.Is(err, groupware.ErrTokenExpired) {
		t.Fatalf("expired delta token: %v, want ErrTokenExpired", err)
	}
	again, err := src.Changes(ctx, f, "")
	if err != nil || len(again.Changed) != 1 || again.Changed[0].ID != created.ID || fake.EventCount(testMailbox) != 1 {
		t.Fatalf("listing again: %+v %v, %d events; want the same one series", again, err, fake.EventCount(testMailbox))
	}
}

// TestGraphTaskCompletedInToDo: a task marked completed in the To Do app
// is listed by the next delta and reads as done with its CRM id.
func TestGraphTaskCompletedInToDo(t *testing.T) {
	ctx := context.Background()
	fake := newFake(t)
	c := zonedConnector(t, fake)
	f := calendarFolder(t, fake, c, groupware.TableTasks, "Aufgaben")
	src := c.Tasks()
	res, err := src.Write(ctx, f, []groupware.Write[groupware.Task]{{Op: groupware.OpCreate, CRMID: "task-7", Item: &groupware.Task{Series: groupwaretest.SampleTask()}}})
	if err != nil || res[0].Err != nil {
		t.Fatalf("create: %+v %v", res, err)
	}
	full, err := src.Changes(ctx, f, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := fake.EditTodo(testMailbox, res[0].ID, "status", "completed"); err != nil {
		t.Fatal(err)
	}
	next, err := src.Changes(ctx, f, full.Token)
	if err != nil || len(next.Changed) != 1 || next.Changed[0].ID != res[0].ID {
		t.Fatalf("Changes after completion: %+v %v", next, err)
	}
	got, err := src.Get(ctx, f, []string{res[0].ID})
	if err != nil || got[0].Err != nil {
		t.Fatalf("Get: %+v %v", got, err)
	}
	m := got[0].Item.Series.Master
	if !m.Bool(calendar.FieldDone) || got[0].Item.CRMID != "task-7" || m[calendar.FieldDue] != "2026-10-30" || m[calendar.FieldPriority] != "1" {
		t.Errorf("completed task reads %v with CRM id %q; want done, due 2026-10-30, priority 1, task-7", m, got[0].Item.CRMID)
	}
}

// TestGraphRuleGraphCannotHold: a series whose rule Graph's patterns
// cannot express (hourly) is refused for its own record with
// ErrInvalidData and written nowhere; the other write of the call goes on.
func TestGraphRuleGraphCannotHold(t *testing.T) {
	fake := newFake(t)
	c := zonedConnector(t, fake)
	f := calendarFolder(t, fake, c, groupware.TableAppointments, "Kalender")
	hourly := groupwaretest.DaylightSavingEvent()
	hourly.Master[calendar.FieldRecurrence] = "FREQ=HOURLY;COUNT=3"
	res, err := c.Events(groupwaretest.ContractWindow).Write(context.Background(), f, []groupware.Write[groupware.Event]{
		{Op: groupware.OpCreate, CRMID: "hourly", Item: &groupware.Event{Series: hourly}},
		{Op: groupware.OpCreate, CRMID: "plain", Item: &groupware.Event{Series: groupwaretest.AllDayEvent()}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var re *groupware.RecordError
	if !errors.Is(res[0].Err, groupware.ErrInvalidData) || !errors.As(res[0].Err, &re) || re.ID != "hourly" || res[1].Err != nil {
		t.Fatalf("results %+v; want ErrInvalidData for hourly only", res)
	}
	if n := fake.EventCount(testMailbox); n != 1 {
		t.Errorf("%d events on the server, want 1", n)
	}
}

// TestGraphSeriesBecomesSingle: an update that turns a series into a
// single event without location removes the rule and the location on
// Graph (absent properties are sent as cleared, not left out); the CRM id
// the update names is stored and found.
func TestGraphSeriesBecomesSingle(t *testing.T) {
	fake := newFake(t)
	c := zonedConnector(t, fake)
	f := calendarFolder(t, fake, c, groupware.TableAppointments, "Kalender")
	src := c.Events(groupwaretest.ContractWindow)
	created := createEvent(t, src, f, "series", &groupware.Event{Series: groupwaretest.WeeklyMeeting()})
	single := groupwaretest.WeeklyMeeting()
	single.Overrides = nil
	for _, field := range []string{calendar.FieldRecurrence, calendar.FieldExdates, calendar.FieldLocation} {
		delete(single.Master, field)
	}
	res, err := src.Write(context.Background(), f, []groupware.Write[groupware.Event]{{Op: groupware.OpUpdate, ID: created.ID, ETag: created.ETag, CRMID: "relinked", Item: &groupware.Event{Series: single}}})
	if err != nil || res[0].Err != nil {
		t.Fatalf("update: %+v %v", res, err)
	}
	got, err := src.Get(context.Background(), f, []string{created.ID})
	if err != nil || got[0].Err != nil {
		t.Fatalf("Get: %+v %v", got, err)
	}
	m := got[0].Item.Series.Master
	if m[calendar.FieldRecurrence] != "" || m[calendar.FieldLocation] != "" || len(got[0].Item.Series.Overrides) != 0 {
		t.Errorf("after the update: rule %q, location %q, %d overrides; want none", m[calendar.FieldRecurrence], m[calendar.FieldLocation], len(got[0].Item.Series.Overrides))
	}
	if found, err := src.FindByCRMID(context.Background(), f, "relinked"); err != nil || found.ID != created.ID {
		t.Errorf("FindByCRMID of the CRM id the update stored: %+v %v", found, err)
	}
}

// TestGraphEventWriteOneRequest: creating and updating an event without
// moved or cancelled instances costs one request each, and the change
// key returned is the one the server holds (so the next listing finds
// nothing to read); a series with a moved instance reads the key after
// writing the instances, since each of them changes it.
func TestGraphEventWriteOneRequest(t *testing.T) {
	fake := newFake(t)
	c := zonedConnector(t, fake)
	f := calendarFolder(t, fake, c, groupware.TableAppointments, "Kalender")
	src := c.Events(groupwaretest.ContractWindow)
	before := fake.Requests()
	created := createEvent(t, src, f, "single", &groupware.Event{Series: groupwaretest.DaylightSavingEvent()})
	if n := fake.Requests() - before; n != 1 {
		t.Errorf("create of a single event: %d requests, want 1", n)
	}
	if want := fake.EventJSON(testMailbox, created.ID)["@odata.etag"]; created.ETag != want {
		t.Errorf("create returned change key %q, the server holds %v", created.ETag, want)
	}
	changed := groupwaretest.DaylightSavingEvent()
	changed.Master[calendar.FieldSubject] = "Changed"
	before = fake.Requests()
	res, err := src.Write(context.Background(), f, []groupware.Write[groupware.Event]{{Op: groupware.OpUpdate, ID: created.ID, ETag: created.ETag, CRMID: "single", Item: &groupware.Event{Series: changed}}})
	if err != nil || res[0].Err != nil {
		t.Fatalf("update: %+v %v", res, err)
	}
	if n := fake.Requests() - before; n != 1 {
		t.Errorf("update of a single event: %d requests, want 1", n)
	}
	if want := fake.EventJSON(testMailbox, created.ID)["@odata.etag"]; res[0].ETag != want || res[0].ETag == created.ETag {
		t.Errorf("update returned change key %q (create's %q), the server holds %v", res[0].ETag, created.ETag, want)
	}
	series := createEvent(t, src, f, "series", &groupware.Event{Series: groupwaretest.WeeklyMeeting()})
	if want := fake.EventJSON(testMailbox, series.ID)["@odata.etag"]; series.ETag != want {
		t.Errorf("series with instances: create returned change key %q, the server holds %v", series.ETag, want)
	}
}
