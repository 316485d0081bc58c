package wfecmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wfehq/wfe/store"
)

// blobsCLI is a command line on a fresh store with mail configuration 123.
func blobsCLI(t *testing.T) (*storeCLI, *store.Store, *store.MailConfig) {
	t.Helper()
	c := newStoreCLI(t)
	s := c.store()
	cfg := &store.MailConfig{MatchCode: "123"}
	if err := s.CreateMailConfig(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	return c, s, cfg
}

// wfe blobs check: exit 0 while every document reads back, exit 1 naming
// the blob once one is lost; --json gives the same.
func TestBlobsCheck(t *testing.T) {
	c, s, cfg := blobsCLI(t)
	ctx := context.Background()
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

// wfe blobs gc: --dry-run prints the bytes it would free and removes
// nothing; gc then removes the pack of a batch that never committed, keeps
// the committed blobs, and blobs check is clean afterwards.
func TestBlobsGC(t *testing.T) {
	c, s, cfg := blobsCLI(t)
	ctx := context.Background()
	sha, size, err := s.PutBlob(ctx, strings.NewReader("From: a@b.example\r\n\r\nbody\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	item := store.ImportItem{Key: store.LedgerKey{MailConfigID: cfg.ID, Mailbox: "INBOX", UIDValidity: 1, UID: 1},
		MessageID: "m@x", ContentSHA256: sha, RawBlob: sha,
		Activity:  &store.Activity{Type: store.TypeMailIn, Subject: "Mail"},
		Documents: []*store.Document{{Name: "raw.eml", Size: size, SHA256: sha}}}
	if _, err := s.CommitImport(ctx, []store.ImportItem{item}); err != nil {
		t.Fatal(err)
	}
	// a batch recorded its blob and was killed before its commit
	orphan, _, err := s.PutBlob(ctx, strings.NewReader("never committed"))
	if err != nil {
		t.Fatal(err)
	}
	kept, _ := s.BlobFile(ctx, sha)
	pack, _ := s.BlobFile(ctx, orphan)
	old := time.Now().Add(-2 * time.Hour)
	for _, p := range []string{kept, pack} {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	fi, err := os.Stat(pack)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("would remove 1 pack file(s) and 1 pack entries in %s, %d bytes", s.BlobDir(), fi.Size())
	if out := c.ok("blobs", "gc", "--dry-run"); !strings.Contains(out, want) || !strings.Contains(out, "dry run: nothing removed") {
		t.Fatalf("dry run:\n%s\nwant %q", out, want)
	}
	if _, err := os.Stat(pack); err != nil {
		t.Fatalf("dry run removed the pack: %v", err)
	}
	if out := c.ok("blobs", "gc"); !strings.Contains(out, fmt.Sprintf("removed 1 pack file(s) and 1 pack entries in %s, %d bytes", s.BlobDir(), fi.Size())) {
		t.Fatalf("gc:\n%s", out)
	}
	if _, err := os.Stat(pack); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("orphan pack still there: %v", err)
	}
	out := c.ok("blobs", "check")
	if !strings.HasPrefix(out, "checked 1 blob(s)") || strings.Contains(out, "refers to") || strings.Contains(out, "missing") {
		t.Fatalf("check after gc:\n%s", out)
	}
	if _, _, code := c.run("blobs", "gc", "--min-age", "0s"); code != 2 {
		t.Errorf("--min-age 0s: exit %d, want 2", code)
	}
}
