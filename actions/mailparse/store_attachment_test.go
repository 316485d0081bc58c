package mailparse

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// storeAll is a StoreAttachment callback that hashes what it reads, as the
// blob store does.
func storeAll(a *Attachment, r io.Reader) (string, int64, error) {
	h := sha256.New()
	n, err := io.Copy(h, r)
	return hex.EncodeToString(h.Sum(nil)), n, err
}

func parseFile(t *testing.T, path string, opts Options) *Mail {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := Parse(f, opts)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

// With StoreAttachment every fixture parses to the attachments (names,
// sizes, hashes) and problems the hashing Attachment path gives; with
// SkipContentHash to the same mail without Mail.ContentHash.
func TestStoreAttachmentSameAsHashing(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(repoRoot(t), "testdata", "mails", "*.eml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("fixtures: %d %v", len(files), err)
	}
	seen := 0
	for _, file := range files {
		want := parseFile(t, file, Options{Attachment: func(a *Attachment, r io.Reader) error { return nil }})
		calls := 0
		got := parseFile(t, file, Options{StoreAttachment: func(a *Attachment, r io.Reader) (string, int64, error) {
			calls++
			return storeAll(a, r)
		}})
		if calls != len(want.Attachments) || !reflect.DeepEqual(got.Attachments, want.Attachments) || !reflect.DeepEqual(got.Problems, want.Problems) {
			t.Errorf("%s: %d calls, attachments %+v problems %q, want %+v %q", filepath.Base(file), calls, got.Attachments, got.Problems, want.Attachments, want.Problems)
		}
		seen += calls
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if sum := sha256.Sum256(raw); want.ContentHash != hex.EncodeToString(sum[:]) || want.Size != int64(len(raw)) {
			t.Errorf("%s: content hash %s size %d, want the file's", filepath.Base(file), want.ContentHash, want.Size)
		}
		// SkipContentHash: the same mail, without the content hash
		skip := parseFile(t, file, Options{SkipContentHash: true})
		if skip.ContentHash != "" {
			t.Errorf("%s: content hash %q despite SkipContentHash", filepath.Base(file), skip.ContentHash)
		}
		skip.ContentHash = want.ContentHash
		if !reflect.DeepEqual(skip, want) {
			t.Errorf("%s: with SkipContentHash %+v, want %+v", filepath.Base(file), skip, want)
		}
	}
	if seen == 0 {
		t.Fatal("no fixture has an attachment")
	}
}

// A StoreAttachment callback that fails, leaves content unread or reports
// another size than it read fails Parse, naming the attachment.
func TestStoreAttachmentChecked(t *testing.T) {
	file := filepath.Join(repoRoot(t), "testdata", "mails", "07-mixed-pdf.eml")
	full := errors.New("blob store full")
	cases := []struct {
		name string
		cb   func(a *Attachment, r io.Reader) (string, int64, error)
		want string
	}{
		{"error", func(a *Attachment, r io.Reader) (string, int64, error) { return "", 0, full }, "blob store full"},
		{"unread", func(a *Attachment, r io.Reader) (string, int64, error) {
			n, err := io.CopyN(io.Discard, r, 10)
			return "x", n, err
		}, "stored 10 bytes (reported 10) of"},
		{"size", func(a *Attachment, r io.Reader) (string, int64, error) {
			sha, n, err := storeAll(a, r)
			return sha, n + 1, err
		}, "(reported"},
	}
	for _, c := range cases {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Parse(f, Options{StoreAttachment: c.cb})
		f.Close()
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "Angebot_2024-017.pdf") {
			t.Errorf("%s: err = %v, want one naming the attachment with %q", c.name, err, c.want)
		}
		if c.name == "error" && !errors.Is(err, full) {
			t.Errorf("error: %v does not wrap the callback's error", err)
		}
	}
}
