package dav_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/wfehq/wfe/groupware"
	"github.com/wfehq/wfe/groupware/calendar"
	"github.com/wfehq/wfe/groupware/groupwaretest"
)

// otherClientSeries is a weekly meeting as another client (Thunderbird)
// stores it: TZID with its VTIMEZONE, the 15 October instance cancelled
// by EXDATE, the 22 October one moved by a RECURRENCE-ID override, and
// properties wfe does not map (an alarm, categories, X- properties).
const otherClientICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN\r\n" +
	"BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\nDTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\n" +
	"BEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\nDTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n" +
	"BEGIN:VEVENT\r\nUID:tb-4711@example.org\r\nDTSTAMP:20260901T080000Z\r\nSUMMARY:Jour fixe Vertrieb\r\nLOCATION:Raum Köln\r\n" +
	"DTSTART;TZID=Europe/Berlin:20261001T100000\r\nDTEND;TZID=Europe/Berlin:20261001T110000\r\nRRULE:FREQ=WEEKLY;COUNT=8\r\n" +
	"EXDATE;TZID=Europe/Berlin:20261015T100000\r\nCATEGORIES:Vertrieb\r\nX-MOZ-GENERATION:3\r\n" +
	"BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nDESCRIPTION:Erinnerung\r\nEND:VALARM\r\nEND:VEVENT\r\n" +
	"BEGIN:VEVENT\r\nUID:tb-4711@example.org\r\nDTSTAMP:20260901T080000Z\r\nRECURRENCE-ID;TZID=Europe/Berlin:20261022T100000\r\n" +
	"SUMMARY:Jour fixe Vertrieb (verschoben)\r\nDTSTART;TZID=Europe/Berlin:20261023T140000\r\nDTEND;TZID=Europe/Berlin:20261023T150000\r\n" +
	"X-MOZ-GENERATION:3\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"

// TestDAVOtherClientSeries: a series another client wrote reads as the
// same meeting wfe writes (moved and cancelled instance included), has
// no CRM id, and an update through wfe that links it to a CRM record
// stores the CRM id and keeps its alarm, categories and X- properties; a create repeated with the same CRM id is ErrExists.
func TestDAVOtherClientSeries(t *testing.T) {
	t.Parallel()
	t.Run("radicale", func(t *testing.T) { t.Parallel(); otherClientSeries(t, groupwaretest.StartRadicale(t)) })
	t.Run("xandikos", func(t *testing.T) { t.Parallel(); otherClientSeries(t, groupwaretest.StartXandikos(t)) })
}

func otherClientSeries(t *testing.T, srv *groupwaretest.DAVServer) {
	ctx := context.Background()
	c := connect(t, srv, srv.Password)
	path := srv.MakeCalendar(t, "privat", "VEVENT")
	put := srv.Do(t, "PUT", path+"tb-4711.ics", otherClientICS, "Content-Type", "text/calendar")
	put.Body.Close()
	if put.StatusCode/100 != 2 {
		t.Fatalf("PUT: %s", put.Status)
	}
	folders, err := c.Folders(ctx, groupware.TableAppointments)
	if err != nil {
		t.Fatal(err)
	}
	f, err := groupware.FolderByPath(folders, "privat")
	if err != nil {
		t.Fatal(err)
	}
	src := c.Events(groupwaretest.ContractWindow)
	got, err := src.Get(ctx, f, []string{path + "tb-4711.ics"})
	if err != nil || got[0].Err != nil {
		t.Fatalf("Get: %+v %v", got, err)
	}
	ev := got[0].Item
	want := groupwaretest.WeeklyMeeting()
	gotOcc, _ := calendar.Occurrences(ev.Series, groupwaretest.ContractWindow.From, groupwaretest.ContractWindow.To)
	wantOcc, _ := calendar.Occurrences(want, groupwaretest.ContractWindow.From, groupwaretest.ContractWindow.To)
	if len(gotOcc.Occurrences) != 7 || len(gotOcc.Occurrences) != len(wantOcc.Occurrences) || ev.CRMID != "" {
		t.Fatalf("read %d instances (want %d), CRM id %q", len(gotOcc.Occurrences), len(wantOcc.Occurrences), ev.CRMID)
	}
	for i := range gotOcc.Occurrences {
		if g, w := gotOcc.Occurrences[i].Start.String(), wantOcc.Occurrences[i].Start.String(); g != w {
			t.Errorf("instance %d starts %s, want %s", i, g, w)
		}
	}
	ev.Series.Master[calendar.FieldSubject] = "Jour fixe Vertrieb und Einkauf"
	res, err := src.Write(ctx, f, []groupware.Write[groupware.Event]{{Op: groupware.OpUpdate, ID: ev.ID, ETag: ev.ETag, CRMID: "linked-1", Item: ev}})
	if err != nil || res[0].Err != nil {
		t.Fatalf("update: %+v %v", res, err)
	}
	resp := srv.Do(t, "GET", path+"tb-4711.ics", "")
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, keep := range []string{"BEGIN:VALARM", "TRIGGER:-PT15M", "CATEGORIES:Vertrieb", "X-MOZ-GENERATION:3", "UID:tb-4711@example.org", "SUMMARY:Jour fixe Vertrieb und Einkauf", "RECURRENCE-ID", "X-WFE-CRM-ID:linked-1"} {
		if !strings.Contains(string(body), keep) {
			t.Errorf("after the update the object lacks %q:\n%s", keep, body)
		}
	}
	if found, err := src.FindByCRMID(ctx, f, "linked-1"); err != nil || found.ID != path+"tb-4711.ics" {
		t.Errorf("FindByCRMID of the linked object: %+v %v", found, err)
	}
	w := groupware.Write[groupware.Event]{Op: groupware.OpCreate, CRMID: "twice", Item: &groupware.Event{Series: groupwaretest.AllDayEvent()}}
	if res, err := src.Write(ctx, f, []groupware.Write[groupware.Event]{w}); err != nil || res[0].Err != nil {
		t.Fatalf("first create: %+v %v", res, err)
	}
	res, err = src.Write(ctx, f, []groupware.Write[groupware.Event]{w})
	if err != nil || !errors.Is(res[0].Err, groupware.ErrExists) {
		t.Errorf("second create with the same CRM id: %+v %v, want ErrExists", res, err)
	}
}

// TestDAVCalendarWithoutSyncCollection: a server that refuses
// sync-collection is followed by its CTag: an unchanged calendar costs
// one PROPFIND, a changed one is listed again in full.
func TestDAVCalendarWithoutSyncCollection(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := groupwaretest.StartXandikos(t)
	srv.Proxy.RefuseSyncCollection()
	c := connect(t, srv, srv.Password)
	f := calendarHarness(srv).NewFolder(t, c, groupware.TableAppointments)
	src := c.Events(groupwaretest.ContractWindow)
	res, err := src.Write(ctx, f, []groupware.Write[groupware.Event]{{Op: groupware.OpCreate, CRMID: "a", Item: &groupware.Event{Series: groupwaretest.AllDayEvent()}}})
	if err != nil || res[0].Err != nil {
		t.Fatalf("create: %+v %v", res, err)
	}
	full, err := src.Changes(ctx, f, "")
	if err != nil || len(full.Changed) != 1 {
		t.Fatalf("full Changes: %+v %v", full, err)
	}
	before := srv.Proxy.Requests()
	idle, err := src.Changes(ctx, f, full.Token)
	if cost := srv.Proxy.Requests() - before; err != nil || cost != 1 || len(idle.Changed) != 0 || idle.Full {
		t.Fatalf("idle Changes: %+v %v after %d requests; want nothing after 1", idle, err, cost)
	}
	res, err = src.Write(ctx, f, []groupware.Write[groupware.Event]{{Op: groupware.OpCreate, CRMID: "b", Item: &groupware.Event{Series: groupwaretest.DaylightSavingEvent()}}})
	if err != nil || res[0].Err != nil {
		t.Fatalf("second create: %+v %v", res, err)
	}
	next, err := src.Changes(ctx, f, idle.Token)
	if err != nil || !next.Full || len(next.Changed) != 2 {
		t.Fatalf("Changes after a create: %+v %v; want a full listing of 2", next, err)
	}
}
