package console_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/wfehq/wfe/console"
	"github.com/wfehq/wfe/groupware"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/syncstate"
)

// The sync page lists contacts pending a manual import with a partner
// picker; adopting one records the partner and runs the rule for the
// employee, audited.
func TestSyncPendingAdopt(t *testing.T) {
	runner := &fakeSync{}
	f := newFixture(t, func(o *console.Options) { o.Sync = runner })
	ctx := context.Background()
	rule := &syncstate.Rule{Name: "customers", Table: "contact", Scope: "all", Master: "crm", Conflict: "ask"}
	if err := f.st.Sync().CreateRule(ctx, rule); err != nil {
		t.Fatal(err)
	}
	emp := &store.Employee{Login: "anna", Email: "anna@firma.example"}
	if err := f.st.CreateEmployee(ctx, emp); err != nil {
		t.Fatal(err)
	}
	acme := &store.BusinessPartner{Name: "ACME <GmbH>"}
	if err := f.st.CreatePartner(ctx, acme); err != nil {
		t.Fatal(err)
	}
	acct := syncstate.Account{RuleID: rule.ID, EmployeeID: emp.ID}
	pending := []syncstate.Pending{{GroupwareID: "g1", Name: "Jana Neu", Email: "jana@neu.example"}}
	if err := f.st.Sync().ReplaceHeld(ctx, acct, nil, pending); err != nil {
		t.Fatal(err)
	}
	h, err := f.st.Sync().LoadHeld(ctx, acct)
	if err != nil || len(h.Pending) != 1 {
		t.Fatalf("held %+v %v", h, err)
	}
	id := h.Pending[0].ID
	viewer, _ := f.signIn("victor", viewerPassword)
	if _, body := f.get(viewer, "/sync"); !strings.Contains(body, "jana@neu.example") || strings.Contains(body, "/adopt") {
		t.Fatalf("sync page of a viewer (pending listed, no adopt form):\n%s", body)
	}
	admin, csrf := f.signIn("anna", adminPassword)
	_, body := f.get(admin, "/sync")
	if !strings.Contains(body, `action="/sync/pending/`+itoa(id)+`/adopt"`) || !strings.Contains(body, `<option value="`+itoa(acme.ID)+`">ACME &lt;GmbH&gt;</option>`) {
		t.Fatalf("no partner picker:\n%s", body)
	}
	if resp, body := f.postForm(admin, "/sync/pending/"+itoa(id)+"/adopt", csrf, url.Values{"partner_id": {"x"}}); resp.StatusCode != 400 || !strings.Contains(body, "pick a business partner") {
		t.Fatalf("adopt without a partner: %s", resp.Status)
	}
	if resp, _ := f.postForm(admin, "/sync/pending/"+itoa(id)+"/adopt", csrf, url.Values{"partner_id": {itoa(acme.ID)}}); resp.StatusCode != 200 {
		t.Fatalf("adopt: %s", resp.Status)
	}
	if h, _ := f.st.Sync().LoadHeld(ctx, acct); h.Pending[0].PartnerID == nil || *h.Pending[0].PartnerID != acme.ID {
		t.Fatalf("partner not recorded: %+v", h.Pending[0])
	}
	if strings.Join(runner.calls, ",") != "run customers" {
		t.Errorf("runner calls %v, want one run of the rule", runner.calls)
	}
	if resp, _ := f.postForm(admin, "/sync/pending/99999/adopt", csrf, url.Values{"partner_id": {itoa(acme.ID)}}); resp.StatusCode != 404 {
		t.Errorf("unknown pending import: %s", resp.Status)
	}
	audit, _ := f.st.Console().ListAudit(ctx, 0, 1)
	if len(audit) != 1 || audit[0].Action != "sync.adopt" || !strings.Contains(audit[0].Detail, "ACME") {
		t.Errorf("audit %+v", audit)
	}
}

// The contact mapping editor shows the default mapping, saves a new one,
// refuses a field Graph does not expose (when a configuration uses Graph)
// naming it, and restores the default.
func TestSyncMappingEditor(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.st.CreateMailConfig(ctx, &store.MailConfig{MatchCode: "m365", CalendarSystem: "graph"}); err != nil {
		t.Fatal(err)
	}
	admin, csrf := f.signIn("anna", adminPassword)
	if _, body := f.get(admin, "/sync"); !strings.Contains(body, "(the default mapping)") || !strings.Contains(body, `id="mapping-form"`) {
		t.Fatalf("mapping section:\n%s", body)
	}
	resp, body := f.postForm(admin, "/sync/mapping", csrf, url.Values{"mapping": {"given_name=first_name\nbusiness_fax=fax\n"}})
	if resp.StatusCode != 422 || !strings.Contains(body, "business_fax") || !strings.Contains(body, "Microsoft Graph") {
		t.Fatalf("Graph-less field: %s\n%s", resp.Status, body)
	}
	if resp, body := f.postForm(admin, "/sync/mapping", csrf, url.Values{"mapping": {"given_name first_name"}}); resp.StatusCode != 422 || !strings.Contains(body, "line 1") {
		t.Fatalf("malformed line: %s\n%s", resp.Status, body)
	}
	if resp, _ := f.postForm(admin, "/sync/mapping", csrf, url.Values{"mapping": {"given_name=first_name\r\n\r\nsurname=last_name\r\n"}}); resp.StatusCode != 303 {
		t.Fatalf("save: %s", resp.Status)
	}
	got, err := f.st.Sync().FieldMap(ctx, string(groupware.TableContacts))
	if err != nil || len(got) != 2 || got[1] != (syncstate.FieldPair{Groupware: "surname", CRM: "last_name"}) {
		t.Fatalf("stored mapping %+v %v", got, err)
	}
	if _, body := f.get(admin, "/sync"); strings.Contains(body, "(the default mapping)") || !strings.Contains(body, "<td>surname</td><td>last_name</td>") {
		t.Fatalf("page after save:\n%s", body)
	}
	if resp, _ := f.postForm(admin, "/sync/mapping", csrf, url.Values{"default": {"1"}}); resp.StatusCode != 303 {
		t.Fatalf("restore: %s", resp.Status)
	}
	if got, _ := f.st.Sync().FieldMap(ctx, string(groupware.TableContacts)); got != nil {
		t.Fatalf("mapping after restore: %+v", got)
	}
}
