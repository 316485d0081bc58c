//go:build unix

package wfecmd

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
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
// requests of an idle run.
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
	idle := d.srv.Proxy.Requests() - before

	book := d.srv.MakeAddressBook(t, "plain")
	start = time.Now()
	plainPUTs(t, d.srv, book, n)
	loop := time.Since(start)
	fmt.Printf("radicale: wfe initial sync of %d contacts (%d created) %.1f s; plain loop of %d PUTs, 4 in flight, %.1f s; ratio loop/wfe %.2f\n",
		n, rep.ToGroupware.New, wfe.Seconds(), n, loop.Seconds(), loop.Seconds()/wfe.Seconds())
	fmt.Printf("radicale: idle run %d requests for 1 folder and 1 employee\n", idle)
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

// TestSyncBench10k: wfe's own cost (wall, CPU, peak RSS of the wfe
// process) syncing 10,000 contacts to an in-process CardDAV server and to
// the Graph fake, and the requests of an idle run.
func TestSyncBench10k(t *testing.T) {
	benchSyncEnabled(t)
	const n = 10000
	bin := buildWFE(t)
	var davRequests atomic.Int64
	srv, err := demodav.StartWrapped(func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { davRequests.Add(1); h.ServeHTTP(w, r) })
	})
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
	wall, cpu, rss := childCost(t, bin, c.db, nil, "sync", "run", "customers")
	fmt.Printf("carddav (in-process server): initial sync of %d contacts: wall %.1f s, wfe CPU %.1f s, wfe peak RSS %.0f MB\n", n, wall.Seconds(), cpu.Seconds(), rss)
	ageContacts(t, c.db)
	wall, cpu, rss = childCost(t, bin, c.db, nil, "sync", "run", "customers")
	fmt.Printf("carddav (in-process server): the run after it (reads back its own %d creates): wall %.2f s, wfe CPU %.2f s, peak RSS %.0f MB\n", n, wall.Seconds(), cpu.Seconds(), rss)
	before := davRequests.Load()
	wall, cpu, rss = childCost(t, bin, c.db, nil, "sync", "run", "customers")
	fmt.Printf("carddav (in-process server): idle run over %d contacts: %d requests, wall %.2f s, wfe CPU %.2f s, peak RSS %.0f MB\n", n, davRequests.Load()-before, wall.Seconds(), cpu.Seconds(), rss)

	fake := groupwaretest.NewGraphFake(t)
	fake.AddApp("app", "app-secret")
	fake.AddMailbox("anna@example.com")
	c.ok("sync", "rule", "remove", "customers")
	c.env["GRAPH_SECRET"] = "app-secret"
	c.ok("mailconfig", "set", "M365", "--calendar-system", "graph", "--groupware-url", fake.Server.URL,
		"--oauth-client-id", "app", "--oauth-client-secret-env", "GRAPH_SECRET", "--oauth-token-url", fake.TokenURL)
	c.ok("employee", "set", "anna", "--groupware-config", "M365", "--groupware-user", "anna@example.com")
	c.ok("sync", "rule", "add", "m365")
	env := []string{"GRAPH_SECRET=app-secret"}
	wall, cpu, rss = childCost(t, bin, c.db, env, "sync", "run", "m365")
	fmt.Printf("graph (fake): initial sync of %d contacts: wall %.1f s, wfe CPU %.1f s, wfe peak RSS %.0f MB, %d requests, %d $batch parts\n",
		n, wall.Seconds(), cpu.Seconds(), rss, fake.Requests(), fake.BatchParts())
	ageContacts(t, c.db)
	wall, cpu, rss = childCost(t, bin, c.db, env, "sync", "run", "m365")
	fmt.Printf("graph (fake): the run after it (reads back its own %d creates): wall %.2f s, wfe CPU %.2f s, peak RSS %.0f MB\n", n, wall.Seconds(), cpu.Seconds(), rss)
	before = fake.Requests()
	wall, cpu, rss = childCost(t, bin, c.db, env, "sync", "run", "m365")
	fmt.Printf("graph (fake): idle run over %d contacts: %d requests, wall %.2f s, wfe CPU %.2f s, peak RSS %.0f MB\n", n, fake.Requests()-before, wall.Seconds(), cpu.Seconds(), rss)
}
