//go:build unix

package wfecmd

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/wfehq/wfe/cmd/wfecmd/demodav"
	"github.com/wfehq/wfe/groupware/groupwaretest"
	"github.com/wfehq/wfe/store/storetest"
)

// The figures of scripts/bench-sync.sh. They are printed, never
// asserted: the tests run only with WFE_BENCH_SYNC=1.
func benchSyncEnabled(t *testing.T) {
	if os.Getenv("WFE_BENCH_SYNC") != "1" {
		t.Skip("prints benchmark figures; run scripts/bench-sync.sh (WFE_BENCH_SYNC=1)")
	}
}

// TestSyncBenchRadicale: an initial sync of 2,000 CRM contacts to
// Radicale against a plain loop of the same number of CardDAV PUTs with 4
// in flight into another address book of the same server, and the
// requests of the run after it and of an idle run.
func TestSyncBenchRadicale(t *testing.T) {
	benchSyncEnabled(t)
	const n = 2000
	d := newDAVSync(t)
	d.importCSV(contactsCSV(n - 2))
	d.ok("sync", "rule", "add", "customers", "--folder", "contacts")
	start := time.Now()
	rep := d.syncReport("sync", "run", "customers")
	wfe := time.Since(start)
	ageContacts(t, d.db)
	before := d.srv.Proxy.Requests()
	d.syncReport("sync", "run", "customers")
	after := d.srv.Proxy.Requests() - before
	before = d.srv.Proxy.Requests()
	d.syncReport("sync", "run", "customers")
	idle := d.srv.Proxy.Requests() - before

	book := d.srv.MakeAddressBook(t, "plain")
	start = time.Now()
	plainPUTs(t, d.srv, book, n)
	loop := time.Since(start)
	fmt.Printf("radicale: wfe initial sync of %d contacts (%d created) %.1f s; plain loop of %d PUTs, 4 in flight, %.1f s; ratio loop/wfe %.2f\n",
		n, rep.ToGroupware.New, wfe.Seconds(), n, loop.Seconds(), loop.Seconds()/wfe.Seconds())
	fmt.Printf("radicale: the run after the initial sync (lists its own %d creates) %d requests, idle run %d requests, for 1 folder and 1 employee\n", n-2, after, idle)
}

// plainPUTs stores n cards with 4 PUTs in flight.
func plainPUTs(t *testing.T, srv *groupwaretest.DAVServer, book string, n int) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= int64(n); i = next.Add(1) {
				card := fmt.Sprintf("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:plain-%d\r\nFN:F%d L%d\r\nN:L%d;F%d;;;\r\nEMAIL;TYPE=WORK:p%d@acme.example\r\nORG:ACME\r\nEND:VCARD\r\n", i, i, i, i, i, i)
				resp := srv.Do(t, "PUT", fmt.Sprintf("%splain-%d.vcf", book, i), card, "Content-Type", "text/vcard", "If-None-Match", "*")
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
}

// childCost runs wfe as a child process and returns its wall time, CPU
// time and peak RSS.
func childCost(t *testing.T, bin, db string, env []string, args ...string) (wall, cpu time.Duration, rssMB float64) {
	cmd := exec.Command(bin, append([]string{"--db", db}, args...)...)
	cmd.Env = append(append(os.Environ(), "WFE_SECRET_KEY="+storetest.TestKey), env...)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	wall = time.Since(start)
	if err != nil {
		t.Fatalf("wfe %v: %v\n%s", args, err, out)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return wall, cpu, float64(ru.Maxrss) / 1024
}

// benchSizes are the address-book sizes of TestSyncBenchScale:
// WFE_BENCH_SYNC_SIZES (comma-separated), default 10,000 and 50,000.
func benchSizes(t *testing.T) []int {
	spec := os.Getenv("WFE_BENCH_SYNC_SIZES")
	if spec == "" {
		spec = "10000,50000"
	}
	var out []int
	for _, f := range strings.Split(spec, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			t.Fatalf("WFE_BENCH_SYNC_SIZES=%q: %q is not a size", spec, f)
		}
		out = append(out, n)
	}
	return out
}

// TestSyncBenchScale: wfe's own cost (wall, CPU, peak RSS of the wfe
// process) syncing n contacts to an in-process CardDAV server and to the
// Graph fake, for each size of benchSizes, and the requests of the run
// right after the initial sync and of an idle run (one folder, one
// employee).
func TestSyncBenchScale(t *testing.T) {
	benchSyncEnabled(t)
	bin := buildWFE(t)
	for _, n := range benchSizes(t) {
		benchDAVScale(t, bin, n)
		benchGraphScale(t, bin, n)
	}
}

// benchRuns runs the initial sync, the run after it and an idle run of
// rule as child processes and prints their cost as what.
func benchRuns(t *testing.T, bin string, c *storeCLI, env []string, srv requestCounter, what, rule string, n int) {
	start := srv.Requests()
	wall, cpu, rss := childCost(t, bin, c.db, env, "sync", "run", rule)
	fmt.Printf("%s: initial sync of %d contacts: wall %.1f s, wfe CPU %.1f s, wfe peak RSS %.0f MB, %d requests\n",
		what, n, wall.Seconds(), cpu.Seconds(), rss, srv.Requests()-start)
	ageContacts(t, c.db)
	before := srv.Requests()
	wall, cpu, rss = childCost(t, bin, c.db, env, "sync", "run", rule)
	fmt.Printf("%s: the run after it (lists its own %d creates): %d requests, wall %.2f s, wfe CPU %.2f s, peak RSS %.0f MB\n",
		what, n, srv.Requests()-before, wall.Seconds(), cpu.Seconds(), rss)
	before = srv.Requests()
	wall, cpu, rss = childCost(t, bin, c.db, env, "sync", "run", rule)
	fmt.Printf("%s: idle run over %d contacts: %d requests for 1 folder and 1 employee, wall %.2f s, wfe CPU %.2f s, peak RSS %.0f MB\n",
		what, n, srv.Requests()-before, wall.Seconds(), cpu.Seconds(), rss)
}

func benchDAVScale(t *testing.T, bin string, n int) {
	var counter countedHandler
	srv, err := demodav.StartWrapped(counter.wrap)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := newStoreCLI(t)
	c.importCSV(contactsCSV(n))
	c.ok("employee", "add", "anna", "--email", "anna@example.com")
	c.ok("mailconfig", "set", "DAV", "--calendar-system", "dav", "--groupware-url", srv.URL)
	c.okIn("pw", "employee", "set", "anna", "--groupware-config", "DAV", "--groupware-user", "anna", "--groupware-password-stdin")
	c.ok("sync", "rule", "add", "customers")
	benchRuns(t, bin, c, nil, &counter, "carddav (in-process server)", "customers", n)
}

func benchGraphScale(t *testing.T, bin string, n int) {
	fake := groupwaretest.NewGraphFake(t)
	fake.AddApp("app", "app-secret")
	fake.AddMailbox("anna@example.com")
	c := newStoreCLI(t)
	c.importCSV(contactsCSV(n))
	c.ok("employee", "add", "anna", "--email", "anna@example.com")
	c.env["GRAPH_SECRET"] = "app-secret"
	c.ok("mailconfig", "set", "M365", "--calendar-system", "graph", "--groupware-url", fake.Server.URL,
		"--oauth-client-id", "app", "--oauth-client-secret-env", "GRAPH_SECRET", "--oauth-token-url", fake.TokenURL)
	c.ok("employee", "set", "anna", "--groupware-config", "M365", "--groupware-user", "anna@example.com")
	c.ok("sync", "rule", "add", "m365")
	benchRuns(t, bin, c, []string{"GRAPH_SECRET=app-secret"}, fake, "graph (fake)", "m365", n)
	fmt.Printf("graph (fake): %d contacts: %d $batch parts in all\n", n, fake.BatchParts())
}
