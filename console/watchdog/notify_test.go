package watchdog_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/wfehq/wfe/console/watchdog"
	"github.com/wfehq/wfe/mailbox/mailtest"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/outbox"
	"github.com/wfehq/wfe/store/storetest"
)

// notifyWorld is a store with an SMTP server (go-smtp in process) behind
// the mail configuration "alerts", employee rita, and the automatically
// importing configurations info (rita is responsible), sales (locked
// after an authentication failure; rita is responsible) and misc (no
// responsible employee).
type notifyWorld struct {
	t     *testing.T
	st    *store.Store
	smtp  *mailtest.SMTPServer
	now   time.Time
	n     *watchdog.Notifier
	codes []string
}

func newNotifyWorld(t *testing.T, st *store.Store) *notifyWorld {
	t.Helper()
	ctx := context.Background()
	w := &notifyWorld{t: t, st: st, now: time.Now().UTC().Truncate(time.Second).Add(-24 * time.Hour),
		codes: []string{"info", "sales", "misc"}}
	w.smtp = mailtest.StartSMTP(t, mailtest.SMTPOptions{Users: map[string]string{"wfe@firma.example": "smtp-secret-9"}})
	via := &store.MailConfig{MatchCode: "alerts", UserName: "wfe@firma.example", Password: "smtp-secret-9",
		SMTPAddr: w.smtp.Addr, SMTPSecurity: w.smtp.Security, SMTPAuth: true}
	rita := &store.Employee{Login: "rita", Name: "Rita Admin", Email: "rita@firma.example"}
	w.must(w.st.CreateMailConfig(ctx, via))
	w.must(w.st.CreateEmployee(ctx, rita))
	for _, c := range w.codes {
		mc := &store.MailConfig{MatchCode: c, AutoImport: true}
		if c != "misc" {
			mc.ResponsibleID = &rita.ID
		}
		w.must(w.st.CreateMailConfig(ctx, mc))
		if c == "sales" {
			w.must(w.st.SetAutoLock(ctx, mc.ID, "535 authentication failed"))
		}
	}
	w.must(w.st.CreateTimer(ctx, &store.TimerTask{Name: "auto", Type: store.TimerMailAutoImport, Every: 10 * time.Minute, Active: true}))
	w.n = &watchdog.Notifier{Store: w.st, Via: via, Node: "node-a", Now: func() time.Time { return w.now }}
	return w
}

func (w *notifyWorld) must(err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatal(err)
	}
}

// importRun records a run of the automatic import ten minutes on: every
// configuration but the locked one imported, or failing names the ones
// that failed.
func (w *notifyWorld) importRun(failing ...string) {
	w.t.Helper()
	w.now = w.now.Add(10 * time.Minute)
	var results []map[string]string
	var errs []string
	for _, c := range w.codes {
		if c != "sales" { // locked: not imported
			results = append(results, map[string]string{"match_code": c})
		}
	}
	for _, c := range failing {
		errs = append(errs, "mail configuration "+c+": dial tcp imap.firma.example:993: connection refused")
	}
	status := store.RunSucceeded
	if len(errs) > 0 {
		status = store.RunFailed
	}
	rec, _ := json.Marshal(map[string]any{"type": "MAIL_AUTO_IMPORT", "results": results})
	fin := w.now.Add(time.Second)
	w.must(w.st.SaveRun(context.Background(), &store.Run{Timer: "auto", Status: status, Error: strings.Join(errs, "\n"),
		StartedAt: w.now, FinishedAt: &fin, Record: rec}))
}

// check runs the notifier a minute later and returns the mails it queued.
func (w *notifyWorld) check() int {
	w.t.Helper()
	w.now = w.now.Add(time.Minute)
	n, err := w.n.Check(context.Background())
	w.must(err)
	return n
}

// The responsible employee gets exactly one mail per incident, through
// the outbox and the SMTP server of "alerts": none while the incident
// goes on, none after the recovery, a new one when the configuration
// fails again. A locked configuration is an incident too; a
// configuration without a responsible employee mails nobody.
func TestNotifierOncePerIncident(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) { oncePerIncident(t, newNotifyWorld(t, st)) })
}

func oncePerIncident(t *testing.T, w *notifyWorld) {
	w.importRun()
	if n := w.check(); n != 1 || len(w.smtp.Messages()) != 1 {
		t.Fatalf("with sales locked: %d queued, %d received, want 1 (sales)", n, len(w.smtp.Messages()))
	}
	if !strings.Contains(string(w.smtp.Messages()[0].Data), "Subject: wfe: mail configuration sales is locked") {
		t.Fatalf("the mail about sales:\n%s", w.smtp.Messages()[0].Data)
	}
	w.importRun("info", "misc")
	if n := w.check(); n != 1 {
		t.Fatalf("info fails: %d mails queued, want 1", n)
	}
	got := w.smtp.Messages()
	if len(got) != 2 || got[1].To[0] != "rita@firma.example" || got[1].From != "wfe@firma.example" {
		t.Fatalf("received: %+v", got)
	}
	data := strings.ReplaceAll(string(got[1].Data), "=\r\n", "") // quoted-printable soft line breaks
	for _, want := range []string{"Subject: wfe: mail configuration info is failing", "connection refused", "Auto-Submitted: auto-generated"} {
		if !strings.Contains(data, want) {
			t.Errorf("the mail about info lacks %q:\n%s", want, data)
		}
	}
	for range 3 {
		w.importRun("info", "misc")
		if n := w.check(); n != 0 {
			t.Fatalf("the same incident mailed again: %d", n)
		}
	}
	w.importRun()
	if n := w.check(); n != 0 {
		t.Fatalf("after the recovery: %d mails", n)
	}
	w.importRun("info")
	if n := w.check(); n != 1 {
		t.Fatalf("a new failure after the recovery: %d mails, want 1", n)
	}
	if n := w.check(); n != 0 {
		t.Fatalf("checked twice: %d mails", n)
	}
	if got := w.smtp.Messages(); len(got) != 3 {
		t.Fatalf("%d mails received, want 3 (sales, info twice)", len(got))
	}
	entries, err := w.st.Outbox().List(context.Background(), outbox.Filter{Kind: watchdog.OutboxKind})
	if err != nil || len(entries) != 3 || entries[0].State != outbox.StateSent {
		t.Fatalf("outbox: %+v %v", entries, err)
	}
}
