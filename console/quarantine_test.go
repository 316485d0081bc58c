package console_test

import (
	"context"
	"strings"
	"testing"

	"github.com/wfehq/wfe/store"
	sc "github.com/wfehq/wfe/store/console"
)

// quarantined records raw as a quarantined mail of cfg and returns its
// ledger entry.
func (f *fixture) quarantined(cfg *store.MailConfig, uid int64, raw, reason string) *store.LedgerEntry {
	f.t.Helper()
	ctx := context.Background()
	sha, _, err := f.st.PutBlob(ctx, strings.NewReader(raw))
	if err != nil {
		f.t.Fatal(err)
	}
	e := &store.LedgerEntry{MailConfigID: cfg.ID, Mailbox: "INBOX", UIDValidity: 1, UID: uid, Outcome: store.OutcomeQuarantined,
		Error: reason, RawBlob: sha, ContentSHA256: sha}
	if err := f.st.RecordLedger(ctx, e); err != nil {
		f.t.Fatal(err)
	}
	return e
}

// An admin replays quarantined mails: a mail that imports now becomes an
// activity and its entry is marked replayed; one failing again stays in
// quarantine with the new reason. Both are audited; a second replay is
// refused.
func TestQuarantineReplay(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	cfg := &store.MailConfig{MatchCode: "info"}
	if err := f.st.CreateMailConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	good := f.quarantined(cfg, 7, "From: a@b.example\r\nSubject: Angebot\r\nMessage-ID: <q7@b>\r\n\r\nbody\r\n", "store: disk full")
	bad := f.quarantined(cfg, 8, "no header at all\r\n", "old reason")

	c, csrf := f.signIn("anna", adminPassword)
	if _, body := f.get(c, "/quarantine"); !strings.Contains(body, `action="/quarantine/`+itoa(good.ID)+`/replay"`) {
		t.Fatalf("no replay form on the quarantine page:\n%s", body)
	}
	resp, _ := f.postForm(c, "/quarantine/"+itoa(good.ID)+"/replay", csrf, nil)
	if resp.StatusCode != 303 || !strings.Contains(resp.Header.Get("Location"), "imported+as+activity") {
		t.Fatalf("replay: %s → %s", resp.Status, resp.Header.Get("Location"))
	}
	e, err := f.st.Console().LedgerEntry(ctx, good.ID)
	if err != nil {
		t.Fatal(err)
	}
	if e.Outcome != sc.OutcomeReplayed || e.ActivityID == nil {
		t.Fatalf("entry after replay: %+v", e)
	}
	if a, err := f.st.GetActivity(ctx, *e.ActivityID); err != nil || a.Subject != "Angebot" {
		t.Fatalf("activity %d: %+v %v", *e.ActivityID, a, err)
	}
	if _, body := f.get(c, "/quarantine"); !strings.Contains(body, `<a href="/activities/`+itoa(*e.ActivityID)+`">`) {
		t.Errorf("the replayed entry is not listed with its activity:\n%s", body)
	}
	if resp, _ := f.postForm(c, "/quarantine/"+itoa(good.ID)+"/replay", csrf, nil); resp.StatusCode != 409 {
		t.Errorf("second replay: %s, want 409", resp.Status)
	}

	resp, _ = f.postForm(c, "/quarantine/"+itoa(bad.ID)+"/replay", csrf, nil)
	if resp.StatusCode != 303 || !strings.Contains(resp.Header.Get("Location"), "still+quarantined") {
		t.Fatalf("failing replay: %s → %s", resp.Status, resp.Header.Get("Location"))
	}
	if e, _ := f.st.Console().LedgerEntry(ctx, bad.ID); e.Outcome != store.OutcomeQuarantined || !strings.Contains(e.Error, "no header fields") {
		t.Errorf("entry after failing replay: %+v", e)
	}
	audit, _ := f.st.Console().ListAudit(ctx, 0, 0)
	var replays int
	for _, a := range audit {
		if a.Action == "quarantine.replay" && a.Actor == "anna" {
			replays++
		}
	}
	if replays != 2 {
		t.Errorf("%d replay audit entries, want 2: %+v", replays, audit)
	}
}
