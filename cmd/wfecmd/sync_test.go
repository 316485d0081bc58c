package wfecmd

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/wfehq/wfe/actions/groupwaresync"
	"github.com/wfehq/wfe/groupware"
	"github.com/wfehq/wfe/groupware/graph"
	"github.com/wfehq/wfe/groupware/groupwaretest"
)

// graphSyncCLI is a database with two CRM contacts, the employee anna and
// a mail configuration on a fake Microsoft Graph with an app registration.
func graphSyncCLI(t *testing.T) (*storeCLI, *groupwaretest.GraphFake) {
	fake := groupwaretest.NewGraphFake(t)
	fake.AddApp("app", "app-secret")
	fake.AddMailbox("anna@example.com")
	c := newStoreCLI(t)
	c.env["GRAPH_SECRET"] = "app-secret"
	csv := filepath.Join(t.TempDir(), "contacts.csv")
	body := "partner,first_name,last_name,email\nACME,Eva,Berg,eva@acme.example\nACME,Jon,Dahl,jon@acme.example\n"
	if err := os.WriteFile(csv, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	c.ok("contacts", "import", csv)
	c.ok("employee", "add", "anna", "--email", "anna@example.com")
	c.ok("mailconfig", "set", "M365", "--calendar-system", "graph", "--groupware-url", fake.Server.URL,
		"--oauth-client-id", "app", "--oauth-client-secret-env", "GRAPH_SECRET", "--oauth-token-url", fake.TokenURL)
	c.ok("employee", "set", "anna", "--groupware-config", "M365", "--groupware-user", "anna@example.com")
	return c, fake
}

func (c *storeCLI) syncReport(args ...string) groupwaresync.EmployeeReport {
	c.t.Helper()
	var rep groupwaresync.Report
	if err := json.Unmarshal([]byte(c.ok(append(args, "--json")...)), &rep); err != nil {
		c.t.Fatal(err)
	}
	if len(rep.Employees) != 1 || len(rep.Employees[0].Errors) > 0 {
		c.t.Fatalf("wfe %v: %+v", args, rep)
	}
	return rep.Employees[0]
}

// graphContacts reads the mailbox's contacts straight from the fake.
func graphContacts(t *testing.T, fake *groupwaretest.GraphFake) map[string]groupware.Contact {
	ts, err := graph.AppSignIn{ClientID: "app", ClientSecret: "app-secret", TokenURL: fake.TokenURL}.TokenSource(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := graph.New(graph.Config{BaseURL: fake.BaseURL, Mailbox: "anna@example.com", TokenSource: ts})
	if err != nil {
		t.Fatal(err)
	}
	folders, err := conn.Folders(context.Background(), groupware.TableContacts)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := conn.Contacts().Changes(context.Background(), folders[0], "")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, ch := range cs.Changed {
		ids = append(ids, ch.ID)
	}
	res, err := conn.Contacts().Get(context.Background(), folders[0], ids)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]groupware.Contact{} // by the CRM id stored on them
	for _, r := range res {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		out[r.Item.CRMID] = *r.Item
	}
	return out
}

// TestSyncGraphEndToEnd: the preview counts what the first run does and
// writes nothing; the first run creates the CRM contacts in the mailbox
// carrying their CRM ids; a second run has nothing to do; a change on
// each side arrives on the other.
func TestSyncGraphEndToEnd(t *testing.T) {
	c, fake := graphSyncCLI(t)
	c.ok("sync", "rule", "add", "customers", "--table", "contacts", "--for", "all", "--master", "crm")

	pre := c.syncReport("sync", "preview", "customers")
	if pre.ToGroupware.New != 2 || fake.ContactCount("anna@example.com") != 0 {
		t.Fatalf("preview: %+v, %d contacts in the mailbox", pre, fake.ContactCount("anna@example.com"))
	}
	if out := c.ok("runs", "list", "--json"); out != "[]\n" {
		t.Fatalf("the preview recorded a run: %s", out)
	}

	first := c.syncReport("sync", "run", "customers")
	gw := graphContacts(t, fake)
	if first.ToGroupware.New != 2 || len(gw) != 2 || gw["1"].Surname != "Berg" || gw["1"].Company != "ACME" ||
		gw["1"].DisplayName != "Eva Berg" || gw["2"].Emails[0] != "jon@acme.example" {
		t.Fatalf("first run: %+v, mailbox %+v", first, gw)
	}
	if again := c.syncReport("sync", "run", "customers"); !reflect.DeepEqual(again, groupwaresync.EmployeeReport{Login: "anna"}) {
		t.Fatalf("second run without changes: %+v", again)
	}

	c.ok("contacts", "update", "1", "--phone", "+49 30 1234")
	if err := fake.EditContact("anna@example.com", gw["2"].ID, "jobTitle", "Buyer"); err != nil {
		t.Fatal(err)
	}
	both := c.syncReport("sync", "run", "customers")
	if both.ToGroupware.Changed != 1 || both.ToCRM.Changed != 1 {
		t.Fatalf("run after a change on each side: %+v", both)
	}
	if got := graphContacts(t, fake)["1"].BusinessPhones; len(got) != 1 || got[0] != "+49 30 1234" {
		t.Fatalf("phone in the mailbox: %v", got)
	}
	var contacts []map[string]any
	if err := json.Unmarshal([]byte(c.ok("contacts", "list", "--json")), &contacts); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"id", "first_name", "last_name", "email", "phone", "partner", "updated_at"} {
		if _, ok := contacts[0][key]; !ok {
			t.Errorf("contacts list --json lacks %q: %v", key, contacts[0])
		}
	}
	if contacts[0]["phone"] != "+49 30 1234" || contacts[0]["partner"] != "ACME" {
		t.Errorf("contacts list --json: %v", contacts[0])
	}
	st := c.store()
	defer st.Close()
	jon, err := st.Sync().GetContact(context.Background(), 2)
	if err != nil || jon.JobTitle != "Buyer" {
		t.Fatalf("job title in the CRM: %+v, %v", jon, err)
	}
}
