package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wfehq/wfe/store"
)

// An admin runs an active workflow from its page as an employee: the
// console opens the run's page with its steps and status, and the run is
// audited. An inactive workflow and an unknown employee are refused
// without a run.
func TestWorkflowRunNow(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.st.CreateEmployee(ctx, &store.Employee{Login: "sam", Name: "Sam Service"}); err != nil {
		t.Fatal(err)
	}
	admin, csrf := f.signIn("anna", adminPassword)
	f.upload(admin, csrf, "MailRuleLog.xml", readFile(t, "../testdata/workflows/MailRuleLog.xml"))
	if resp, _ := f.postForm(admin, "/workflows/MailRuleLog/run", csrf, url.Values{"run_as": {"sam"}}); resp.StatusCode != http.StatusConflict {
		t.Fatalf("run of an inactive workflow: %s, want 409", resp.Status)
	}
	if _, body := f.get(admin, "/workflows/MailRuleLog"); strings.Contains(body, `id="run-now"`) {
		t.Error("an inactive workflow offers Run now")
	}
	f.postForm(admin, "/workflows/MailRuleLog/activate", csrf, nil)
	_, body := f.get(admin, "/workflows/MailRuleLog")
	if !strings.Contains(body, `id="run-now"`) || !strings.Contains(body, `<option value="sam" selected>sam (Sam Service)</option>`) {
		t.Fatalf("no Run now form with the only employee chosen:\n%s", body)
	}
	if resp, _ := f.postForm(admin, "/workflows/MailRuleLog/run", csrf, url.Values{"run_as": {"ghost"}}); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("run as an unknown employee: %s, want 404", resp.Status)
	}
	resp, _ := f.postForm(admin, "/workflows/MailRuleLog/run", csrf, url.Values{"run_as": {"sam"}})
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/runs/") {
		t.Fatalf("run now: %s → %q", resp.Status, loc)
	}
	_, page := f.get(admin, loc)
	for _, want := range []string{`<td id="run-status">succeeded</td>`, `<td class="action">SetContextAction</td><td class="outcome">ok</td>`,
		`<td id="run-as-login">sam</td>`} {
		if !strings.Contains(page, want) {
			t.Errorf("run page lacks %s:\n%s", want, page)
		}
	}
	runs, err := f.st.ListRuns(ctx, store.RunFilter{WorkflowID: "MailRuleLog"})
	if err != nil || len(runs) != 1 || runs[0].RunAs != "sam" {
		t.Fatalf("runs of MailRuleLog: %+v %v", runs, err)
	}
	audit, _ := f.st.Console().ListAudit(ctx, 0, 0)
	if a := audit[0]; a.Action != "workflow.run" || a.Actor != "anna" || !strings.Contains(a.Detail, "as sam: ran") {
		t.Errorf("newest audit entry: %+v", a)
	}
}
