//go:build unix

package wfecmd

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/emersion/go-vcard"

	"github.com/wfehq/wfe/cmd/wfecmd/demodav"
	"github.com/wfehq/wfe/store/storetest"
)

// killer fronts a CardDAV server: it counts the successful PUTs per card
// and kills the running wfe process with SIGKILL right after the PUT
// whose number is the next kill point.
type killer struct {
	mu      sync.Mutex
	puts    int
	points  []int
	pid     int
	killed  int
	perCard map[string]int
}

func (k *killer) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		if r.Method != http.MethodPut || rec.status >= 300 {
			return
		}
		k.mu.Lock()
		defer k.mu.Unlock()
		k.puts++
		k.perCard[r.URL.Path]++
		if len(k.points) > 0 && k.puts >= k.points[0] && k.pid != 0 {
			k.points = k.points[1:]
			_ = syscall.Kill(k.pid, syscall.SIGKILL)
			k.killed++
			k.pid = 0
		}
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// runUntilDone starts `wfe sync run` again and again (each killed at the
// next kill point) until one run ends by itself; it returns that run's
// output.
func (k *killer) runUntilDone(t *testing.T, bin, db string, args ...string) string {
	t.Helper()
	for {
		cmd := exec.Command(bin, append([]string{"--db", db}, args...)...)
		cmd.Env = append(os.Environ(), "WFE_SECRET_KEY="+storetest.TestKey)
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		k.mu.Lock()
		k.pid = cmd.Process.Pid
		k.mu.Unlock()
		err := cmd.Wait()
		k.mu.Lock()
		wasKilled := k.pid == 0
		k.pid = 0
		k.mu.Unlock()
		if !wasKilled {
			if err != nil {
				t.Fatalf("wfe %v: %v\n%s", args, err, out.String())
			}
			return out.String()
		}
	}
}

// TestSyncKill9: a sync of 2,000 contacts to CardDAV killed with SIGKILL
// at 20 random points, each time started again: in the end every contact
// is on the server exactly once, carrying its CRM id and values, no card
// was written twice, the CRM holds no duplicate, and a further run has
// nothing to do. Then changes on both sides, synced under 5 more kills,
// arrive once each.
func TestSyncKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("starts wfe some 25 times over 2,000 contacts")
	}
	const n = 2000
	k := &killer{perCard: map[string]int{}}
	for len(k.points) < 20 {
		k.points = append(k.points, 1+rand.IntN(n-1))
	}
	sort.Ints(k.points)
	srv, err := demodav.StartWrapped(k.wrap)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := newStoreCLI(t)
	var csv strings.Builder
	csv.WriteString("partner,first_name,last_name,email\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&csv, "ACME,F%d,L%d,p%d@acme.example\n", i, i, i)
	}
	c.importCSV(csv.String())
	c.ok("employee", "add", "anna", "--email", "anna@example.com")
	c.ok("mailconfig", "set", "DAV", "--calendar-system", "dav", "--groupware-url", srv.URL)
	c.okIn("pw", "employee", "set", "anna", "--groupware-config", "DAV", "--groupware-user", "anna", "--groupware-password-stdin")
	c.ok("sync", "rule", "add", "customers")
	bin := buildWFE(t)

	k.runUntilDone(t, bin, c.db, "sync", "run", "customers")
	if k.killed != 20 {
		t.Fatalf("%d kills, want 20 (kill points left: %v)", k.killed, k.points)
	}
	checkKillOutcome(t, c, srv, k, n, func(i int) (string, string) { return fmt.Sprintf("L%d", i), "" })

	// Changes on both sides: the last name of the first 300 contacts in the
	// CRM, the job title of the last 300 cards on the server.
	for i := 1; i <= 300; i++ {
		c.ok("contacts", "update", fmt.Sprint(i), "--last-name", fmt.Sprintf("L%d-neu", i))
	}
	for path, card := range srv.Cards() {
		var id int
		fmt.Sscan(card.Value("X-WFE-CRM-ID"), &id)
		if id > n-300 {
			if err := srv.Edit(path, func(c vcard.Card) { c.SetValue(vcard.FieldTitle, "T"+fmt.Sprint(id)) }); err != nil {
				t.Fatal(err)
			}
		}
	}
	k.mu.Lock()
	k.perCard, k.puts, k.killed = map[string]int{}, 0, 0
	k.points = []int{1, 60, 120, 200, 280}
	k.mu.Unlock()
	k.runUntilDone(t, bin, c.db, "sync", "run", "customers")
	if k.killed != 5 {
		t.Fatalf("%d kills of the update run, want 5", k.killed)
	}
	checkKillOutcome(t, c, srv, k, n, func(i int) (string, string) {
		last, title := fmt.Sprintf("L%d", i), ""
		if i <= 300 {
			last += "-neu"
		}
		if i > n-300 {
			title = fmt.Sprintf("T%d", i)
		}
		return last, title
	})
}

// checkKillOutcome checks both sides against want (last name and job
// title per contact number), that no card was written twice, and that a
// further run finds nothing to do.
func checkKillOutcome(t *testing.T, c *storeCLI, srv *demodav.Server, k *killer, n int, want func(i int) (last, title string)) {
	t.Helper()
	cards := srv.Cards()
	byCRM := map[string]vcard.Card{}
	for _, card := range cards {
		id := card.Value("X-WFE-CRM-ID")
		if _, dup := byCRM[id]; dup {
			t.Fatalf("two cards carry CRM id %s", id)
		}
		byCRM[id] = card
	}
	crm := c.crmContacts()
	if len(cards) != n || len(crm) != n {
		t.Fatalf("%d cards and %d CRM contacts, want %d each", len(cards), len(crm), n)
	}
	for i := 1; i <= n; i++ {
		last, title := want(i)
		card, got := byCRM[fmt.Sprint(i)], crm[int64(i)]
		if card == nil || !strings.HasPrefix(card.Value(vcard.FieldName), last+";") || card.Value(vcard.FieldTitle) != title ||
			got.LastName != last || got.JobTitle != title {
			t.Fatalf("contact %d: CRM %q/%q, card N %q TITLE %q; want %q/%q", i, got.LastName, got.JobTitle,
				card.Value(vcard.FieldName), card.Value(vcard.FieldTitle), last, title)
		}
	}
	for path, puts := range k.perCard {
		if puts > 1 {
			t.Fatalf("card %s was written %d times", path, puts)
		}
	}
	if out := c.ok("sync", "run", "customers", "--json"); !strings.Contains(out, `"to_groupware": {
        "new": 0,
        "changed": 0,`) {
		t.Fatalf("a run after the crashes still had work:\n%s", out)
	}
}
