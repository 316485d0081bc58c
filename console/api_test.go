package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wfehq/wfe/console"
	"github.com/wfehq/wfe/store"
	sc "github.com/wfehq/wfe/store/console"
)

const brokenWorkflow = "../testdata/workflows/broken/compile-dangling-step.xml"

func (f *fixture) api(method, path, token string, body []byte) (*http.Response, string) {
	f.t.Helper()
	req := mustRequest(f.t, method, f.srv.URL+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/xml")
	}
	return f.do(f.client(), req)
}

// POST /api/v1/workflows: an invalid document is 422 with its positioned
// diagnostics and nothing stored; a valid one is imported and audited
// under the token's name; GET lists it.
func TestAPIWorkflows(t *testing.T) {
	f := newFixture(t)
	resp, body := f.api("POST", "/api/v1/workflows?name=dangling.xml", f.adminToken, readFile(t, brokenWorkflow))
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("broken workflow: %s %s", resp.Status, body)
	}
	var refused struct {
		Error       string
		Diagnostics []console.Diagnostic
	}
	if err := json.Unmarshal([]byte(body), &refused); err != nil {
		t.Fatal(err)
	}
	if len(refused.Diagnostics) != 1 || refused.Diagnostics[0].Line != 18 || refused.Diagnostics[0].File != "dangling.xml" ||
		!strings.Contains(refused.Diagnostics[0].Message, "following step 3") {
		t.Fatalf("diagnostics %+v", refused.Diagnostics)
	}
	resp, body = f.api("POST", "/api/v1/workflows?activate=1", f.adminToken, readFile(t, "../testdata/workflows/MailRuleLog.xml"))
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"workflow_id": "MailRuleLog"`) {
		t.Fatalf("valid workflow: %s %s", resp.Status, body)
	}
	resp, body = f.api("GET", "/api/v1/workflows", f.viewerToken, nil)
	var defs []store.WorkflowDef
	if json.Unmarshal([]byte(body), &defs); resp.StatusCode != 200 || len(defs) != 1 || !defs[0].Active || defs[0].WorkflowID != "MailRuleLog" {
		t.Fatalf("list: %s %s", resp.Status, body)
	}
	audit, _ := f.st.Console().ListAudit(context.Background(), 0, 0)
	if len(audit) != 1 || audit[0].Actor != "deploy-script" || audit[0].ActorKind != sc.ActorToken || audit[0].Action != "workflow.import" || audit[0].Target != "MailRuleLog" {
		t.Fatalf("audit %+v", audit)
	}
}

// GET /api/v1/runs pages with a keyset cursor in the Link header and
// filters by status; GET /api/v1/runs/{id} gives the record.
func TestAPIRuns(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	start := time.Now().Add(-time.Hour).UTC()
	for i := 0; i < 5; i++ {
		status := store.RunSucceeded
		if i%2 == 1 {
			status = store.RunFailed
		}
		err := f.st.SaveRun(ctx, &store.Run{ID: "run" + string(rune('0'+i)), WorkflowID: "MailRuleLog", Status: status,
			StartedAt: start.Add(time.Duration(i) * time.Minute), Record: []byte(`{"steps":[{"no":1}]}`)})
		if err != nil {
			t.Fatal(err)
		}
	}
	var seen []string
	next := "/api/v1/runs?limit=2"
	for next != "" {
		resp, body := f.api("GET", next, f.viewerToken, nil)
		var page []store.Run
		if err := json.Unmarshal([]byte(body), &page); err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %s %v", next, resp.Status, err)
		}
		for _, r := range page {
			seen = append(seen, r.ID)
		}
		next = ""
		if link := resp.Header.Get("Link"); link != "" {
			next = strings.TrimPrefix(link[1:strings.Index(link, ">")], f.srv.URL)
		}
	}
	if strings.Join(seen, ",") != "run4,run3,run2,run1,run0" {
		t.Fatalf("pages gave %v", seen)
	}
	_, body := f.api("GET", "/api/v1/runs?status=failed", f.viewerToken, nil)
	if strings.Count(body, `"status": "failed"`) != 2 || strings.Contains(body, "succeeded") {
		t.Fatalf("failed runs: %s", body)
	}
	resp, body := f.api("GET", "/api/v1/runs/run3", f.viewerToken, nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `"steps"`) {
		t.Fatalf("run3: %s %s", resp.Status, body)
	}
	if resp, _ := f.api("GET", "/api/v1/runs/nope", f.viewerToken, nil); resp.StatusCode != 404 {
		t.Fatalf("missing run: %s", resp.Status)
	}
	if resp, body := f.api("GET", "/api/v1/runs?since=yesterday", f.viewerToken, nil); resp.StatusCode != 400 || !strings.Contains(body, "since") {
		t.Fatalf("bad filter: %s %s", resp.Status, body)
	}
}

// GET /api/v1/sources shows a failing timer with its last error.
func TestAPISources(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.st.CreateTimer(ctx, &store.TimerTask{Name: "nightly", Type: store.TimerWorkflow, WorkflowID: "X", Every: time.Hour, Active: true}); err != nil {
		t.Fatal(err)
	}
	if err := f.st.SaveRun(ctx, &store.Run{Timer: "nightly", WorkflowID: "X", Status: store.RunFailed, Error: "workflow X is not active"}); err != nil {
		t.Fatal(err)
	}
	resp, body := f.api("GET", "/api/v1/sources", f.viewerToken, nil)
	var src []map[string]any
	if err := json.Unmarshal([]byte(body), &src); err != nil || resp.StatusCode != 200 || len(src) != 1 {
		t.Fatalf("sources: %s %s", resp.Status, body)
	}
	s := src[0]
	if s["name"] != "nightly" || s["kind"] != "timer" || s["state"] != "failing" || s["last_error"] != "workflow X is not active" {
		t.Fatalf("source %v", s)
	}
	if _, ok := s["last_success"]; !ok {
		t.Fatalf("last_success missing: %v", s)
	}
}
