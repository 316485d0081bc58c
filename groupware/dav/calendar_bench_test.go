package dav_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/wfehq/wfe/groupware"
	"github.com/wfehq/wfe/groupware/calendar"
	"github.com/wfehq/wfe/groupware/groupwaretest"
)

// benchEvents is the number of events of BenchmarkRadicaleInitialSync:
// WFE_BENCH_EVENTS, 500 by default (Radicale slows down as a calendar
// grows; 5,000 takes minutes).
func benchEvents() int {
	if n, err := strconv.Atoi(os.Getenv("WFE_BENCH_EVENTS")); err == nil && n > 0 {
		return n
	}
	return 500
}

// benchSeries is the i-th weekly meeting of the benchmark.
func benchSeries(i int) calendar.Series {
	s := groupwaretest.WeeklyMeeting()
	s.Master[calendar.FieldSubject] = fmt.Sprintf("Termin %d", i)
	s.Master[calendar.FieldUID] = fmt.Sprintf("bench-%d@example.org", i)
	for _, o := range s.Overrides {
		o[calendar.FieldUID] = s.Master[calendar.FieldUID]
	}
	return s
}

// BenchmarkRadicaleInitialSync writes benchEvents weekly meetings (with
// a moved and a cancelled instance) to Radicale twice in the same run:
// once as a plain loop of PUTs of the encoded objects, 4 in flight, and
// once through the connector (creates with If-None-Match, 4 in flight),
// followed by a full Changes and a Get of every event; it reports both
// times and their ratio, and the requests an idle Changes costs.
func BenchmarkRadicaleInitialSync(b *testing.B) {
	srv := groupwaretest.StartRadicale(b)
	n := benchEvents()
	for i := 0; i < b.N; i++ {
		plainPath := srv.MakeCalendar(b, fmt.Sprintf("plain-%d", i), "VEVENT")
		start := time.Now()
		plainPUTs(b, srv, plainPath, n)
		plain := time.Since(start)
		c := connect(b, srv, srv.Password)
		f := folderOfCalendar(b, srv, c, fmt.Sprintf("wfe-%d", i))
		start = time.Now()
		idle := wfeInitialSync(b, srv, c, f, n)
		synced := time.Since(start)
		b.ReportMetric(plain.Seconds(), "plain-s")
		b.ReportMetric(synced.Seconds(), "wfe-s")
		b.ReportMetric(synced.Seconds()/plain.Seconds(), "ratio")
		b.ReportMetric(float64(idle), "idle-requests")
	}
}

func plainPUTs(b *testing.B, srv *groupwaretest.DAVServer, path string, n int) {
	var wg sync.WaitGroup
	slots := make(chan struct{}, 4)
	for i := range n {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			var buf bytes.Buffer
			if err := calendar.EncodeICS(&buf, time.Now(), benchSeries(i)); err != nil {
				b.Error(err)
				return
			}
			resp := srv.Do(b, "PUT", fmt.Sprintf("%splain-%d.ics", path, i), buf.String(), "Content-Type", "text/calendar")
			resp.Body.Close()
		})
	}
	wg.Wait()
}

// wfeInitialSync creates n events through the connector, lists and reads
// them, and returns what an idle Changes costs.
func wfeInitialSync(b *testing.B, srv *groupwaretest.DAVServer, c groupware.Connector, f groupware.Folder, n int) int64 {
	ctx := context.Background()
	src := c.Events(groupwaretest.ContractWindow)
	writes := make([]groupware.Write[groupware.Event], n)
	for i := range writes {
		writes[i] = groupware.Write[groupware.Event]{Op: groupware.OpCreate, CRMID: fmt.Sprintf("act-%d", i), Item: &groupware.Event{Series: benchSeries(i)}}
	}
	if _, err := src.Write(ctx, f, writes); err != nil {
		b.Fatal(err)
	}
	full, err := src.Changes(ctx, f, "")
	if err != nil || len(full.Changed) != n {
		b.Fatalf("full Changes: %d changed, %v; want %d", len(full.Changed), err, n)
	}
	ids := make([]string, len(full.Changed))
	for i, ch := range full.Changed {
		ids[i] = ch.ID
	}
	if _, err := src.Get(ctx, f, ids); err != nil {
		b.Fatal(err)
	}
	before := srv.Proxy.Requests()
	if _, err := src.Changes(ctx, f, full.Token); err != nil {
		b.Fatal(err)
	}
	return srv.Proxy.Requests() - before
}

func folderOfCalendar(b *testing.B, srv *groupwaretest.DAVServer, c groupware.Connector, name string) groupware.Folder {
	srv.MakeCalendar(b, name, "VEVENT")
	list, err := c.Folders(context.Background(), groupware.TableAppointments)
	if err != nil {
		b.Fatal(err)
	}
	f, err := groupware.FolderByPath(list, name)
	if err != nil {
		b.Fatal(err)
	}
	return f
}
