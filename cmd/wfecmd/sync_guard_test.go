package wfecmd

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	_ "github.com/glebarez/go-sqlite"

	"github.com/wfehq/wfe/actions/groupwaresync"
	"github.com/wfehq/wfe/groupware"
)

// syncRun runs a sync command with --json and returns its report and exit
// status (an employee's failure exits 1 and still prints the report).
func (c *storeCLI) syncRun(args ...string) (groupwaresync.Report, int) {
	c.t.Helper()
	out, errs, code := c.run(append(args, "--json")...)
	var rep groupwaresync.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		c.t.Fatalf("wfe %v: exit %d, %v\nstdout: %s\nstderr: %s", args, code, err, out, errs)
	}
	return rep, code
}

// byLogin finds an employee's part of a report.
func byLogin(t *testing.T, rep groupwaresync.Report, login string) groupwaresync.EmployeeReport {
	t.Helper()
	for _, e := range rep.Employees {
		if e.Login == login {
			return e
		}
	}
	t.Fatalf("no report for %s: %+v", login, rep)
	return groupwaresync.EmployeeReport{}
}

// dumpDB reads every row of every table of the database as text.
func (c *storeCLI) dumpDB() map[string][]string {
	c.t.Helper()
	db, err := sql.Open("sqlite", c.db)
	if err != nil {
		c.t.Fatal(err)
	}
	defer db.Close()
	var tables []string
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
	if err != nil {
		c.t.Fatal(err)
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			c.t.Fatal(err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	out := map[string][]string{}
	for _, tbl := range tables {
		out[tbl] = dumpTable(c.t, db, tbl)
	}
	return out
}

func dumpTable(t *testing.T, db *sql.DB, table string) []string {
	rows, err := db.Query(`SELECT * FROM "` + table + `" ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprint(vals...))
	}
	return out
}

// serverState lists the address book's cards with their ETags.
func (d *davSync) serverState() map[string]string {
	d.t.Helper()
	conn, book := d.conn()
	cs, err := conn.Contacts().Changes(context.Background(), book, "")
	if err != nil {
		d.t.Fatal(err)
	}
	out := map[string]string{}
	for _, ch := range cs.Changed {
		out[ch.ID] = ch.ETag
	}
	return out
}

// previewWritesNothing runs a preview and checks that neither the server
// nor the database changed; it returns the preview's report.
func (d *davSync) previewWritesNothing(rule string) groupwaresync.EmployeeReport {
	d.t.Helper()
	db, srv := d.dumpDB(), d.serverState()
	rep := d.syncReport("sync", "preview", rule)
	if after := d.dumpDB(); !reflect.DeepEqual(db, after) {
		for tbl := range after {
			if !reflect.DeepEqual(db[tbl], after[tbl]) {
				d.t.Errorf("preview changed table %s:\nbefore %q\nafter  %q", tbl, db[tbl], after[tbl])
			}
		}
		d.t.FailNow()
	}
	if after := d.serverState(); !reflect.DeepEqual(srv, after) {
		d.t.Fatalf("preview changed the server:\nbefore %v\nafter  %v", srv, after)
	}
	return rep
}

// TestSyncDAVPreviewWritesNothing: a preview before the first run and one
// after changes on both sides count what the run then does, and change
// neither the server's cards nor any row of the database.
func TestSyncDAVPreviewWritesNothing(t *testing.T) {
	d := newDAVSync(t)
	d.ok("sync", "rule", "add", "customers", "--delete")
	pre := d.previewWritesNothing("customers")
	if first := d.syncReport("sync", "run", "customers"); pre.ToGroupware.New != 2 || !reflect.DeepEqual(pre, first) {
		t.Fatalf("preview %+v, run %+v", pre, first)
	}
	d.ok("contacts", "update", "1", "--phone", "+49 30 1")
	d.editCard("2", func(c *groupware.Contact) { c.JobTitle = "Buyer" })
	d.importCSV("partner,first_name,last_name,email\nACME,Ute,Wolf,ute@acme.example\n")
	d.putForeignCard("kim-lee", "Kim", "Lee", "kim@lee.example", "Lee GmbH")
	pre = d.previewWritesNothing("customers")
	want := groupwaresync.EmployeeReport{Login: "anna", OnlyInGroupware: 1}
	want.ToGroupware.New, want.ToGroupware.Changed, want.ToCRM.Changed = 1, 1, 1
	if !reflect.DeepEqual(pre, want) {
		t.Fatalf("preview after changes: %+v, want %+v", pre, want)
	}
	if run := d.syncReport("sync", "run", "customers"); !reflect.DeepEqual(run, want) {
		t.Fatalf("run after the preview: %+v, want %+v", run, want)
	}
}

// TestSyncDAVFirstRunLinks: a first run meeting copies on the server links
// them instead of creating duplicates: by the CRM id a former rule stored
// on the cards, or by e-mail address on cards another client made; a
// match that is not unique waits in the conflict queue.
func TestSyncDAVFirstRunLinks(t *testing.T) {
	t.Run("by CRM id", func(t *testing.T) {
		d := newDAVSync(t)
		d.ok("sync", "rule", "add", "old")
		d.syncReport("sync", "run", "old")
		d.ok("sync", "rule", "remove", "old")
		d.ok("sync", "rule", "add", "customers")
		rep := d.syncReport("sync", "run", "customers")
		if rep.Linked != 2 || rep.ToGroupware.New != 0 || len(d.cards()) != 2 {
			t.Fatalf("first run of the new rule: %+v, %d cards", rep, len(d.cards()))
		}
		if again := d.syncReport("sync", "run", "customers"); !reflect.DeepEqual(again, groupwaresync.EmployeeReport{Login: "anna"}) {
			t.Fatalf("second run: %+v", again)
		}
	})
	t.Run("by e-mail", func(t *testing.T) {
		d := newDAVSync(t)
		d.putForeignCard("eva", "Eva", "Berg", "EVA@acme.example", "ACME")
		d.putForeignCard("jon-a", "Jon", "Dahl", "jon@acme.example", "ACME")
		d.putForeignCard("jon-b", "J.", "Dahl", "jon@acme.example", "ACME")
		d.ok("sync", "rule", "add", "customers")
		rep := d.syncReport("sync", "run", "customers")
		if rep.Linked != 1 || rep.ToGroupware.New != 0 || rep.Conflicts != 1 || rep.OnlyInGroupware != 0 {
			t.Fatalf("first run: %+v", rep)
		}
		if n := len(d.cards()); n != 3 {
			t.Fatalf("%d cards, want the 3 there were", n)
		}
		rows := d.conflicts()
		if len(rows) != 1 || rows[0].CRMID != "2" || !strings.Contains(rows[0].Groupware, "jon-a") || !strings.Contains(rows[0].Groupware, "jon-b") {
			t.Fatalf("conflicts: %+v", rows)
		}
		if crm := d.crmContacts(); len(crm) != 2 {
			t.Fatalf("CRM contacts: %+v", crm)
		}
	})
}

// TestSyncDAVMassDeleteGuard: a run that would delete 12 of 15 contacts
// stops before writing and says so; --allow-mass-delete lets it go ahead.
func TestSyncDAVMassDeleteGuard(t *testing.T) {
	d := newDAVSync(t)
	var csv strings.Builder
	csv.WriteString("partner,first_name,last_name,email\n")
	for i := 3; i <= 15; i++ {
		fmt.Fprintf(&csv, "ACME,P%d,Q%d,p%d@acme.example\n", i, i, i)
	}
	d.importCSV(csv.String())
	d.ok("sync", "rule", "add", "customers", "--delete")
	if rep := d.syncReport("sync", "run", "customers"); rep.ToGroupware.New != 15 {
		t.Fatalf("first run: %+v", rep)
	}
	for id, card := range d.cardsByCRMID() {
		if id != "1" && id != "2" && id != "3" {
			d.srv.Do(t, "DELETE", card.ID, "").Body.Close()
		}
	}
	rep := d.syncReport("sync", "run", "customers")
	if rep.Refused == "" || rep.ToCRM.Deleted != 12 || len(d.crmContacts()) != 15 {
		t.Fatalf("guarded run: %+v, %d CRM contacts", rep, len(d.crmContacts()))
	}
	if out := d.ok("sync", "run", "customers"); !strings.Contains(out, "--allow-mass-delete") {
		t.Fatalf("the refusal does not name the override: %s", out)
	}
	rep = d.syncReport("sync", "run", "customers", "--allow-mass-delete")
	if rep.Refused != "" || rep.ToCRM.Deleted != 12 || len(d.crmContacts()) != 3 {
		t.Fatalf("run with --allow-mass-delete: %+v, %d CRM contacts", rep, len(d.crmContacts()))
	}
}

// TestSyncDAVLock: a refused password locks the employee after one run's
// sign-in attempts (counted as 401 answers at the server); the next run
// does not sign in for them at all, and the other employee is synced
// both times; new credentials lift the lock.
func TestSyncDAVLock(t *testing.T) {
	d := newDAVSync(t)
	d.addEmployee("bob", d.srv.Password)
	d.okIn("wrong", "employee", "set", "anna", "--groupware-password-stdin")
	d.ok("sync", "rule", "add", "customers")

	rep, code := d.syncRun("sync", "run", "customers")
	anna, bob := byLogin(t, rep, "anna"), byLogin(t, rep, "bob")
	refused := d.srv.Proxy.RefusedLogins()
	if code != 1 || len(anna.Errors) == 0 || refused == 0 || len(bob.Errors) != 0 || bob.ToGroupware.New != 2 {
		t.Fatalf("first run: exit %d, %+v, %d refused logins", code, rep, refused)
	}
	rep, code = d.syncRun("sync", "run", "customers")
	anna, bob = byLogin(t, rep, "anna"), byLogin(t, rep, "bob")
	if got := d.srv.Proxy.RefusedLogins(); got != refused || code != 0 || !strings.Contains(anna.Skipped, "locked") || len(bob.Errors) != 0 {
		t.Fatalf("second run: exit %d, %+v, refused logins %d → %d", code, rep, refused, got)
	}
	if locked := d.groupwareLocked(); !locked["anna"] || locked["bob"] {
		t.Fatalf("employee list --json groupware_locked: %v", locked)
	}
	d.okIn(d.srv.Password, "employee", "set", "anna", "--groupware-password-stdin")
	if locked := d.groupwareLocked(); locked["anna"] {
		t.Fatalf("new credentials left the lock: %v", locked)
	}
	rep, _ = d.syncRun("sync", "run", "customers")
	if anna = byLogin(t, rep, "anna"); len(anna.Errors) != 0 || anna.Skipped != "" || anna.Linked != 2 || len(d.cards()) != 2 {
		t.Fatalf("run after new credentials: %+v, %d cards", anna, len(d.cards()))
	}
}

// TestSyncGraphConflictAndLock: on the Graph fake, a conflict under ask
// waits with both versions and `sync resolve --keep crm` writes the CRM's
// version to the mailbox; a client secret the token endpoint refuses
// locks the mail configuration after one run's sign-ins, and the next
// run signs in no more.
func TestSyncGraphConflictAndLock(t *testing.T) {
	c, fake := graphSyncCLI(t)
	c.ok("sync", "rule", "add", "customers", "--conflict", "ask")
	c.syncReport("sync", "run", "customers")
	c.ok("contacts", "update", "1", "--last-name", "Berg-CRM")
	if err := fake.EditContact("anna@example.com", graphContacts(t, fake)["1"].ID, "surname", "Berg-GW"); err != nil {
		t.Fatal(err)
	}
	if rep := c.syncReport("sync", "run", "customers"); rep.Conflicts != 1 {
		t.Fatalf("run: %+v", rep)
	}
	rows := c.conflicts()
	if len(rows) != 1 || rows[0].CRM["surname"] != "Berg-CRM" || rows[0].GW["surname"] != "Berg-GW" {
		t.Fatalf("conflicts: %+v", rows)
	}
	c.ok("sync", "resolve", fmt.Sprint(rows[0].ID), "--keep", "crm")
	if gw := graphContacts(t, fake)["1"]; gw.Surname != "Berg-CRM" || gw.DisplayName != "Eva Berg-CRM" {
		t.Fatalf("mailbox after resolve: %+v", gw)
	}

	c.env["GRAPH_SECRET"] = "wrong"
	c.ok("mailconfig", "set", "M365", "--oauth-client-secret-env", "GRAPH_SECRET")
	before := fake.SignIns()
	if rep, code := c.syncRun("sync", "run", "customers"); code != 1 || len(rep.Employees[0].Errors) == 0 || fake.SignIns() == before {
		t.Fatalf("run with a refused secret: exit %d, %+v, sign-ins %d → %d", code, rep, before, fake.SignIns())
	}
	before = fake.SignIns()
	rep, _ := c.syncRun("sync", "run", "customers")
	if fake.SignIns() != before || len(rep.Employees[0].Errors) == 0 || !strings.Contains(rep.Employees[0].Errors[0], "locked") {
		t.Fatalf("run while locked: %+v, sign-ins %d → %d", rep, before, fake.SignIns())
	}
}

// groupwareLocked reads groupware_locked from `employee list --json`.
func (c *storeCLI) groupwareLocked() map[string]bool {
	c.t.Helper()
	var rows []struct {
		Login  string `json:"login"`
		Locked *bool  `json:"groupware_locked"`
	}
	if err := json.Unmarshal([]byte(c.ok("employee", "list", "--json")), &rows); err != nil {
		c.t.Fatal(err)
	}
	out := map[string]bool{}
	for _, r := range rows {
		if r.Locked == nil {
			c.t.Fatalf("employee %s: no groupware_locked in employee list --json", r.Login)
		}
		out[r.Login] = *r.Locked
	}
	return out
}
