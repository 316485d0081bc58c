package wfecmd

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wfehq/wfe/store"
)

// wfe blobs check: exit 0 while every document reads back, exit 1 naming
// the blob once one is lost; --json gives the same.
func TestBlobsCheck(t *testing.T) {
	c := newStoreCLI(t)
	s := c.store()
	ctx := context.Background()
	cfg := &store.MailConfig{MatchCode: "123"}
	if err := s.CreateMailConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	b := s.NewBlobBatch()
	sha, size, err := b.PutFresh(ctx, strings.NewReader("From: a@b.example\r\n\r\nbody\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
	b.Discard()
	attachment, _, err := s.PutBlob(ctx, strings.NewReader("attachment"))
	if err != nil {
		t.Fatal(err)
	}
	item := store.ImportItem{Key: store.LedgerKey{MailConfigID: cfg.ID, Mailbox: "INBOX", UIDValidity: 1, UID: 1},
		MessageID: "m@x", ContentSHA256: sha, RawBlob: sha,
		Activity:  &store.Activity{Type: store.TypeMailIn, Subject: "Mail"},
		Documents: []*store.Document{{Name: "raw.eml", Size: size, SHA256: sha}, {Name: "a.txt", Size: 10, SHA256: attachment}}}
	if _, err := s.CommitImport(ctx, []store.ImportItem{item}); err != nil {
		t.Fatal(err)
	}
	if out := c.ok("blobs", "check"); !strings.HasPrefix(out, "checked 2 blob(s)") || strings.Contains(out, "missing") {
		t.Fatalf("healthy store:\n%s", out)
	}
	// lose the attachment: PutBlob gave it a pack of its own
	pack, err := s.BlobFile(ctx, attachment)
	if err != nil || !strings.Contains(pack, string(filepath.Separator)+"packs"+string(filepath.Separator)) {
		t.Fatalf("pack of the attachment: %q %v", pack, err)
	}
	if err := os.Remove(pack); err != nil {
		t.Fatal(err)
	}
	out, _, code := c.run("blobs", "check")
	if code != 1 || !strings.Contains(out, attachment+": missing") {
		t.Fatalf("exit %d, want 1 naming the lost blob:\n%s", code, out)
	}
	out, _, code = c.run("blobs", "check", "--json")
	var res store.BlobCheck
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != 1 || len(res.Problems) != 1 || res.Problems[0].SHA256 != attachment {
		t.Fatalf("--json: exit %d, %v, %s", code, err, out)
	}
}
