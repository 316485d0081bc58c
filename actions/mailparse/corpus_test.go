package mailparse

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"
)

// repoRoot walks up from the package directory to the directory with go.mod.
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the package directory")
		}
		dir = parent
	}
}

// checkStrings asserts the invariants every parsed mail must hold: valid
// UTF-8 and no NUL bytes in any string that goes into the store.
func checkStrings(t *testing.T, name string, m *Mail) {
	t.Helper()
	check := func(field, s string) {
		if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
			t.Errorf("%s: %s is not clean UTF-8: %q", name, field, clip(s, 80))
		}
	}
	check("MessageID", m.MessageID)
	check("Subject", m.Subject)
	check("Text", m.Text)
	check("HTML", m.HTML)
	check("From", m.From.Name+m.From.Addr)
	for _, list := range [][]Address{m.To, m.Cc, m.Bcc, m.ReplyTo} {
		for _, a := range list {
			check("address", a.Name+a.Addr)
			if a.Addr != strings.ToLower(a.Addr) {
				t.Errorf("%s: address %q not lower-case", name, a.Addr)
			}
		}
	}
	for _, a := range m.Attachments {
		check("attachment name", a.Name)
		if a.Name == "" {
			t.Errorf("%s: attachment in part %s without name", name, a.Part)
		}
	}
	for _, p := range m.Problems {
		check("problem", p)
	}
}

// knownField finds a common header field at the start of a line.
var knownField = regexp.MustCompile(`(?im)^(from|to|subject|date|message-id|content-type|received|mime-version):`)

func TestCorpus(t *testing.T) {
	dir := filepath.Join(repoRoot(t), "testdata", "corpus")
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("corpus missing from the repository: %v", err)
	}
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && !strings.HasSuffix(p, ".md") && !strings.HasPrefix(d.Name(), ".") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("corpus %s holds no mails", dir)
	}
	var clean, withProblems int
	var unparseable []string
	problemKinds := map[string]int{}
	for _, f := range files {
		name, _ := filepath.Rel(dir, f)
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := Parse(fh, Options{})
		fh.Close()
		switch {
		case errors.Is(err, ErrUnparseable):
			unparseable = append(unparseable, name+": "+err.Error())
			raw, _ := os.ReadFile(f)
			if loc := knownField.FindIndex(raw[:min(len(raw), 4096)]); loc != nil {
				t.Errorf("%s: unparseable although it has a header field at byte %d: %v", name, loc[0], err)
			}
			continue
		case err != nil:
			t.Errorf("%s: unexpected error %v", name, err)
			continue
		}
		checkStrings(t, name, m)
		if len(m.Problems) == 0 {
			clean++
		} else {
			withProblems++
			for _, p := range m.Problems {
				k := p
				if i := strings.IndexAny(k, "\"0123456789"); i > 0 {
					k = k[:i]
				}
				problemKinds[k]++
			}
		}
		if testing.Verbose() && os.Getenv("MAILPARSE_CORPUS_DUMP") != "" {
			t.Logf("%s: from=%v subj=%q att=%d text=%d html=%d problems=%q", name, m.From, clip(m.Subject, 40), len(m.Attachments), len(m.Text), len(m.HTML), m.Problems)
		}
	}
	sort.Strings(unparseable)
	if len(unparseable) > 5 {
		t.Errorf("%d corpus files unparseable, expected at most a handful", len(unparseable))
	}
	t.Logf("corpus: %d files: %d parsed clean, %d parsed with problems, %d unparseable", len(files), clean, withProblems, len(unparseable))
	for _, u := range unparseable {
		t.Logf("unparseable: %s", u)
	}
	var kinds []string
	for k, n := range problemKinds {
		kinds = append(kinds, k)
		_ = n
	}
	sort.Slice(kinds, func(i, j int) bool { return problemKinds[kinds[i]] > problemKinds[kinds[j]] })
	for _, k := range kinds {
		t.Logf("problem %4d × %s", problemKinds[k], k)
	}
}
