package console_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/wfehq/wfe/store"
	sc "github.com/wfehq/wfe/store/console"
)

func (f *fixture) upload(c *http.Client, csrf, name string, data []byte) (*http.Response, string) {
	f.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf_token", csrf)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	req := mustRequest(f.t, "POST", f.srv.URL+"/workflows", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return f.do(c, req)
}

// Uploading a broken workflow shows the diagnostic at its line, with the
// line marked; a good upload leads to the workflow's page; activation is
// audited under the user's name.
func TestWorkflowPages(t *testing.T) {
	f := newFixture(t)
	admin, csrf := f.signIn("anna", adminPassword)
	resp, body := f.upload(admin, csrf, "dangling.xml", readFile(t, brokenWorkflow))
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `data-line="18"`) ||
		!strings.Contains(body, "dangling.xml:18:1: step 1 lists following step 3") || !strings.Contains(body, `class="bad" id="L18"`) {
		t.Fatalf("broken upload: %s\n%s", resp.Status, body)
	}
	resp, _ = f.upload(admin, csrf, "MailRuleLog.xml", readFile(t, "../testdata/workflows/MailRuleLog.xml"))
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/workflows/MailRuleLog") {
		t.Fatalf("good upload: %s %q", resp.Status, resp.Header.Get("Location"))
	}
	if resp, _ := f.postForm(admin, "/workflows/MailRuleLog/activate", csrf, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("activate: %s", resp.Status)
	}
	_, body = f.get(admin, "/workflows/MailRuleLog")
	if !strings.Contains(body, `<span id="active-state">active</span>`) || !strings.Contains(body, `<span class="ln">1</span>`) {
		t.Fatalf("workflow page:\n%s", body)
	}
	resp, body = f.get(admin, "/workflows/MailRuleLog/export")
	if resp.StatusCode != 200 || body != string(readFile(t, "../testdata/workflows/MailRuleLog.xml")) {
		t.Fatalf("export differs from the upload: %s", resp.Status)
	}
	audit, _ := f.st.Console().ListAudit(context.Background(), 0, 0)
	var actions []string
	for _, e := range audit {
		actions = append(actions, e.Actor+":"+e.Action)
	}
	if strings.Join(actions, ",") != "anna:workflow.activate,anna:workflow.import,anna:session.signin" {
		t.Fatalf("audit: %v", actions)
	}
	viewer, _ := f.signIn("victor", viewerPassword)
	_, body = f.get(viewer, "/workflows/MailRuleLog")
	if strings.Contains(body, "/activate") || strings.Contains(body, "/deactivate") || strings.Contains(body, "/duplicate") {
		t.Error("a viewer is offered forms that change things")
	}
}

// Markup in data is shown as text: a run error holding an <img onerror>
// is escaped, and the content security policy forbids scripts anyway.
func TestMarkupInDataIsText(t *testing.T) {
	f := newFixture(t)
	const evil = `<img src=x onerror=alert(1)>`
	if err := f.st.SaveRun(context.Background(), &store.Run{ID: "evil", WorkflowID: evil, Status: store.RunFailed, Error: evil}); err != nil {
		t.Fatal(err)
	}
	c, _ := f.signIn("victor", viewerPassword)
	for _, path := range []string{"/runs", "/runs/evil"} {
		resp, body := f.get(c, path)
		if strings.Contains(body, evil) || !strings.Contains(body, "&lt;img src=x onerror=alert(1)&gt;") {
			t.Errorf("%s renders the markup", path)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
	}
}

// The quarantine lists quarantined mails with their reason; the raw
// message downloads byte for byte.
func TestQuarantinePage(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	cfg := &store.MailConfig{MatchCode: "info"}
	if err := f.st.CreateMailConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	raw := "From: a@b.example\r\nSubject: <img src=x onerror=alert(1)>\r\n\r\nbody\r\n"
	sha, _, err := f.st.PutBlob(ctx, strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	e := &store.LedgerEntry{MailConfigID: cfg.ID, Mailbox: "INBOX", UIDValidity: 1, UID: 7, Outcome: store.OutcomeQuarantined,
		Error: "part walk: missing closing boundary", RawBlob: sha}
	if err := f.st.RecordLedger(ctx, e); err != nil {
		t.Fatal(err)
	}
	c, _ := f.signIn("victor", viewerPassword)
	_, body := f.get(c, "/quarantine")
	if !strings.Contains(body, "part walk: missing closing boundary") || !strings.Contains(body, "/quarantine/"+strconv.FormatInt(e.ID, 10)+"/raw") {
		t.Fatalf("quarantine page:\n%s", body)
	}
	resp, got := f.get(c, "/quarantine/"+strconv.FormatInt(e.ID, 10)+"/raw")
	if resp.StatusCode != 200 || got != raw || resp.Header.Get("Content-Type") != "message/rfc822" {
		t.Fatalf("raw download: %s %q", resp.Status, got)
	}
	if resp, _ := f.get(c, "/quarantine/999/raw"); resp.StatusCode != 404 {
		t.Fatalf("missing entry: %s", resp.Status)
	}
}

// The activity search finds by subject (LIKE wildcards in the text are
// literal); an activity's page shows its GroupwareLock and its subject as
// text.
func TestActivityPages(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, subj := range []string{"Angebot 100% Rabatt", "Rechnung", evilMarkup} {
		if err := f.st.CreateActivity(ctx, &store.Activity{Type: "MAIL", Status: "S_ACTSTATUS-O", Subject: subj, Sender: "kunde@firma.example",
			GroupwareLock: subj == "Rechnung", Text: "Hallo\n" + subj}); err != nil {
			t.Fatal(err)
		}
	}
	c, _ := f.signIn("victor", viewerPassword)
	_, body := f.get(c, "/activities?subject="+url.QueryEscape("100%"))
	if !strings.Contains(body, "Angebot 100% Rabatt") || strings.Contains(body, ">Rechnung<") {
		t.Fatalf("search for 100%%:\n%s", body)
	}
	_, body = f.get(c, "/activities?subject=xyz_")
	if !strings.Contains(body, "No activities match") {
		t.Fatal("'_' matched as a wildcard")
	}
	list, _ := f.st.Console().ActivitiesPage(ctx, sc.ActivityQuery{Subject: "rechnung"})
	if len(list) != 1 {
		t.Fatalf("case-insensitive search: %d", len(list))
	}
	_, body = f.get(c, "/activities/"+strconv.FormatInt(list[0].ID, 10))
	if !strings.Contains(body, "yes: the activity is write-protected") {
		t.Fatalf("activity page:\n%s", body)
	}
	_, body = f.get(c, "/activities")
	if strings.Contains(body, evilMarkup) || !strings.Contains(body, "&lt;img src=x onerror=alert(1)&gt;") {
		t.Fatal("a subject's markup is rendered")
	}
}

// A copy's page shows what changed against the workflow it was copied
// from: duplicating changes the WorkFlowID attribute only.
func TestWorkflowCopyShowsItsChanges(t *testing.T) {
	f := newFixture(t)
	admin, csrf := f.signIn("anna", adminPassword)
	f.upload(admin, csrf, "MailRuleLog.xml", readFile(t, "../testdata/workflows/MailRuleLog.xml"))
	resp, _ := f.postForm(admin, "/workflows/MailRuleLog/duplicate", csrf, url.Values{"new_id": {"MailRuleLogCopy"}})
	if resp.StatusCode != 303 {
		t.Fatalf("duplicate: %s", resp.Status)
	}
	_, body := f.get(admin, "/workflows/MailRuleLogCopy")
	if !strings.Contains(body, "Changes against MailRuleLog") ||
		!strings.Contains(body, `<span class="removed">- &lt;WorkFlowMapping WorkFlowID=&#34;MailRuleLog&#34;`) ||
		!strings.Contains(body, `<span class="added">&#43; &lt;WorkFlowMapping WorkFlowID=&#34;MailRuleLogCopy&#34;`) {
		t.Fatalf("copy page:\n%s", body)
	}
	if strings.Count(body, `class="added"`) != 1 || strings.Count(body, `class="removed"`) != 1 {
		t.Fatal("more than the WorkFlowID line differs")
	}
}
