package console_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/wfehq/wfe/actions/groupwaresync"
	"github.com/wfehq/wfe/actions/groupwaresync/plan"
	"github.com/wfehq/wfe/console"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/syncstate"
)

// fakeSync records the calls and answers with fixed counts.
type fakeSync struct{ calls []string }

func (f *fakeSync) Run(ctx context.Context, rule string, opts groupwaresync.Options) (*groupwaresync.Report, error) {
	mode := "run"
	if opts.Preview {
		mode = "preview"
	}
	f.calls = append(f.calls, mode+" "+rule)
	return &groupwaresync.Report{Rule: rule, Preview: opts.Preview, Employees: []groupwaresync.EmployeeReport{
		{Login: "anna", ToGroupware: plan.Counts{New: 3, Changed: 1}, Conflicts: 1}}}, nil
}

// The sync page lists rules and held conflicts side by side; a viewer may
// preview, an admin runs a rule ("Abgleich ausführen", audited) and
// decides a conflict.
func TestSyncPages(t *testing.T) {
	runner := &fakeSync{}
	f := newFixture(t, func(o *console.Options) { o.Sync = runner })
	ctx := context.Background()
	rule := &syncstate.Rule{Name: "contacts", Table: "contact", Scope: "all", Master: "crm", Conflict: "ask"}
	if err := f.st.Sync().CreateRule(ctx, rule); err != nil {
		t.Fatal(err)
	}
	emp := &store.Employee{Login: "anna", Email: "anna@firma.example"}
	if err := f.st.CreateEmployee(ctx, emp); err != nil {
		t.Fatal(err)
	}
	conflict := syncstate.Conflict{CRMID: "17", GroupwareID: "g17", Fields: []string{"phone"},
		CRMVersion: map[string]string{"phone": "+49 30 1"}, GroupwareVersion: map[string]string{"phone": "+49 30 2"}, Reason: "changed on both sides"}
	if err := f.st.Sync().ReplaceHeld(ctx, syncstate.Account{RuleID: rule.ID, EmployeeID: emp.ID}, []syncstate.Conflict{conflict}, nil); err != nil {
		t.Fatal(err)
	}
	viewer, _ := f.signIn("victor", viewerPassword)
	_, body := f.get(viewer, "/sync")
	if !strings.Contains(body, `data-rule="contacts"`) || !strings.Contains(body, "&#43;49 30 1") || !strings.Contains(body, "&#43;49 30 2") ||
		strings.Contains(body, "Abgleich ausführen") {
		t.Fatalf("sync page of a viewer:\n%s", body)
	}
	if _, body := f.get(viewer, "/sync/contacts/preview"); !strings.Contains(body, "Preview of contacts") || !strings.Contains(body, "3 / 1 / 0") {
		t.Fatalf("preview:\n%s", body)
	}
	if _, body := f.get(f.client(), "/metrics"); !strings.Contains(body, `wfe_sync_conflicts_open{rule="contacts"} 1`) {
		t.Error("/metrics lacks the open conflict")
	}
	admin, csrf := f.signIn("anna", adminPassword)
	if resp, body := f.postForm(admin, "/sync/contacts/run", csrf, nil); resp.StatusCode != 200 || !strings.Contains(body, "Run of contacts") {
		t.Fatalf("run: %s", resp.Status)
	}
	held, _ := f.st.Sync().ListConflicts(ctx)
	if resp, _ := f.postForm(admin, "/sync/conflicts/"+itoa(held[0].ID)+"/resolve", csrf, url.Values{"keep": {"groupware"}}); resp.StatusCode != 303 {
		t.Fatalf("resolve: %s", resp.Status)
	}
	if held, _ := f.st.Sync().ListConflicts(ctx); held[0].Keep != "groupware" {
		t.Fatalf("decision not stored: %+v", held[0])
	}
	if strings.Join(runner.calls, ",") != "preview contacts,run contacts" {
		t.Fatalf("runner calls %v", runner.calls)
	}
	audit, _ := f.st.Console().ListAudit(ctx, 0, 2)
	if audit[0].Action != "sync.resolve" || audit[1].Action != "sync.run" || audit[1].Actor != "anna" {
		t.Fatalf("audit %+v", audit)
	}
}
