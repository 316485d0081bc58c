//go:build unix

package wfecmd

import (
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wfehq/wfe/groupware/groupwaretest"
)

// The figures of scripts/bench-calendar.sh, printed, never asserted: the
// tests run only with WFE_BENCH_CALENDAR=1.
func benchCalendarEnabled(t *testing.T) {
	if os.Getenv("WFE_BENCH_CALENDAR") != "1" {
		t.Skip("prints benchmark figures; run scripts/bench-calendar.sh (WFE_BENCH_CALENDAR=1)")
	}
}

// benchEvents is the number of CRM appointments of the Radicale bench
// (WFE_BENCH_EVENTS overrides it).
func benchEvents() int {
	n := 5000
	if v := os.Getenv("WFE_BENCH_EVENTS"); v != "" {
		fmt.Sscan(v, &n)
	}
	return n
}

// TestCalendarBenchRadicale: an initial sync of 5,000 CRM appointments to
// a Radicale calendar against a plain loop of as many iCalendar PUTs with
// 4 in flight into another calendar of the same server, and the requests
// of the run after it (which reads back its own creates) and of an idle
// run.
func TestCalendarBenchRadicale(t *testing.T) {
	benchCalendarEnabled(t)
	n := benchEvents()
	c := newDAVCalSync(t, "radicale")
	c.addAppointments(n)
	c.ok("sync", "rule", "add", "cal", "--table", "appointments", "--folder", c.calName, "--window", calendarWindow)
	start := time.Now()
	rep := c.syncReport("sync", "run", "cal")
	wfe := time.Since(start)
	proxy := c.srv.Proxy
	before := proxy.Requests()
	c.syncReport("sync", "run", "cal")
	readBack := proxy.Requests() - before
	before = proxy.Requests()
	c.syncReport("sync", "run", "cal")
	idle := proxy.Requests() - before

	plain := c.srv.MakeCalendar(t, "plain", "VEVENT")
	start = time.Now()
	plainEventPUTs(t, c.srv, plain, n)
	loop := time.Since(start)
	fmt.Printf("radicale: wfe initial sync of %d appointments (%d created) %.1f s; plain loop of %d PUTs, 4 in flight, %.1f s; ratio loop/wfe %.2f\n",
		n, rep.ToGroupware.New, wfe.Seconds(), n, loop.Seconds(), loop.Seconds()/wfe.Seconds())
	fmt.Printf("radicale: the run after it (reads back its own creates) %d requests; idle run %d requests for 1 calendar and 1 employee\n", readBack, idle)
}

// plainEventPUTs stores n one-hour events with 4 PUTs in flight.
func plainEventPUTs(t *testing.T, srv *groupwaretest.DAVServer, cal string, n int) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= int64(n); i = next.Add(1) {
				day := 1 + i%28
				ics := fmt.Sprintf("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\nBEGIN:VEVENT\r\nUID:plain-%d\r\nDTSTAMP:20260901T000000Z\r\n"+
					"SUMMARY:Termin %d\r\nDTSTART;TZID=Europe/Berlin:202610%02dT100000\r\nDTEND;TZID=Europe/Berlin:202610%02dT110000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
					i, i, day, day)
				resp := srv.Do(t, "PUT", fmt.Sprintf("%splain-%d.ics", cal, i), ics, "Content-Type", "text/calendar; charset=utf-8", "If-None-Match", "*")
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
}

// TestCalendarBenchGraphIdle: the requests an idle run of an appointments
// rule costs on the Graph fake, after an initial sync of 500 appointments
// and the run that reads them back.
func TestCalendarBenchGraphIdle(t *testing.T) {
	benchCalendarEnabled(t)
	const n = 500
	c := newGraphCalSync(t)
	c.addAppointments(n)
	c.ok("sync", "rule", "add", "cal", "--table", "appointments", "--folder", c.calName, "--window", calendarWindow)
	start, before := time.Now(), c.fake.Requests()
	c.syncReport("sync", "run", "cal")
	initial, initialReqs := time.Since(start), c.fake.Requests()-before
	before = c.fake.Requests()
	c.syncReport("sync", "run", "cal")
	readBack := c.fake.Requests() - before
	before = c.fake.Requests()
	c.syncReport("sync", "run", "cal")
	fmt.Printf("graph (fake): initial sync of %d appointments %.1f s, %d requests; the run after it %d requests; idle run %d requests for 1 calendar and 1 employee\n",
		n, initial.Seconds(), initialReqs, readBack, c.fake.Requests()-before)
}
