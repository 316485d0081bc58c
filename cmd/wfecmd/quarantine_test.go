package wfecmd

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/wfehq/wfe/store"
)

// wfe quarantine list shows quarantined mails; replay imports one after
// the fix (its entry then listed with --replayed) and exits 1 when the
// mail is quarantined again, with the new reason.
func TestQuarantineListAndReplay(t *testing.T) {
	c := newStoreCLI(t)
	st := c.store()
	ctx := t.Context()
	cfg := &store.MailConfig{MatchCode: "info"}
	if err := st.CreateMailConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for i, raw := range []string{"From: a@b.example\r\nSubject: Rechnung 7\r\n\r\nbody\r\n", "headerless garbage\r\n"} {
		sha, _, err := st.PutBlob(ctx, strings.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		e := &store.LedgerEntry{MailConfigID: cfg.ID, Mailbox: "INBOX", UIDValidity: 1, UID: int64(i + 1),
			Outcome: store.OutcomeQuarantined, Error: "mapper failed", RawBlob: sha, ContentSHA256: sha}
		if err := st.RecordLedger(ctx, e); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, e.ID)
	}
	st.Close()

	var listed []store.LedgerEntry
	if err := json.Unmarshal([]byte(c.ok("quarantine", "list", "--json")), &listed); err != nil || len(listed) != 2 {
		t.Fatalf("list --json: %v %+v", err, listed)
	}
	good, bad := strconv.FormatInt(ids[0], 10), strconv.FormatInt(ids[1], 10)
	if out := c.ok("quarantine", "replay", good); !strings.Contains(out, "replayed: imported as activity") {
		t.Fatalf("replay: %s", out)
	}
	if _, errs, code := c.run("quarantine", "replay", bad); code != 1 || !strings.Contains(errs, "still quarantined") || !strings.Contains(errs, "no header fields") {
		t.Fatalf("failing replay: %d %s", code, errs)
	}
	listed = nil
	if err := json.Unmarshal([]byte(c.ok("quarantine", "list", "--json")), &listed); err != nil || len(listed) != 1 || listed[0].ID != ids[1] {
		t.Fatalf("list after replay: %v %+v", err, listed)
	}
	if out := c.ok("quarantine", "list"); !strings.Contains(out, "no header fields") {
		t.Fatalf("list after replay:\n%s", out)
	}
	if out := c.ok("quarantine", "list", "--replayed"); !strings.Contains(out, "INBOX") {
		t.Fatalf("list --replayed:\n%s", out)
	}
	if _, errs, code := c.run("quarantine", "replay", "x"); code != 2 || !strings.Contains(errs, `"x"`) {
		t.Fatalf("bad id: %d %s", code, errs)
	}
}
