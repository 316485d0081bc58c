//go:build unix

package wfecmd

import (
	"context"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sort"
	"testing"
	"time"

	"github.com/wfehq/wfe/groupware/calendar"
	"github.com/wfehq/wfe/groupware/groupwaretest"
	"github.com/wfehq/wfe/store"
)

// TestSyncCalendarKill9: the first sync of 300 CRM appointments to a
// Radicale calendar that also holds 40 events made by another client,
// killed with SIGKILL at up to 10 random points and started again each time:
// in the end every appointment is in the calendar exactly once, carrying
// its CRM id, no event was written twice, every foreign event is in the
// CRM exactly once, and a further run has nothing to do.
func TestSyncCalendarKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("starts wfe some 10 times")
	}
	const n, foreign = 300, 40
	c := newDAVCalSync(t, "radicale")
	for i := 0; i < foreign; i++ {
		s := groupwaretest.DaylightSavingEvent()
		s.Master[calendar.FieldSubject] = fmt.Sprintf("Fremd %d", i)
		s.Master.SetWhen(calendar.FieldStart, berlinAt(2026, 11, 1+i%28, 8+i%9))
		s.Master.SetWhen(calendar.FieldEnd, berlinAt(2026, 11, 1+i%28, 9+i%9))
		c.putForeign(t, fmt.Sprintf("foreign-%d", i), s)
	}
	c.addAppointments(n)
	k := &killer{perCard: map[string]int{}}
	for len(k.points) < 10 {
		k.points = append(k.points, 1+rand.IntN(n-60))
	}
	sort.Ints(k.points)
	// wfe reaches the server through the killer; the test's own client
	// goes to the server directly.
	target, err := url.Parse(c.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ErrorLog = log.New(io.Discard, "", 0) // a killed client cancels its request
	front := httptest.NewServer(k.wrap(rp))
	defer front.Close()
	c.ok("mailconfig", "set", "DAV", "--calendar-system", "dav", "--groupware-url", front.URL)
	c.ok("sync", "rule", "add", "cal", "--table", "appointments", "--folder", c.calName, "--window", calendarWindow)

	k.runUntilDone(t, buildWFE(t), c.db, "sync", "run", "cal")
	// A PUT cut off by a kill is stored but not counted, so the last
	// points may never be reached.
	if k.killed < 5 {
		t.Fatalf("%d kills, want at least 5 (kill points left: %v)", k.killed, k.points)
	}
	t.Logf("%d kills", k.killed)
	events, crm := c.events(), c.activities()
	if len(events) != n+foreign || len(crm) != n+foreign {
		t.Fatalf("%d events and %d CRM appointments, want %d each", len(events), len(crm), n+foreign)
	}
	for id := range crm {
		if crm[id].ICalUID == "" && events[id] == nil {
			t.Fatalf("appointment %s (%s) is not in the calendar", id, crm[id].Subject)
		}
	}
	for path, puts := range k.perCard {
		if puts > 1 {
			t.Fatalf("event %s was written %d times", path, puts)
		}
	}
	checkIdle(t, "run after the crashes", c.syncReport("sync", "run", "cal"))
}

// addAppointments stores n TERMIN activities of anna in October and
// November 2026, Berlin time.
func (c *calSync) addAppointments(n int) {
	c.t.Helper()
	st := c.store()
	defer st.Close()
	ctx := context.Background()
	emp, err := st.EmployeeByLogin(ctx, "anna")
	if err != nil {
		c.t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		start := berlinAt(2026, time.Month(10+i%2), 1+i%28, 8+i%10).Time
		end := start.Add(time.Hour)
		a := &store.Activity{Type: store.TypeAppointment, Subject: fmt.Sprintf("Termin %d", i), StartDate: &start, EndDate: &end,
			DelegatedTo: &emp.ID, CreatedBy: &emp.ID}
		a.TimeZone = "Europe/Berlin"
		if err := st.CreateAppointment(ctx, a); err != nil {
			c.t.Fatal(err)
		}
	}
}
