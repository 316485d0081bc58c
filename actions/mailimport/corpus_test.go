package mailimport_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wfehq/wfe/mailbox/mailtest"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/storetest"
)

// corpusMails reads every mail of the repository's corpus
// (testdata/corpus); its Markdown and dot files describe it and are no mails.
func corpusMails(t *testing.T) [][]byte {
	t.Helper()
	dir := repoPath(t, "testdata/corpus")
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("corpus missing from the repository: %v", err)
	}
	var raws [][]byte
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".md") || strings.HasPrefix(d.Name(), ".") {
			return err
		}
		raws = append(raws, readFile(t, p))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(raws) == 0 {
		t.Fatalf("corpus %s holds no mails", dir)
	}
	return raws
}

// checkCorpus imports the whole corpus and checks that every mail ended as
// an activity, a duplicate or a quarantined entry, and none stayed.
func checkCorpus(t *testing.T, e *env, raws [][]byte) {
	t.Helper()
	e.appendRaw(raws...)
	if n := len(e.inbox()); n != len(raws) {
		t.Fatalf("the server holds %d of %d appended mails", n, len(raws))
	}
	res, err := e.importOnce(false, 100)
	if err != nil {
		t.Fatalf("corpus import: %v", err)
	}
	t.Logf("corpus: %d mails: %s", len(raws), res.Summary())
	for _, m := range res.Mails {
		if m.Outcome == store.OutcomeQuarantined {
			t.Logf("quarantined UID %d: %s", m.UID, m.Reason)
		}
	}
	if res.Imported+res.Quarantined+res.Duplicates != len(raws) {
		t.Errorf("outcomes do not add up to %d: %s", len(raws), res.Summary())
	}
	if n := len(e.inbox()); n != 0 {
		t.Errorf("%d mails stayed in the inbox", n)
	}
	ledger := e.ledger()
	if len(ledger) != len(raws) {
		t.Errorf("ledger has %d rows for %d appended mails", len(ledger), len(raws))
	}
	quarantined := 0
	for _, l := range ledger {
		if l.Outcome == store.OutcomeQuarantined {
			quarantined++
			if l.Error == "" || l.RawBlob == "" {
				t.Errorf("quarantined UID %d without error or raw message: %+v", l.UID, l)
			}
		}
	}
	if n := len(e.activities()); n != res.Imported {
		t.Errorf("%d activities for %d imports", n, res.Imported)
	}
	if n := len(e.folder(errorDir)); n != quarantined {
		t.Errorf("%d mails in %s for %d quarantined", n, errorDir, quarantined)
	}
	if n := len(e.folder(importDir)); n != res.Imported+res.Duplicates {
		t.Errorf("%d mails in %s for %d imported and %d duplicates", n, importDir, res.Imported, res.Duplicates)
	}
}

// TestCorpusDovecot: Dovecot serves every message as it was appended.
func TestCorpusDovecot(t *testing.T) {
	raws := corpusMails(t)
	e := newDovecotEnv(t, storetest.Open(t), "starttls")
	checkCorpus(t, e, raws)
}

// TestCorpusInProcess: the in-process server serves every message as it
// was stored, like Dovecot (which serves bare LF line ends as CRLF,
// so there the LF and CRLF copies of a corpus mail are duplicates).
func TestCorpusInProcess(t *testing.T) {
	raws := corpusMails(t)
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		checkCorpus(t, newEnv(t, st, mailtest.IMAPOptions{}), raws)
	})
}
