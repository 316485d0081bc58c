package console_test

import (
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/wfehq/wfe/store"
)

var screenshot = flag.String("screenshot", "", "write a screenshot of the dashboard to this PNG `file` (for the README)")

// browser starts Debian's chromium headless for one test. Without chromium
// the test is skipped, or fails under WFE_REQUIRE_SERVERS=1. dialogs
// counts the JavaScript dialogs the pages opened (there must be none).
func browser(t *testing.T) (ctx context.Context, dialogs *atomic.Int32) {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("WFE_REQUIRE_SERVERS") == "1" {
			t.Fatal("chromium is not installed but WFE_REQUIRE_SERVERS=1 (apt-get install --no-install-recommends chromium)")
		}
		t.Skip("chromium is not installed (apt-get install --no-install-recommends chromium): browser tests skipped")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.WindowSize(1280, 800))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(cancelCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancelTimeout)
	dialogs = &atomic.Int32{}
	if err := chromedp.Listen(ctx, func(ev any) {
		if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			dialogs.Add(1)
		}
	}); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx, dialogs
}

type css = chromedp.CSS

// signInSteps opens the console, which sends the browser to the sign-in
// form, and signs in.
func (f *fixture) signInSteps(name, password string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(f.srv.URL + "/"),
		chromedp.WaitVisible(css("#username")),
		chromedp.SendKeys(css("#username"), name),
		chromedp.SendKeys(css("#password"), password),
		chromedp.Click(css("#signin")),
		chromedp.WaitVisible(css("#sources")),
	}
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(css(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// An admin signs in, sees the failing mail configuration with its last
// error, uploads a broken workflow and sees the diagnostic at its line,
// uploads a good one, activates it, runs it and sees the run's steps;
// markup in a run's error and in a mail's subject stays text and opens
// no dialog; a quarantined mail is replayed and becomes an activity.
func TestBrowserAdmin(t *testing.T) {
	f := newFixture(t)
	cfg := failingMailConfig(t, f.st)
	if err := f.st.CreateEmployee(context.Background(), &store.Employee{Login: "sam", Name: "Sam Service"}); err != nil {
		t.Fatal(err)
	}
	quarantinedID := f.quarantined(cfg, 7, "From: kunde@example.com\r\nSubject: Angebot 7\r\nMessage-ID: <q7@example.com>\r\n\r\nbody\r\n", "store: disk full").ID
	ctx, dialogs := browser(t)
	if err := chromedp.Do(ctx, f.signInSteps("anna", adminPassword)...); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	row := text(t, ctx, `tr[data-source="info"]`)
	if !strings.Contains(row, "failing") || !strings.Contains(row, "connection refused") {
		t.Fatalf("dashboard row of info: %q", row)
	}
	if *screenshot != "" {
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil || os.WriteFile(*screenshot, png, 0o644) != nil {
			t.Fatalf("screenshot: %v", err)
		}
	}
	broken, _ := filepath.Abs(brokenWorkflow)
	err := chromedp.Do(ctx,
		chromedp.Navigate(f.srv.URL+"/workflows"),
		chromedp.SetUploadFiles(css("#upload-file"), []string{broken}),
		chromedp.Click(css("#upload")),
		chromedp.WaitVisible(css("#diagnostics")))
	if err != nil {
		t.Fatalf("upload the broken workflow: %v", err)
	}
	if d := text(t, ctx, `li.diag[data-line="18"]`); !strings.Contains(d, "compile-dangling-step.xml:18:1: step 1 lists following step 3") {
		t.Fatalf("diagnostic: %q", d)
	}
	if line, err := chromedp.Run(ctx, chromedp.OuterHTML(css("#L18"))); err != nil || !strings.Contains(line, `class="bad"`) {
		t.Fatalf("line 18 is not marked: %q %v", line, err)
	}
	good, _ := filepath.Abs("../testdata/workflows/MailRuleLog.xml")
	err = chromedp.Do(ctx,
		chromedp.SetUploadFiles(css("#upload-file"), []string{good}),
		chromedp.Click(css("#upload")),
		chromedp.WaitVisible(css("#toggle-active")),
		chromedp.Click(css("#toggle-active")),
		// the page after activation offers to deactivate
		chromedp.WaitVisible(css(`form[action$="/deactivate"]`)))
	if err != nil {
		t.Fatalf("upload and activate: %v", err)
	}
	if st := text(t, ctx, "#active-state"); st != "active" {
		t.Fatalf("after activation the workflow is %q", st)
	}
	runNow(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(f.srv.URL+"/runs/evil"), chromedp.WaitVisible(css("#run-error"))); err != nil {
		t.Fatal(err)
	}
	if e := text(t, ctx, "#run-error"); e != evilMarkup {
		t.Fatalf("run error shown as %q", e)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(f.srv.URL+"/activities"), chromedp.WaitVisible(css("#activities"))); err != nil {
		t.Fatal(err)
	}
	if subj := text(t, ctx, "#activities a.subject"); subj != evilMarkup {
		t.Fatalf("the mail's subject is shown as %q", subj)
	}
	replay(t, ctx, f, quarantinedID)
	if n := dialogs.Load(); n != 0 {
		t.Fatalf("%d JavaScript dialogs opened", n)
	}
}

// runNow runs the workflow whose page is open as the only employee and
// checks the run's page it leads to: status, run-as and the actions of
// its steps.
func runNow(t *testing.T, ctx context.Context) {
	t.Helper()
	if who, err := chromedp.Run(ctx, chromedp.Value(css("#run-as"))); err != nil || who != "sam" {
		t.Fatalf("run as %q is chosen (%v), want the only employee sam", who, err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(css("#run-now")), chromedp.WaitVisible(css("#steps"))); err != nil {
		t.Fatalf("run now: %v", err)
	}
	if st := text(t, ctx, "#run-status"); st != "succeeded" {
		t.Fatalf("the run's status is %q", st)
	}
	if who := text(t, ctx, "#run-as-login"); who != "sam" {
		t.Fatalf("the run ran as %q", who)
	}
	if row := text(t, ctx, `#steps tr[data-step="1"]`); !strings.Contains(row, "SetContextAction") || !strings.Contains(row, "ok") {
		t.Fatalf("step 1 of the run: %q", row)
	}
}

// replay replays the quarantined mail id from the quarantine page: the
// page then lists it as replayed with its activity, no longer in
// quarantine, and the activity shows the mail's subject.
func replay(t *testing.T, ctx context.Context, f *fixture, id int64) {
	t.Helper()
	entry := `[data-entry="` + itoa(id) + `"]`
	err := chromedp.Do(ctx,
		chromedp.Navigate(f.srv.URL+"/quarantine"),
		chromedp.WaitVisible(css("#quarantine tr"+entry)),
		chromedp.Click(css("#quarantine tr"+entry+" button")),
		chromedp.WaitVisible(css("#replayed tr"+entry)))
	if err != nil {
		t.Fatalf("replay: %v", err)
	}
	if note := text(t, ctx, "p.flash"); !strings.Contains(note, "imported as activity") {
		t.Fatalf("after the replay the page says %q", note)
	}
	if gone, err := chromedp.Run(ctx, chromedp.Nodes(css("#quarantine tr"+entry), chromedp.AtLeast(0))); err != nil || len(gone) != 0 {
		t.Fatalf("the replayed mail is still in quarantine (%d rows, %v)", len(gone), err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(css("#replayed tr"+entry+" a")), chromedp.WaitVisible(css("#activity-subject"))); err != nil {
		t.Fatalf("open the replayed mail's activity: %v", err)
	}
	if h := text(t, ctx, "#activity-subject"); h != "Angebot 7" {
		t.Fatalf("the replayed mail's activity is %q", h)
	}
}

// A viewer sees the dashboard and the lists but no form that changes
// anything.
func TestBrowserViewer(t *testing.T) {
	f := newFixture(t)
	failingMailConfig(t, f.st)
	ctx, _ := browser(t)
	if err := chromedp.Do(ctx, f.signInSteps("victor", viewerPassword)...); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	for _, page := range []string{"/workflows", "/timers", "/workflows/MailRuleLog"} {
		if err := chromedp.Do(ctx, chromedp.Navigate(f.srv.URL+page), chromedp.WaitVisible(css("main"))); err != nil {
			t.Fatal(err)
		}
		forms, err := chromedp.Run(ctx, chromedp.Nodes(css(`main form[method="post"]`), chromedp.AtLeast(0)))
		if err != nil || len(forms) != 0 {
			t.Errorf("%s offers a viewer %d forms that change things (%v)", page, len(forms), err)
		}
	}
}

const evilMarkup = `<img src=x onerror=alert(1)>`

// failingMailConfig stores a mail configuration whose automatic import
// failed, a workflow, and a failed run whose error holds markup; it
// returns the configuration.
func failingMailConfig(t *testing.T, st *store.Store) *store.MailConfig {
	t.Helper()
	ctx := context.Background()
	cfg := &store.MailConfig{MatchCode: "info", AutoImport: true}
	if err := st.CreateMailConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateTimer(ctx, &store.TimerTask{Name: "mail-auto-import", Type: store.TimerMailAutoImport, Every: 10 * time.Minute, Active: true}); err != nil {
		t.Fatal(err)
	}
	rec := []byte(`{"type":"MAIL_AUTO_IMPORT","results":[{"match_code":"info"}]}`)
	if err := st.SaveRun(ctx, &store.Run{Timer: "mail-auto-import", Status: store.RunFailed, Record: rec,
		Error: "mail configuration info: dial tcp imap.firma.example:993: connection refused"}); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateActivity(ctx, &store.Activity{Type: "MAIL", Subject: evilMarkup, Sender: "x@y.example"}); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveRun(ctx, &store.Run{ID: "evil", WorkflowID: "MailRuleLog", Status: store.RunFailed, Error: evilMarkup}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ImportWorkflows(ctx, []store.WorkflowFile{{Name: "MailRuleLog.xml", Data: readFile(t, "../testdata/workflows/MailRuleLog.xml")}},
		validator(), store.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	return cfg
}
