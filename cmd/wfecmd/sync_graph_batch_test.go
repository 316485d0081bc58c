package wfecmd

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/wfehq/wfe/actions/groupwaresync"
	"github.com/wfehq/wfe/actions/groupwaresync/plan"
	"github.com/wfehq/wfe/groupware/groupwaretest"
)

// batchContacts is the number of CRM contacts of the batch tests.
const batchContacts = 100

// graphBatchCLI is graphSyncCLI with batchContacts CRM contacts (ids 1 to
// batchContacts) and the rule customers with the given flags.
func graphBatchCLI(t *testing.T, ruleFlags ...string) (*storeCLI, *groupwaretest.GraphFake) {
	c, fake := graphSyncCLI(t)
	var b strings.Builder
	b.WriteString("partner,first_name,last_name,email\n")
	for i := 3; i <= batchContacts; i++ {
		fmt.Fprintf(&b, "ACME,F%d,L%d,p%d@acme.example\n", i, i, i)
	}
	c.importCSV(b.String())
	c.ok(append([]string{"sync", "rule", "add", "customers"}, ruleFlags...)...)
	return c, fake
}

// runWithFailures runs the rule and returns its employee report, which
// may hold errors.
func (c *storeCLI) runWithFailures(rule string) groupwaresync.EmployeeReport {
	c.t.Helper()
	var rep groupwaresync.Report
	out, _, _ := c.run("sync", "run", rule, "--json")
	if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Employees) != 1 {
		c.t.Fatalf("wfe sync run %s: %v\n%s", rule, err, out)
	}
	return rep.Employees[0]
}

// assertEveryContactOnce checks that the mailbox holds each CRM contact
// exactly once.
func assertEveryContactOnce(t *testing.T, fake *groupwaretest.GraphFake) {
	t.Helper()
	gw := graphContacts(t, fake)
	if n := fake.ContactCount("anna@example.com"); n != batchContacts || len(gw) != batchContacts {
		t.Fatalf("%d contacts in the mailbox, %d distinct CRM ids; want %d of each", n, len(gw), batchContacts)
	}
}

// TestSyncGraphBatchedWrites: an initial sync of 100 contacts to Graph
// sends its creates in $batch requests of up to 20: the run costs the
// reads of its preview plus at most ceil(100/20) requests, each create
// is one $batch part, and the next run has nothing to do.
func TestSyncGraphBatchedWrites(t *testing.T) {
	c, fake := graphBatchCLI(t)
	before := fake.Requests()
	c.syncReport("sync", "preview", "customers")
	reads := fake.Requests() - before

	before, parts := fake.Requests(), fake.BatchParts()
	rep := c.syncReport("sync", "run", "customers")
	writes := fake.Requests() - before - reads
	if rep.ToGroupware.New != batchContacts || rep.Failed != 0 {
		t.Fatalf("initial sync: %+v", rep)
	}
	if max := int64((batchContacts+19)/20 + 1); writes > max {
		t.Errorf("initial sync of %d contacts: %d write requests besides %d reads, want at most %d", batchContacts, writes, reads, max)
	}
	if got := fake.BatchParts() - parts; got != batchContacts {
		t.Errorf("%d $batch parts, want one per contact (%d)", got, batchContacts)
	}
	t.Logf("initial sync of %d contacts: %d reads, %d write requests", batchContacts, reads, writes)
	assertEveryContactOnce(t, fake)
	if again := c.syncReport("sync", "run", "customers"); again.ToGroupware != (plan.Counts{}) || again.Failed != 0 {
		t.Fatalf("run after the initial sync: %+v", again)
	}
}

// TestSyncGraphBatchRecordFails: one create, then one update, answered
// 500 inside a $batch fails for that record alone: the other records of
// the batch are linked (and not written again), the run reports the one
// failure, and the next run writes the failed record once.
func TestSyncGraphBatchRecordFails(t *testing.T) {
	c, fake := graphBatchCLI(t)
	fake.FailRecord("37", http.StatusInternalServerError, "generalException")
	rep := c.runWithFailures("customers")
	if rep.ToGroupware.New != batchContacts || rep.Failed != 1 || len(rep.Errors) != 1 || !strings.Contains(rep.Errors[0], "37") {
		t.Fatalf("run with one failing create: %+v", rep)
	}
	if n := fake.ContactCount("anna@example.com"); n != batchContacts-1 {
		t.Fatalf("%d contacts in the mailbox after one failed create, want %d", n, batchContacts-1)
	}
	fake.HealRecord("37")
	parts := fake.BatchParts()
	if again := c.syncReport("sync", "run", "customers"); again.ToGroupware.New != 1 || again.Failed != 0 {
		t.Fatalf("run after the failure: %+v, want the failed contact created", again)
	}
	if got := fake.BatchParts() - parts; got != 1 {
		t.Errorf("the run after the failure sent %d $batch parts, want 1 (the failed create alone)", got)
	}
	assertEveryContactOnce(t, fake)

	gw := graphContacts(t, fake)
	for _, id := range []string{"10", "11", "12"} {
		c.ok("contacts", "update", id, "--phone", "+49 30 "+id)
	}
	fake.FailRecord(gw["11"].ID, http.StatusInternalServerError, "generalException")
	rep = c.runWithFailures("customers")
	if rep.ToGroupware.Changed != 3 || rep.Failed != 1 {
		t.Fatalf("run with one failing update: %+v", rep)
	}
	fake.HealRecord(gw["11"].ID)
	if again := c.syncReport("sync", "run", "customers"); again.ToGroupware.Changed != 1 || again.Failed != 0 {
		t.Fatalf("run after the failed update: %+v, want the one update sent again", again)
	}
	after := graphContacts(t, fake)
	for _, id := range []string{"10", "11", "12"} {
		if p := after[id].BusinessPhones; len(p) != 1 || p[0] != "+49 30 "+id {
			t.Errorf("contact %s: phone %v in the mailbox", id, p)
		}
	}
}

// TestSyncGraphBatchThrottledPart: a $batch part answered 429 with
// Retry-After is sent again after the wait, in the same run; every
// contact arrives once.
func TestSyncGraphBatchThrottledPart(t *testing.T) {
	c, fake := graphBatchCLI(t)
	fake.ThrottleRecord("55", 1, "1")
	parts := fake.BatchParts()
	rep := c.syncReport("sync", "run", "customers")
	if rep.ToGroupware.New != batchContacts || rep.Failed != 0 {
		t.Fatalf("run with a throttled part: %+v", rep)
	}
	if got := fake.BatchParts() - parts; got != batchContacts+1 {
		t.Errorf("%d $batch parts, want %d (the throttled one twice)", got, batchContacts+1)
	}
	assertEveryContactOnce(t, fake)
}

// TestSyncGraphBatchAuthRefused: a sign-in refused inside a $batch
// (401 for one part) stops the run's writes at that batch and locks the
// configuration, as a refused sign-in while listing does: no later batch
// is sent, nor any request by the next run. Once new credentials are
// set, a run brings every contact over once (the parts of the refused
// batch that Graph carried out are linked, not created again).
func TestSyncGraphBatchAuthRefused(t *testing.T) {
	c, fake := graphBatchCLI(t)
	fake.FailRecord("45", http.StatusUnauthorized, "InvalidAuthenticationToken")
	before, parts := fake.Requests(), fake.BatchParts()
	rep := c.runWithFailures("customers")
	if rep.Failed != 20 || !strings.Contains(rep.Skipped, "locked") {
		t.Fatalf("run with a refused part: %+v; want the 20 records of its batch failed and the account locked", rep)
	}
	if got := fake.BatchParts() - parts; got != 60 {
		t.Errorf("%d $batch parts sent, want 60 (none after the refused batch)", got)
	}
	if got := fake.ContactCount("anna@example.com"); got != 59 {
		t.Errorf("%d contacts in the mailbox, want 59 (all parts of the first three batches but the refused one)", got)
	}
	requests := fake.Requests() - before
	if again := c.runWithFailures("customers"); len(again.Errors) == 0 || !strings.Contains(again.Errors[0], "locked") || fake.Requests()-before != requests {
		t.Fatalf("run while locked: %+v, %d requests more", again, fake.Requests()-before-requests)
	}
	fake.HealRecord("45")
	fake.AddApp("app2", "app2-secret")
	c.env["GRAPH_SECRET_NEW"] = "app2-secret"
	c.ok("mailconfig", "set", "M365", "--oauth-client-id", "app2", "--oauth-client-secret-env", "GRAPH_SECRET_NEW")
	if rep := c.syncReport("sync", "run", "customers"); rep.ToGroupware.New != batchContacts-59 || rep.Linked != 19 {
		t.Fatalf("run with new credentials: %+v", rep)
	}
	assertEveryContactOnce(t, fake)
}

// TestSyncGraphBatchFirstRunLinks: the first run of a rule over a
// mailbox that already holds the copies (a rule removed and added again)
// links every pair by the CRM id and sends the CRM's newer values of 30
// of them in two $batch requests; nothing is created twice.
func TestSyncGraphBatchFirstRunLinks(t *testing.T) {
	c, fake := graphBatchCLI(t)
	c.syncReport("sync", "run", "customers")
	c.ok("sync", "rule", "remove", "customers")
	for i := 1; i <= 30; i++ {
		c.ok("contacts", "update", fmt.Sprint(i), "--phone", fmt.Sprintf("+49 40 %d", i))
	}
	c.ok("sync", "rule", "add", "again")
	before := fake.Requests()
	c.syncReport("sync", "preview", "again")
	reads := fake.Requests() - before
	before, parts := fake.Requests(), fake.BatchParts()
	rep := c.syncReport("sync", "run", "again")
	if rep.Linked != batchContacts || rep.ToGroupware.New != 0 {
		t.Fatalf("first run of the rule added again: %+v", rep)
	}
	if writes := fake.Requests() - before - reads; writes > 2 || fake.BatchParts()-parts != 30 {
		t.Errorf("%d write requests with %d parts for 30 linked pairs to update, want at most 2 with 30", writes, fake.BatchParts()-parts)
	}
	assertEveryContactOnce(t, fake)
	gw := graphContacts(t, fake)
	for i := 1; i <= 30; i++ {
		if p := gw[fmt.Sprint(i)].BusinessPhones; len(p) != 1 || p[0] != fmt.Sprintf("+49 40 %d", i) {
			t.Fatalf("contact %d: phone %v in the mailbox", i, p)
		}
	}
}

// TestSyncGraphBatchDeletes: under a rule with --delete, 8 contacts gone
// from the CRM are deleted from the mailbox in one $batch request, and
// their links go with them.
func TestSyncGraphBatchDeletes(t *testing.T) {
	c, fake := graphBatchCLI(t, "--delete")
	c.syncReport("sync", "run", "customers")
	db, err := sql.Open("sqlite", c.db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`DELETE FROM contact WHERE id BETWEEN 91 AND 98`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	before := fake.Requests()
	c.syncReport("sync", "preview", "customers")
	reads := fake.Requests() - before
	before = fake.Requests()
	rep := c.syncReport("sync", "run", "customers")
	if rep.ToGroupware.Deleted != 8 || fake.ContactCount("anna@example.com") != batchContacts-8 {
		t.Fatalf("run after 8 CRM deletes: %+v, %d contacts in the mailbox", rep, fake.ContactCount("anna@example.com"))
	}
	if writes := fake.Requests() - before - reads; writes != 1 {
		t.Errorf("%d write requests for 8 deletes, want 1", writes)
	}
	if again := c.syncReport("sync", "run", "customers"); again.ToGroupware != (plan.Counts{}) {
		t.Fatalf("run after the deletes: %+v", again)
	}
}
