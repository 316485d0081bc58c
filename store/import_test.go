package store_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/storetest"
)

func TestPutBlobDurableBeforeCommit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		content := strings.Repeat("Anhang-Inhalt ", 100000) // 1.4 MB
		sum := sha256.Sum256([]byte(content))
		want := hex.EncodeToString(sum[:])
		sha, size, err := s.PutBlob(ctx, strings.NewReader(content))
		if err != nil {
			t.Fatal(err)
		}
		if sha != want || size != int64(len(content)) {
			t.Fatalf("PutBlob = %s %d, want %s %d", sha, size, want, len(content))
		}
		// readable with the right content, through the recorded index,
		// before any row refers to it
		rc, err := s.OpenBlob(sha)
		if err != nil {
			t.Fatalf("blob not findable before commit: %v", err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		got := sha256.Sum256(b)
		if hex.EncodeToString(got[:]) != want {
			t.Fatal("blob content has the wrong SHA-256")
		}
		// same content again: same address, no error
		if sha2, _, err := s.PutBlob(ctx, strings.NewReader(content)); err != nil || sha2 != sha {
			t.Fatalf("second PutBlob: %s %v", sha2, err)
		}
		r, err := s.OpenBlob(sha)
		if err != nil {
			t.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, r)
		r.Close()
		if n != size {
			t.Fatalf("OpenBlob read %d bytes", n)
		}
		if _, err := s.OpenBlob(strings.Repeat("0", 64)); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing blob: %v", err)
		}
	})
}

type fixture struct {
	cfg      *store.MailConfig
	kunde    store.ContactMatch
	supplier store.ContactMatch
}

func crmFixture(t *testing.T, s *store.Store) fixture {
	t.Helper()
	cfg := &store.MailConfig{MatchCode: "123", UserName: "info@firma.de", Password: secretPW}
	if err := s.CreateMailConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	res, err := s.ImportContactsCSV(ctx, strings.NewReader(
		"partner,partner_roles,partner_fax,first_name,last_name,email,fax\n"+
			"Muster GmbH,Kunde,+49301,Max,Muster,max@muster.de,\n"+
			"Muster Einkauf GmbH,Lieferant,,Max,Muster,MAX@muster.de,+49302\n"))
	if err != nil || len(res.Rejected) != 0 {
		t.Fatalf("contacts: %+v %v", res, err)
	}
	ms, err := s.ContactsByEmail(ctx, "max@muster.de")
	if err != nil || len(ms) != 2 {
		t.Fatalf("contacts by e-mail: %+v %v", ms, err)
	}
	return fixture{cfg: cfg, kunde: ms[0], supplier: ms[1]}
}

func mailItem(t *testing.T, s *store.Store, f fixture, uid uint32, msgID, body string) store.ImportItem {
	t.Helper()
	sha, size, err := s.PutBlob(ctx, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	return store.ImportItem{
		Key:           store.LedgerKey{MailConfigID: f.cfg.ID, Mailbox: "INBOX", UIDValidity: 1, UID: uid},
		MessageID:     msgID,
		ContentSHA256: sha,
		RawBlob:       sha,
		Activity: &store.Activity{Type: store.TypeMailIn, Status: store.StatusOpen, Subject: "Mail " + msgID, Sender: "max@muster.de",
			GlobalID: msgID, StartDate: &start, MailConfigID: &f.cfg.ID, ImportFolder: "CRM/Aktivitäten",
			ContactIDs: []int64{f.kunde.Contact.ID}, PartnerIDs: []int64{f.kunde.Partner.ID},
			MatchExplanation: store.StringList{"From max@muster.de matches contact Max Muster (Muster GmbH)"}},
		Documents: []*store.Document{{Name: "raw.eml", ContentType: "message/rfc822", Size: size, SHA256: sha}},
	}
}

func TestCommitImportBatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := crmFixture(t, s)
		sha, _, err := s.PutBlob(ctx, strings.NewReader("garbage\r\n"))
		if err != nil {
			t.Fatal(err)
		}
		batch := []store.ImportItem{
			mailItem(t, s, f, 1, "<a@x>", "mail one"),
			mailItem(t, s, f, 2, "<b@x>", "mail two"),
			{Key: store.LedgerKey{MailConfigID: f.cfg.ID, Mailbox: "INBOX", UIDValidity: 1, UID: 3},
				ContentSHA256: sha, RawBlob: sha, QuarantineError: "header: malformed MIME header line"},
		}
		res, err := s.CommitImport(ctx, batch)
		if err != nil {
			t.Fatal(err)
		}
		outcomes := []string{res[0].Outcome, res[1].Outcome, res[2].Outcome}
		if strings.Join(outcomes, ",") != "imported,imported,quarantined" {
			t.Fatalf("outcomes %v", outcomes)
		}
		a, err := s.GetActivity(ctx, res[0].ActivityID)
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Contacts) != 1 || a.Contacts[0].Contact.Email != "max@muster.de" || len(a.Documents) != 1 || len(a.MatchExplanation) != 1 {
			t.Fatalf("activity detail: %+v", a)
		}
		q, err := s.LedgerByKey(ctx, batch[2].Key)
		if err != nil || q.Outcome != store.OutcomeQuarantined || q.RawBlob != sha || !strings.Contains(q.Error, "malformed") {
			t.Fatalf("quarantine row: %+v %v", q, err)
		}
		// a crash between commit and MOVE: the same batch again is all duplicates
		again := []store.ImportItem{mailItem(t, s, f, 1, "<a@x>", "mail one"), mailItem(t, s, f, 2, "<b@x>", "mail two")}
		res2, err := s.CommitImport(ctx, again)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range res2 {
			if r.Outcome != store.OutcomeDuplicate || r.ActivityID != res[i].ActivityID {
				t.Fatalf("re-commit item %d: %+v", i, r)
			}
		}
		// the same content under a new UID (moved back to the inbox): duplicate by content
		moved := mailItem(t, s, f, 10, "<a@x>", "mail one")
		res3, err := s.CommitImport(ctx, []store.ImportItem{moved})
		if err != nil || res3[0].Outcome != store.OutcomeDuplicate || res3[0].DuplicateReason != "content" {
			t.Fatalf("moved-back mail: %+v %v", res3, err)
		}
		// same Message-ID, different content: imported, relation recorded
		other := mailItem(t, s, f, 11, "<a@x>", "a different mail with a reused Message-ID")
		res4, err := s.CommitImport(ctx, []store.ImportItem{other})
		if err != nil || res4[0].Outcome != store.OutcomeImported || res4[0].RelatedActivityID != res[0].ActivityID {
			t.Fatalf("reused Message-ID: %+v %v", res4, err)
		}
		list, err := s.ListActivities(ctx, store.ActivityFilter{GlobalID: "<a@x>"})
		if err != nil || len(list) != 2 {
			t.Fatalf("activities with <a@x>: %d %v", len(list), err)
		}
		if list[0].DocumentCount != 1 || len(list[0].ContactEmails) != 1 {
			t.Fatalf("summary: %+v", list[0])
		}
		byFolder, err := s.ListActivities(ctx, store.ActivityFilter{ImportFolder: "crm/AKTIVITÄTEN"})
		if err != nil || len(byFolder) != 3 {
			t.Fatalf("by import folder (case-insensitive): %d %v", len(byFolder), err)
		}
		seen, err := s.LedgerKeys(ctx, f.cfg.ID, "INBOX", 1, []uint32{1, 2, 3, 4, 10, 11, 99})
		if err != nil || len(seen) != 4 || seen[3] != store.OutcomeQuarantined {
			t.Fatalf("ledger keys: %v %v", seen, err)
		}
		// only the UIDs asked for
		if seen, err := s.LedgerKeys(ctx, f.cfg.ID, "INBOX", 1, []uint32{3, 99}); err != nil || len(seen) != 1 || seen[3] != store.OutcomeQuarantined {
			t.Fatalf("ledger keys of UIDs 3 and 99: %v %v", seen, err)
		}
	})
}

func TestCommitImportRollsBackWholeBatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := crmFixture(t, s)
		good := mailItem(t, s, f, 1, "<a@x>", "mail one")
		bad := mailItem(t, s, f, 2, "<b@x>", "mail two")
		bad.Activity.ContactIDs = []int64{987654} // no such contact
		if _, err := s.CommitImport(ctx, []store.ImportItem{good, bad}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("batch with a broken item: %v", err)
		}
		if _, err := s.LedgerByKey(ctx, good.Key); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("ledger row of the good item survived the rollback: %v", err)
		}
		list, _ := s.ListActivities(ctx, store.ActivityFilter{})
		if len(list) != 0 {
			t.Fatalf("%d activities after rollback", len(list))
		}
	})
}

func TestExtendedSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := crmFixture(t, s)
		err := s.SaveExtendedSearch(ctx, &store.ExtendedSearch{PK: "bad", Entity: "contact", Expr: `"Lieferant" in partner.rollen`})
		if !errors.Is(err, store.ErrInvalid) || !strings.Contains(err.Error(), "column") {
			t.Fatalf("compile error: %v", err)
		}
		if err := s.SaveExtendedSearch(ctx, &store.ExtendedSearch{PK: "num", Expr: `contact.email + 1`}); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("type error: %v", err)
		}
		if _, err := s.GetExtendedSearch(ctx, "bad"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a refused search was stored: %v", err)
		}
		pk := "31m47d216nrsh550ExtendedSearch"
		if err := s.SaveExtendedSearch(ctx, &store.ExtendedSearch{PK: pk, Entity: "contact", Expr: `"Lieferant" in partner.roles`}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			m    store.ContactMatch
			want bool
		}{{f.kunde, false}, {f.supplier, true}} {
			got, err := s.MatchContact(ctx, pk, c.m)
			if err != nil || got != c.want {
				t.Errorf("match %s (%v): %v %v, want %v", c.m.Partner.Name, c.m.Partner.Roles, got, err, c.want)
			}
		}
		// replacing the expression takes effect
		if err := s.SaveExtendedSearch(ctx, &store.ExtendedSearch{PK: pk, Expr: `"Kunde" in partner.roles && contact.first_name == "Max"`}); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.MatchContact(ctx, pk, f.kunde); !got {
			t.Error("replaced expression not used")
		}
		if _, err := s.MatchContact(ctx, "unknown", f.kunde); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown pk: %v", err)
		}
	})
}

func TestContactsCSV(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		csv := "partner;partner_roles;partner_fax;first_name;last_name;email;fax\n" +
			"ACME AG;Kunde;Lieferant;+4930;Erika;Muster;erika@acme.de;\n" + // 8 fields: rejected
			"ACME AG;Kunde; Lieferant;+4930;Erika;Muster;erika@acme.de;\n" + // also 8 fields
			"ACME AG;\"Kunde;Lieferant\";+4930;Erika;Muster;erika@acme.de;+4931\n" +
			";Kunde;;Hans;Ohne;hans@x.de;\n" + // no partner
			"ACME AG;;;Jo;Falsch;not-an-address;\n" + // bad e-mail
			"acme ag;Interessent;;Paul;Neu;paul@acme.de;\n" +
			"ACME AG;;;Erika;Doppelt;ERIKA@acme.de;\n" // already there: new last name
		res, err := s.ImportContactsCSV(ctx, strings.NewReader(csv))
		if err != nil {
			t.Fatal(err)
		}
		if res.Created != 2 || res.Updated != 1 || res.Unchanged != 0 || res.Partners != 1 {
			t.Fatalf("created %d, updated %d, unchanged %d contacts, %d partners; want 2, 1, 0, 1 (%+v)",
				res.Created, res.Updated, res.Unchanged, res.Partners, res.Rejected)
		}
		lines := []int{}
		for _, r := range res.Rejected {
			lines = append(lines, r.Line)
		}
		if !slices.Equal(lines, []int{2, 3, 5, 6}) {
			t.Fatalf("rejected lines %v (%+v)", lines, res.Rejected)
		}
		p, err := s.PartnerByName(ctx, "Acme AG")
		if err != nil {
			t.Fatal(err)
		}
		if !p.Roles.Has("Kunde") || !p.Roles.Has("Lieferant") || !p.Roles.Has("Interessent") || p.Fax != "+4930" {
			t.Fatalf("roles %v", p.Roles)
		}
		_, err = s.ImportContactsCSV(ctx, strings.NewReader("name,mail\nx,y\n"))
		if !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("wrong header: %v", err)
		}
	})
}

// The contacts import is an upsert keyed by e-mail per partner: the same
// file again changes nothing, a changed row updates its contact (an empty
// cell keeps the stored value), a bad row is rejected with its line.
func TestContactsCSVUpsert(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		file := "partner,partner_roles,partner_fax,first_name,last_name,email,fax\n" +
			"ACME AG,Kunde,+4930,Erika,Muster,erika@acme.de,+4931\n" +
			"ACME AG,Kunde,,Paul,Neu,paul@acme.de,\n" +
			"Beta GmbH,Lieferant,,Ohne,Mail,,\n"
		first, err := s.ImportContactsCSV(ctx, strings.NewReader(file))
		if err != nil || first.Created != 3 || first.Updated+first.Unchanged+len(first.Rejected) != 0 {
			t.Fatalf("first import: %+v %v", first, err)
		}
		before, err := s.ListContacts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		again, err := s.ImportContactsCSV(ctx, strings.NewReader(file))
		if err != nil || again.Unchanged != 3 || again.Created+again.Updated+again.Partners+len(again.Rejected) != 0 {
			t.Fatalf("same file again: %+v %v", again, err)
		}
		after, err := s.ListContacts(ctx)
		if err != nil || !reflect.DeepEqual(before, after) {
			t.Fatalf("the same file changed the contacts:\n%+v\n%+v (%v)", before, after, err)
		}
		changed := "partner,first_name,last_name,email,fax\n" +
			"acme ag,Erika,Muster-Neu,ERIKA@acme.de,\n" + // new last name, empty fax kept
			"ACME AG,Paul,Neu,paul@acme.de,\n" +
			"ACME AG,Jo,Falsch,not-an-address,\n"
		res, err := s.ImportContactsCSV(ctx, strings.NewReader(changed))
		if err != nil || res.Updated != 1 || res.Unchanged != 1 || res.Created != 0 ||
			len(res.Rejected) != 1 || res.Rejected[0].Line != 4 || !strings.Contains(res.Rejected[0].Reason, "not-an-address") {
			t.Fatalf("changed file: %+v %v", res, err)
		}
		ms, err := s.ContactsByEmail(ctx, "erika@acme.de")
		if err != nil || len(ms) != 1 || ms[0].Contact.LastName != "Muster-Neu" || ms[0].Contact.Fax != "+4931" {
			t.Fatalf("updated contact: %+v %v", ms, err)
		}
	})
}

func TestCommitImportConcurrentBatches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := crmFixture(t, s)
		mk := func() []store.ImportItem {
			var items []store.ImportItem
			for uid := uint32(1); uid <= 20; uid++ {
				items = append(items, mailItem(t, s, f, uid, fmt.Sprintf("<%d@x>", uid), fmt.Sprintf("mail %d", uid)))
			}
			return items
		}
		batches := [][]store.ImportItem{mk(), mk()}
		results := make([][]store.ImportItemResult, 2)
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i := range batches {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i], errs[i] = s.CommitImport(ctx, batches[i])
			}()
		}
		wg.Wait()
		for i := range errs {
			if errs[i] != nil {
				t.Fatalf("batch %d: %v", i, errs[i])
			}
		}
		for j := range 20 {
			a, b := results[0][j], results[1][j]
			imported := 0
			for _, r := range []store.ImportItemResult{a, b} {
				if r.Outcome == store.OutcomeImported {
					imported++
				}
			}
			if imported != 1 || a.ActivityID != b.ActivityID {
				t.Fatalf("item %d: %+v / %+v, want exactly one import and the same activity", j, a, b)
			}
		}
		list, err := s.ListActivities(ctx, store.ActivityFilter{})
		if err != nil || len(list) != 20 {
			t.Fatalf("%d activities, want 20 (%v)", len(list), err)
		}
	})
}

func TestCommitImportDuplicateWithinBatch(t *testing.T) {
	s := storetest.Open(t)
	f := crmFixture(t, s)
	a := mailItem(t, s, f, 1, "<a@x>", "same bytes")
	b := mailItem(t, s, f, 2, "<a@x>", "same bytes")
	res, err := s.CommitImport(ctx, []store.ImportItem{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Outcome != store.OutcomeImported || res[1].Outcome != store.OutcomeDuplicate || res[1].ActivityID != res[0].ActivityID {
		t.Fatalf("results %+v", res)
	}
}
