package mailimport_test

import (
	"bytes"
	"io"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/wfehq/wfe/actions/mailparse"
	"github.com/wfehq/wfe/mailbox/mailtest"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/storetest"
)

const largeSize = 20 << 20

func TestFixtureMailsImportedWithFields(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, mailtest.IMAPOptions{})
		mails := fixtureMails(t)
		// go-imap's in-memory server answers BODY[] of a message whose
		// header it cannot read (an mbox From line first) with nothing;
		// Dovecot serves it (TestFixtureMailsDovecot, TestCorpus).
		delete(mails, "27-mbox-from-line.eml")
		checkFixtureImport(t, e, mails)
	})
}

// TestFixtureMailsDovecot imports every fixture over IMAPS from Dovecot.
func TestFixtureMailsDovecot(t *testing.T) {
	e := newDovecotEnv(t, storetest.Open(t), "tls")
	checkFixtureImport(t, e, fixtureMails(t))
}

func checkFixtureImport(t *testing.T, e *env, mails map[string][]byte) {
	st := e.st
	if len(mails) < 25 {
		t.Fatalf("only %d fixture mails", len(mails))
	}
	var raws [][]byte
	for _, n := range sortedNames(mails) {
		raws = append(raws, mails[n])
	}
	large := largeMail(t, largeSize)
	e.appendRaw(append(raws, large)...)
	total := len(mails) + 1

	res, err := e.importOnce(false, 8)
	if err != nil {
		t.Fatal(err)
	}
	if res.Imported != total || res.Quarantined != 0 || res.Duplicates != 0 || len(res.ActivityIDs) != total {
		t.Fatalf("result %s: %+v", res.Summary(), res.Mails)
	}
	if n := len(e.inbox()); n != 0 {
		t.Fatalf("%d mails left in the inbox", n)
	}
	if n := len(e.folder(importDir)); n != total {
		t.Fatalf("%d mails in %s, want %d", n, importDir, total)
	}
	for _, m := range e.folder(importDir) {
		if m.Seen() {
			t.Errorf("UID %d was marked \\Seen by the import (fetch must peek)", m.UID)
		}
	}
	byID := map[string][]*store.ActivityDetail{}
	for _, id := range res.ActivityIDs {
		d, err := st.GetActivity(e.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		byID[d.GlobalID] = append(byID[d.GlobalID], d)
		if d.StartDate == nil {
			t.Errorf("activity %d (%s) has no start date", d.ID, d.Subject)
		}
		raw := 0
		for _, doc := range d.Documents {
			if doc.ContentType == "message/rfc822" && strings.HasSuffix(doc.Name, ".eml") {
				raw++
			}
		}
		if raw < 1 {
			t.Errorf("activity %d (%s): original .eml not attached: %+v", d.ID, d.Subject, d.Documents)
		}
	}
	one := func(msgID string) *store.ActivityDetail {
		t.Helper()
		l := byID[msgID]
		if len(l) != 1 {
			t.Fatalf("Message-ID %q: %d activities", msgID, len(l))
		}
		return l[0]
	}

	a := one("20240305101244.1234@kunde-mueller.example")
	if a.Subject != "Anfrage Wartungsvertrag" || !strings.Contains(a.Sender, muellerAddr) || !slices.Equal([]string(a.To), []string{"info@firma.example"}) {
		t.Errorf("01: subject %q sender %q to %v", a.Subject, a.Sender, a.To)
	}
	if !strings.Contains(a.Text, "Druckerflotte (12 Geraete, Standort Koeln).") {
		t.Errorf("01: text %q", a.Text)
	}
	if len(a.Contacts) != 1 || a.Contacts[0].Contact.ID != e.contact.ID || !slices.Equal(a.PartnerIDs, []int64{e.partner.ID}) || a.Unassigned {
		t.Errorf("01: contact links %+v partners %v unassigned %v", a.Contacts, a.PartnerIDs, a.Unassigned)
	}
	if !a.GroupwareLock {
		t.Error("01: external mail without GroupwareLock")
	}
	if want := "2024-03-05T09:12:44Z"; a.StartDate.UTC().Format("2006-01-02T15:04:05Z") != want {
		t.Errorf("01: start date %v, want %s", a.StartDate, want)
	}
	if !strings.Contains(strings.Join(a.MatchExplanation, "\n"), "sender "+muellerAddr+": contact") {
		t.Errorf("01: explanation %v", a.MatchExplanation)
	}

	if a := one("latin1-qp-0002@kunde-mueller.example"); a.Subject != "Bestellung für März" || !strings.Contains(a.Text, "Bahnhofstraße 12") {
		t.Errorf("03: subject %q text %q", a.Subject, a.Text)
	}
	if a := one("alt-0005@lieferant-schmidt.example"); !slices.Equal([]string(a.Cc), []string{"anna.schmidt@firma.example"}) || !strings.Contains(a.HTML, "<b>neue Preisliste</b>") || !a.Unassigned {
		t.Errorf("06: cc %v html %q unassigned %v", a.Cc, a.HTML, a.Unassigned)
	}
	a = one("mixed-pdf-0006@firma.example")
	if len(a.Documents) != 2 || a.Documents[0].Name != "Angebot_2024-017.pdf" || a.Documents[0].Size != 145 || a.Documents[0].ContentType != "application/pdf" {
		t.Errorf("07: documents %+v", a.Documents)
	}
	if a := one("internal-0020@firma.example"); a.GroupwareLock {
		t.Error("24: internal mail got the GroupwareLock")
	}
	if a := one(""); a.Subject != "Kurze Frage" {
		t.Errorf("12 (no Message-ID): subject %q", a.Subject)
	}
	if l := byID["dup-0815@kunde-mueller.example"]; len(l) != 2 || l[0].Subject == l[1].Subject {
		t.Errorf("13/14 (same Message-ID, different content): %d activities", len(l))
	}
	rel, err := st.LedgerByContent(e.ctx, e.cfg.ID, "dup-0815@kunde-mueller.example", "")
	if err != nil || len(rel) != 2 || rel[1].RelatedActivityID == nil || *rel[1].RelatedActivityID != *rel[0].ActivityID {
		t.Errorf("13/14: ledger relation not recorded: %+v %v", rel, err)
	}

	// the 20 MB attachment, stored whole
	a = one("large-20971520@firma.example")
	var att *store.Document
	for i := range a.Documents {
		if a.Documents[i].Name == "export.bin" {
			att = &a.Documents[i]
		}
	}
	if att == nil || att.Size != largeSize {
		t.Fatalf("large mail: documents %+v", a.Documents)
	}
	var wantSHA string
	_, err = mailparse.Parse(bytes.NewReader(large), mailparse.Options{Attachment: func(at *mailparse.Attachment, r io.Reader) error {
		h, _, err := mailparse.ContentHash(r)
		wantSHA = h
		return err
	}})
	if err != nil || att.SHA256 != wantSHA {
		t.Errorf("large attachment hash %s, want %s (%v)", att.SHA256, wantSHA, err)
	}
	rc, err := st.OpenBlob(att.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := io.Copy(io.Discard, rc)
	rc.Close()
	if n != largeSize {
		t.Errorf("large attachment blob has %d bytes", n)
	}
}

// importLargeMail imports one mail with a 20 MB attachment and returns
// its size and the bytes the whole process allocated meanwhile.
func importLargeMail(t *testing.T, e *env) (size int, alloc uint64) {
	t.Helper()
	raw := largeMail(t, largeSize)
	e.appendRaw(raw)
	size = len(raw)
	raw = nil
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res, err := e.importOnce(false, 0)
	runtime.ReadMemStats(&after)
	if err != nil || res.Imported != 1 {
		t.Fatalf("%v %+v", err, res)
	}
	return size, after.TotalAlloc - before.TotalAlloc
}

// TestLargeMailMemoryBounded checks that importing a mail with a 20 MB
// attachment allocates less than the mail's size beyond what the server
// needs: the message is streamed to the blob store and the parser, never
// held whole.
func TestLargeMailMemoryBounded(t *testing.T) {
	if raceEnabled {
		// the in-memory server's body copy grows twice as much under -race
		t.Skip("allocation figures of the in-process server are not meaningful under the race detector; TestLargeMailMemoryDovecot measures the importer alone")
	}
	size, alloc := importLargeMail(t, newEnv(t, storetest.Open(t), mailtest.IMAPOptions{}))
	// Allocations of the whole process: the in-memory server copies the
	// message once to answer BODY[] (imapserver.ExtractBodySection); the
	// importer must add well under another copy.
	t.Logf("mail %d bytes; allocated during the import (server included): %d bytes", size, alloc)
	if alloc > uint64(size)+uint64(size)/2 {
		t.Errorf("import allocated %d bytes for a %d byte mail: it is not streamed", alloc, size)
	}
}

// TestLargeMailMemoryDovecot measures the importer alone (Dovecot runs in
// its own processes): it must allocate a small fraction of the mail.
func TestLargeMailMemoryDovecot(t *testing.T) {
	size, alloc := importLargeMail(t, newDovecotEnv(t, storetest.Open(t), "starttls"))
	t.Logf("mail %d bytes; the importer allocated %d bytes", size, alloc)
	if alloc > uint64(size)/4 {
		t.Errorf("import allocated %d bytes for a %d byte mail: it is not streamed", alloc, size)
	}
}
