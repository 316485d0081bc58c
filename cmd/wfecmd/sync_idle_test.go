package wfecmd

import (
	"database/sql"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wfehq/wfe/cmd/wfecmd/demodav"
	"github.com/wfehq/wfe/groupware/groupwaretest"
)

// idleContacts is how many contacts the idle-run tests sync: more than
// one addressbook-multiget (100 cards) and one Graph page hold, so that a
// run reading cards or pages shows in the count.
const idleContacts = 150

// requestCounter is a server whose requests a test counts.
type requestCounter interface{ Requests() int64 }

// countedHandler counts the requests of a handler.
type countedHandler struct{ n atomic.Int64 }

func (c *countedHandler) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { c.n.Add(1); h.ServeHTTP(w, r) })
}

func (c *countedHandler) Requests() int64 { return c.n.Load() }

// idleRunRequests syncs idleContacts contacts with rule, then counts the
// server's requests of the run right after it (which lists wfe's own
// writes) and of an idle run long after it.
func idleRunRequests(t *testing.T, c *storeCLI, srv requestCounter, rule string) (afterInitial, idle int64) {
	t.Helper()
	if rep := c.syncReport("sync", "run", rule); rep.ToGroupware.New != idleContacts {
		t.Fatalf("initial run: %+v, want %d created", rep, idleContacts)
	}
	before := srv.Requests()
	if rep := c.syncReport("sync", "run", rule); rep.ToGroupware != rep.ToCRM || rep.ToGroupware.New+rep.ToGroupware.Changed+rep.ToGroupware.Deleted != 0 {
		t.Fatalf("the run after the initial one did something: %+v", rep)
	}
	afterInitial = srv.Requests() - before
	ageContacts(t, c.db)
	before = srv.Requests()
	if rep := c.syncReport("sync", "run", rule); rep.ToGroupware != rep.ToCRM || rep.ToGroupware.New+rep.ToGroupware.Changed+rep.ToGroupware.Deleted != 0 {
		t.Fatalf("idle run did something: %+v", rep)
	}
	return afterInitial, srv.Requests() - before
}

// TestSyncIdleRunDAV: on CardDAV an idle run costs at most 2 requests for
// one address book and one employee, on go-webdav's server (no
// sync-collection, no CTag: one ETag listing), Radicale and Xandikos
// (one sync-collection REPORT); no card is read, nor are the folders
// found again. The run right after the initial sync does not read back
// wfe's own creates either.
func TestSyncIdleRunDAV(t *testing.T) {
	t.Run("in-process", func(t *testing.T) {
		var counter countedHandler
		srv, err := demodav.StartWrapped(counter.wrap)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Close() })
		c := newStoreCLI(t)
		c.importCSV(contactsCSV(idleContacts))
		c.ok("mailconfig", "set", "DAV", "--calendar-system", "dav", "--groupware-url", srv.URL)
		c.ok("employee", "add", "anna", "--email", "anna@example.com")
		c.okIn("pw", "employee", "set", "anna", "--groupware-config", "DAV", "--groupware-user", "anna", "--groupware-password-stdin")
		c.ok("sync", "rule", "add", "customers")
		checkIdleDAV(t, c, &counter)
	})
	for _, start := range []func(testing.TB) *groupwaretest.DAVServer{groupwaretest.StartRadicale, groupwaretest.StartXandikos} {
		srv := start(t)
		t.Run(srv.Kind, func(t *testing.T) {
			c := newStoreCLI(t)
			srv.MakeAddressBook(t, "kunden")
			c.importCSV(contactsCSV(idleContacts))
			c.ok("mailconfig", "set", "DAV", "--calendar-system", "dav", "--groupware-url", srv.URL)
			c.ok("employee", "add", "anna", "--email", "anna@example.com")
			c.okIn(srv.Password, "employee", "set", "anna", "--groupware-config", "DAV", "--groupware-user", srv.Username, "--groupware-password-stdin")
			c.ok("sync", "rule", "add", "customers", "--folder", "kunden")
			checkIdleDAV(t, c, srv.Proxy)
		})
	}
}

func checkIdleDAV(t *testing.T, c *storeCLI, srv requestCounter) {
	t.Helper()
	afterInitial, idle := idleRunRequests(t, c, srv, "customers")
	if idle > 2 || afterInitial > 2 {
		t.Errorf("%d requests for an idle run, %d for the run after the initial sync (1 address book, 1 employee, %d cards); want at most 2 each", idle, afterInitial, idleContacts)
	}
}

// TestSyncIdleRunGraph: on Graph an idle run costs 1 request for one
// folder and one employee (its delta link), sign-in aside. (The run right
// after the initial sync pages through wfe's own creates, which the
// folder's delta lists with their content.)
func TestSyncIdleRunGraph(t *testing.T) {
	c, fake := graphSyncCLI(t)
	c.importCSV(contactsCSV(idleContacts - 2))
	c.ok("sync", "rule", "add", "customers")
	if _, idle := idleRunRequests(t, c, fake, "customers"); idle != 1 {
		t.Errorf("%d requests for an idle run (1 folder, 1 employee); want 1", idle)
	}
}

// TestSyncFolderFoundAgain: the folders a run keeps are found again when
// one is gone: after a Graph folder was removed and made again under the
// same name (a new id), the next run finds it and creates a new CRM
// contact there.
func TestSyncFolderFoundAgain(t *testing.T) {
	c, fake := graphSyncCLI(t)
	old := fake.AddFolder("anna@example.com", "", "Kunden")
	c.ok("sync", "rule", "add", "customers", "--folder", "Contacts/Kunden")
	if rep := c.syncReport("sync", "run", "customers"); rep.ToGroupware.New != 2 {
		t.Fatalf("first run: %+v", rep)
	}
	ageContacts(t, c.db)
	before := fake.Requests()
	if c.syncReport("sync", "run", "customers"); fake.Requests()-before != 1 {
		t.Fatalf("idle run: %d requests, want 1", fake.Requests()-before)
	}
	fake.RemoveFolder("anna@example.com", old)
	fake.AddFolder("anna@example.com", "", "Kunden")
	c.importCSV("partner,first_name,last_name,email\nACME,Ida,Neu,ida@acme.example\n")
	rep := c.syncReport("sync", "run", "customers")
	if rep.ToGroupware.New != 1 || fake.ContactCount("anna@example.com") != 1 {
		t.Fatalf("run after the folder was made again: %+v; %d contacts in the mailbox, want the new one", rep, fake.ContactCount("anna@example.com"))
	}
}

// contactsCSV is n contacts at ACME.
func contactsCSV(n int) string {
	var b strings.Builder
	b.WriteString("partner,first_name,last_name,email\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "ACME,F%d,L%d,p%d@acme.example\n", i, i, i)
	}
	return b.String()
}

// ageContacts moves the contacts' update time back by a day, as a timer
// tick long after the import sees them: a run re-reads CRM records
// changed within 2 minutes before the previous run's start (clocks of
// several nodes), which right after the initial sync are all of them.
func ageContacts(t *testing.T, db string) {
	sqlDB, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer sqlDB.Close()
	old := time.Now().UTC().Add(-24 * time.Hour).Format("2006-01-02 15:04:05.999999999-07:00")
	if _, err := sqlDB.Exec(`UPDATE contact SET updated_at = ?`, old); err != nil {
		t.Fatal(err)
	}
}
