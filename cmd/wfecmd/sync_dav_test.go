package wfecmd

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/wfehq/wfe/groupware"
	"github.com/wfehq/wfe/groupware/dav"
	"github.com/wfehq/wfe/groupware/groupwaretest"
	"github.com/wfehq/wfe/store/syncstate"
)

// davSync is a database synced with an address book on a real Radicale.
type davSync struct {
	*storeCLI
	srv  *groupwaretest.DAVServer
	book string // the address book's path
}

// importCSV imports contacts from CSV text.
func (c *storeCLI) importCSV(body string) {
	c.t.Helper()
	csv := filepath.Join(c.t.TempDir(), "contacts.csv")
	if err := os.WriteFile(csv, []byte(body), 0o600); err != nil {
		c.t.Fatal(err)
	}
	c.ok("contacts", "import", csv)
}

// newDAVSync starts Radicale with one address book, and a database with
// the CRM contacts Eva Berg (1) and Jon Dahl (2) at ACME and the employee
// anna signed in as the server's user.
func newDAVSync(t *testing.T) *davSync {
	srv := groupwaretest.StartRadicale(t)
	d := &davSync{storeCLI: newStoreCLI(t), srv: srv, book: srv.MakeAddressBook(t, "contacts")}
	d.importCSV("partner,first_name,last_name,email\nACME,Eva,Berg,eva@acme.example\nACME,Jon,Dahl,jon@acme.example\n")
	d.ok("mailconfig", "set", "DAV", "--calendar-system", "dav", "--groupware-url", srv.URL)
	d.addEmployee("anna", srv.Password)
	return d
}

// addEmployee adds an employee signed in to the server as its user with
// the given password.
func (d *davSync) addEmployee(login, password string) {
	d.t.Helper()
	d.ok("employee", "add", login, "--email", login+"@example.com")
	d.okIn(password, "employee", "set", login, "--groupware-config", "DAV", "--groupware-user", d.srv.Username, "--groupware-password-stdin")
}

// conn is a connector on the address book as the server's user, as
// another client of the server.
func (d *davSync) conn() (*dav.Connector, groupware.Folder) {
	d.t.Helper()
	conn, err := dav.New(dav.Config{URL: d.srv.URL, Username: d.srv.Username, Password: d.srv.Password})
	if err != nil {
		d.t.Fatal(err)
	}
	folders, err := conn.Folders(context.Background(), groupware.TableContacts)
	if err != nil || len(folders) != 1 {
		d.t.Fatalf("address books: %+v, %v", folders, err)
	}
	return conn, folders[0]
}

// cards reads every card of the address book.
func (d *davSync) cards() []groupware.Contact {
	d.t.Helper()
	conn, book := d.conn()
	ctx := context.Background()
	cs, err := conn.Contacts().Changes(ctx, book, "")
	if err != nil {
		d.t.Fatal(err)
	}
	var ids []string
	for _, ch := range cs.Changed {
		ids = append(ids, ch.ID)
	}
	res, err := conn.Contacts().Get(ctx, book, ids)
	if err != nil {
		d.t.Fatal(err)
	}
	out := make([]groupware.Contact, 0, len(res))
	for _, r := range res {
		if r.Err != nil {
			d.t.Fatal(r.Err)
		}
		out = append(out, *r.Item)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// cardsByCRMID reads the cards that carry a CRM id, by that id.
func (d *davSync) cardsByCRMID() map[string]groupware.Contact {
	out := map[string]groupware.Contact{}
	for _, c := range d.cards() {
		if c.CRMID != "" {
			out[c.CRMID] = c
		}
	}
	return out
}

// editCard changes a card on the server as another client would.
func (d *davSync) editCard(crmID string, edit func(c *groupware.Contact)) {
	d.t.Helper()
	conn, book := d.conn()
	card, ok := d.cardsByCRMID()[crmID]
	if !ok {
		d.t.Fatalf("no card carries CRM id %s: %+v", crmID, d.cards())
	}
	edit(&card)
	res, err := conn.Contacts().Write(context.Background(), book, []groupware.Write[groupware.Contact]{
		{Op: groupware.OpUpdate, ID: card.ID, ETag: card.ETag, Item: &card}})
	if err != nil || res[0].Err != nil {
		d.t.Fatalf("edit card %s: %v %+v", card.ID, err, res)
	}
}

// putForeignCard stores a card another client made (no CRM id).
func (d *davSync) putForeignCard(uid, first, last, email, org string) {
	d.t.Helper()
	card := fmt.Sprintf("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:%s\r\nFN:%s %s\r\nN:%s;%s;;;\r\nEMAIL;TYPE=WORK:%s\r\nORG:%s\r\nEND:VCARD\r\n",
		uid, first, last, last, first, email, org)
	resp := d.srv.Do(d.t, "PUT", d.book+uid+".vcf", card, "Content-Type", "text/vcard; charset=utf-8")
	resp.Body.Close()
	if resp.StatusCode != 201 && resp.StatusCode != 204 {
		d.t.Fatalf("PUT %s: %s", uid, resp.Status)
	}
}

// crmContacts reads the CRM's contacts by id.
func (c *storeCLI) crmContacts() map[int64]syncstate.Contact {
	c.t.Helper()
	st := c.store()
	cs, err := st.Sync().ListContacts(context.Background())
	if err != nil {
		c.t.Fatal(err)
	}
	out := map[int64]syncstate.Contact{}
	for _, x := range cs {
		out[x.ID] = x
	}
	st.Close()
	return out
}

// conflicts reads `wfe sync conflicts --json`.
func (c *storeCLI) conflicts() []conflictRow {
	c.t.Helper()
	var rows []conflictRow
	if err := json.Unmarshal([]byte(c.ok("sync", "conflicts", "--json")), &rows); err != nil {
		c.t.Fatal(err)
	}
	return rows
}

// TestSyncDAVConflictPolicies: the same field (the last name) changed on
// both sides of a linked contact is settled by the rule's conflict
// option; a change of different fields on the two sides is kept on both
// without a conflict; under ask nothing is overwritten until a person
// decides with `sync resolve`.
func TestSyncDAVConflictPolicies(t *testing.T) {
	cases := []struct {
		policy, master, want string
	}{
		{"crm", "crm", "Berg-CRM"},
		{"groupware", "crm", "Berg-GW"},
		// CardDAV cards carry no modification time wfe reads, so newest
		// falls back to the master.
		{"newest", "crm", "Berg-CRM"},
		{"newest", "groupware", "Berg-GW"},
	}
	// One after another: Radicale servers started at the same moment may
	// be handed the same free port.
	for _, tc := range cases {
		t.Run(tc.policy+"-master-"+tc.master, func(t *testing.T) {
			d := newDAVSync(t)
			d.ok("sync", "rule", "add", "customers", "--conflict", tc.policy, "--master", tc.master)
			d.syncReport("sync", "run", "customers")
			d.ok("contacts", "update", "1", "--last-name", "Berg-CRM")
			d.editCard("1", func(c *groupware.Contact) { c.Surname = "Berg-GW" })
			d.ok("contacts", "update", "2", "--phone", "+49 30 2")
			d.editCard("2", func(c *groupware.Contact) { c.JobTitle = "Buyer" })

			rep := d.syncReport("sync", "run", "customers")
			if rep.Conflicts != 0 {
				t.Fatalf("report: %+v", rep)
			}
			crm, gw := d.crmContacts(), d.cardsByCRMID()
			if crm[1].LastName != tc.want || gw["1"].Surname != tc.want {
				t.Fatalf("last name: CRM %q, groupware %q, want %q on both", crm[1].LastName, gw["1"].Surname, tc.want)
			}
			if crm[2].JobTitle != "Buyer" || len(gw["2"].BusinessPhones) != 1 || gw["2"].BusinessPhones[0] != "+49 30 2" {
				t.Fatalf("changes of different fields: CRM %+v, groupware %+v", crm[2], gw["2"])
			}
			if again := d.syncReport("sync", "run", "customers"); again.ToCRM.Changed+again.ToGroupware.Changed != 0 {
				t.Fatalf("a run after settling changed again: %+v", again)
			}
		})
	}
}

// TestSyncDAVConflictAsk: under ask both versions wait in the conflict
// queue and neither side is written; `sync resolve --keep groupware`
// writes the groupware's version to the CRM and empties the queue.
func TestSyncDAVConflictAsk(t *testing.T) {
	d := newDAVSync(t)
	d.ok("sync", "rule", "add", "customers", "--conflict", "ask")
	d.syncReport("sync", "run", "customers")
	d.ok("contacts", "update", "1", "--last-name", "Berg-CRM")
	d.editCard("1", func(c *groupware.Contact) { c.Surname = "Berg-GW" })

	if rep := d.syncReport("sync", "run", "customers"); rep.Conflicts != 1 {
		t.Fatalf("report: %+v", rep)
	}
	if crm, gw := d.crmContacts()[1], d.cardsByCRMID()["1"]; crm.LastName != "Berg-CRM" || gw.Surname != "Berg-GW" {
		t.Fatalf("a held conflict was written: CRM %q, groupware %q", crm.LastName, gw.Surname)
	}
	rows := d.conflicts()
	if len(rows) != 1 || rows[0].Rule != "customers" || rows[0].Login != "anna" || rows[0].CRMID != "1" ||
		rows[0].CRM["surname"] != "Berg-CRM" || rows[0].GW["surname"] != "Berg-GW" {
		t.Fatalf("conflicts: %+v", rows)
	}
	// A run meanwhile holds it again without writing or doubling it.
	d.syncReport("sync", "run", "customers")
	if rows := d.conflicts(); len(rows) != 1 {
		t.Fatalf("conflicts after another run: %+v", rows)
	}
	d.fails(2, "--keep must be crm or groupware", "sync", "resolve", fmt.Sprint(rows[0].ID), "--keep", "both")
	d.ok("sync", "resolve", fmt.Sprint(rows[0].ID), "--keep", "groupware")
	if crm, gw := d.crmContacts()[1], d.cardsByCRMID()["1"]; crm.LastName != "Berg-GW" || gw.Surname != "Berg-GW" {
		t.Fatalf("after resolve: CRM %q, groupware %q", crm.LastName, gw.Surname)
	}
	if rows := d.conflicts(); len(rows) != 0 {
		t.Fatalf("conflicts after resolve: %+v", rows)
	}
}

// TestSyncDAVPendingAdopt: a card only the groupware has waits for the
// manual import while the CRM is the master; adopt creates it in the CRM
// under the chosen partner, linked, and no run duplicates it.
func TestSyncDAVPendingAdopt(t *testing.T) {
	d := newDAVSync(t)
	d.importCSV("partner,first_name,last_name,email\nOther,Ida,Kern,ida@other.example\n")
	d.ok("sync", "rule", "add", "customers", "--filter", `contact.partner == "ACME"`)
	d.putForeignCard("kim-lee", "Kim", "Lee", "kim@lee.example", "Lee GmbH")

	if rep := d.syncReport("sync", "run", "customers"); rep.OnlyInGroupware != 1 || rep.ToGroupware.New != 2 || rep.ToCRM.New != 0 {
		t.Fatalf("first run: %+v", rep)
	}
	var pending []pendingRow
	if err := json.Unmarshal([]byte(d.ok("sync", "pending", "customers", "--as", "anna", "--json")), &pending); err != nil {
		t.Fatal(err)
	}
	if len(pending) != 1 || pending[0].Name != "Kim Lee" || pending[0].Email != "kim@lee.example" {
		t.Fatalf("pending: %+v", pending)
	}
	d.fails(1, `business partner "Nobody" does not exist`, "sync", "adopt", "customers", "--as", "anna", "--partner", "Nobody", fmt.Sprint(pending[0].ID))
	d.ok("sync", "adopt", "customers", "--as", "anna", "--partner", "ACME", fmt.Sprint(pending[0].ID))

	crm := d.crmContacts()
	var kim *syncstate.Contact
	for _, c := range crm {
		if c.Email == "kim@lee.example" {
			kim = &c
		}
	}
	if len(crm) != 4 || kim == nil || kim.Partner != "ACME" || kim.LastName != "Lee" {
		t.Fatalf("CRM after adopt: %+v", crm)
	}
	if again := d.syncReport("sync", "run", "customers"); again.OnlyInGroupware != 0 || again.ToGroupware.New != 0 || again.ToCRM.New != 0 {
		t.Fatalf("run after adopt: %+v", again)
	}
	if cards := d.cards(); len(cards) != 3 {
		t.Fatalf("cards after adopt: %d, want 3 (no duplicate)", len(cards))
	}
	if out := d.ok("sync", "pending", "customers", "--as", "anna", "--json"); strings.TrimSpace(out) != "[]" {
		t.Fatalf("pending after adopt: %s", out)
	}
}
