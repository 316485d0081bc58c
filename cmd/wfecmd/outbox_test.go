package wfecmd

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/wfehq/wfe/actions/sendmail"
	"github.com/wfehq/wfe/actions/sendmail/sendmailtest"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/outbox"
	"github.com/wfehq/wfe/store/storetest"
)

// eachStoreCLI runs f with a wfe command line on a fresh SQLite database
// and, when WFE_TEST_POSTGRES is set, on a fresh PostgreSQL schema.
func eachStoreCLI(t *testing.T, f func(t *testing.T, c *storeCLI, st *store.Store)) {
	t.Run("sqlite", func(t *testing.T) {
		c := newStoreCLI(t)
		f(t, c, c.store())
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := storetest.PostgresDSN(t)
		blobs := t.TempDir()
		c := &storeCLI{t: t, db: dsn, env: map[string]string{"WFE_SECRET_KEY": storetest.TestKey, "WFE_BLOB_DIR": blobs}}
		c.ok("init")
		st, err := store.Open(context.Background(), dsn, store.WithSecretKey(storetest.TestKey), store.WithBlobDir(blobs))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		f(t, c, st)
	})
}

// outboxSetup makes mail configuration OUT for srv (no login) and an
// outgoing activity; it returns the configuration and the activity.
func outboxSetup(t *testing.T, c *storeCLI, st *store.Store, srv *sendmailtest.FlakySMTP) (*store.MailConfig, *store.Activity) {
	t.Helper()
	c.ok("mailconfig", "set", "OUT", "--user", "vertrieb@firma.example", "--smtp", srv.Addr, "--smtp-security", "none")
	cfg, err := st.MailConfigByMatchCode(context.Background(), "OUT")
	must(t, err)
	act := &store.Activity{Type: store.TypeMailOut, Subject: "Angebot", Text: "Hallo", To: store.StringList{"max@kunde.example"}}
	must(t, st.CreateActivity(context.Background(), act))
	return cfg, act
}

// wfe send sends an activity once; a second send is refused and names
// --again, which sends it again.
func TestSendCommandSendsOnceUnlessAgain(t *testing.T) {
	eachStoreCLI(t, func(t *testing.T, c *storeCLI, st *store.Store) {
		srv := sendmailtest.StartFlakySMTP(t, 0, 0)
		_, act := outboxSetup(t, c, st, srv)
		id := fmt.Sprint(act.ID)
		first := strings.TrimSpace(c.ok("send", id, "--config", "OUT"))
		_, errs, code := c.run("send", id, "--config", "OUT")
		if code != 1 || !strings.Contains(errs, "was sent at") || !strings.Contains(errs, first) || !strings.Contains(errs, "--again") {
			t.Fatalf("second send: exit %d: %s", code, errs)
		}
		if n := len(srv.Received()); n != 1 {
			t.Fatalf("%d mails after the refused send, want 1", n)
		}
		again := strings.TrimSpace(c.ok("send", id, "--config", "OUT", "--again"))
		if n := len(srv.Received()); n != 2 || again == first {
			t.Fatalf("--again: %d mails, Message-IDs %s %s", n, first, again)
		}
		var sent []outbox.Entry
		must(t, json.Unmarshal([]byte(c.ok("outbox", "list", "--kind", "send", "--json")), &sent))
		if len(sent) != 2 || sent[0].MessageID != again || sent[1].MessageID != first || sent[0].State != outbox.StateSent {
			t.Fatalf("outbox list: %+v", sent)
		}
		// the watchdog's mails are a kind of their own: listed apart, none here
		if out := strings.TrimSpace(c.ok("outbox", "list", "--kind", outbox.KindWatchdog, "--json")); out != "[]" {
			t.Fatalf("outbox list --kind watchdog: %s", out)
		}
	})
}

// queue puts a forward of act into the outbox as if its first attempt
// had failed at, so that its retry is due now.
func queue(t *testing.T, st *store.Store, cfg *store.MailConfig, act *store.Activity, at time.Time) sendmail.Attempt {
	t.Helper()
	d := sendmail.Deps{Store: st, Now: func() time.Time { return at }, Logger: slog.New(slog.DiscardHandler)}
	a, err := sendmail.SendQueued(context.Background(), d, sendmail.Queued{Kind: outbox.KindForward, Config: cfg, ActivityID: act.ID,
		Message: outbox.Message{From: "vertrieb@firma.example", To: []string{"chef@firma.example"}, Subject: "Fwd: Angebot", Text: "siehe unten"}})
	must(t, err)
	return a
}

// The outbox from the command line: list shows a pending forward with its
// error; import-mail and the MAIL_AUTO_IMPORT timer send what is due;
// retry sends pending entries now; a permanent failure is listed with its
// reason, left alone by retries and import runs, and sent when asked for
// by id.
func TestOutboxCommands(t *testing.T) {
	eachStoreCLI(t, func(t *testing.T, c *storeCLI, st *store.Store) {
		srv := sendmailtest.StartFlakySMTP(t, 3, 451)
		cfg, act := outboxSetup(t, c, st, srv)
		past := time.Now().Add(-2 * time.Hour)
		a := queue(t, st, cfg, act, past)
		b := queue(t, st, cfg, act, past)
		out := c.ok("outbox", "list", "--state", "pending", "--wide")
		if !strings.Contains(out, "forward") || !strings.Contains(out, "retryable: ") || !strings.Contains(out, "451") {
			t.Fatalf("list:\n%s", out)
		}
		out, errs, code := c.run("import-mail")
		if code != 0 || !strings.Contains(errs, "outbox: 1 sent, 1 waiting for a retry, 0 failed for good") || len(srv.Received()) != 1 {
			t.Fatalf("import-mail with both retries due: exit %d, %d received\n%s%s", code, len(srv.Received()), out, errs)
		}
		srv.FailNext(1, 451)
		queue(t, st, cfg, act, past)
		out = c.ok("timer", "run", builtinAutoImport) // sends the new one; a is not due
		if n := len(srv.Received()); n != 2 {
			t.Fatalf("the timer's run: %d mails, want 2\n%s", n, out)
		}
		waiting, err := st.Outbox().List(context.Background(), outbox.Filter{State: outbox.StatePending})
		must(t, err)
		if len(waiting) != 1 || (waiting[0].ID != a.EntryID && waiting[0].ID != b.EntryID) || waiting[0].Attempts != 2 {
			t.Fatalf("waiting after the timer's run: %+v", waiting)
		}
		out = c.ok("outbox", "retry")
		if strings.TrimSpace(out) != fmt.Sprintf("%d: sent as <%s>", waiting[0].ID, waiting[0].MessageID) {
			t.Fatalf("retry:\n%s", out)
		}
		if n := len(srv.Received()); n != 3 {
			t.Fatalf("%d mails, want 3", n)
		}

		srv.FailNext(1, 550)
		p := queue(t, st, cfg, act, time.Now())
		out = c.ok("outbox", "list", "--state", "failed", "--wide")
		if !strings.Contains(out, fmt.Sprintf("%d ", p.EntryID)) || !strings.Contains(out, "permanent: ") || !strings.Contains(out, "550") {
			t.Fatalf("failed list:\n%s", out)
		}
		c.ok("import-mail")
		if out := c.ok("outbox", "retry"); !strings.Contains(out, "nothing pending") {
			t.Fatalf("retry with only a failed entry:\n%s", out)
		}
		out = c.ok("outbox", "retry", fmt.Sprint(p.EntryID))
		if !strings.Contains(out, "sent as <") || len(srv.Received()) != 4 || srv.Attempts() != 9 {
			t.Fatalf("retry by id: %d received in %d attempts\n%s", len(srv.Received()), srv.Attempts(), out)
		}
		c.fails(2, "is not an outbox entry id", "outbox", "retry", "x")
		c.fails(2, "--state", "outbox", "list", "--state", "nope")
	})
}
