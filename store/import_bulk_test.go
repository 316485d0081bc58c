package store_test

import (
	"fmt"
	"testing"

	"gorm.io/gorm"

	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/storetest"
)

// One batch with every outcome CommitImport knows, decided among the items
// of the batch itself: the multi-row inserts must give what item-by-item
// commits give.
func TestCommitImportBatchOutcomes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := crmFixture(t, s)
		a := mailItem(t, s, f, 1, "<m@x>", "mail one")
		b := mailItem(t, s, f, 2, "<m@x>", "mail two, same Message-ID")
		sameContent := mailItem(t, s, f, 3, "<c@x>", "mail one")
		sameKey := mailItem(t, s, f, 1, "<k@x>", "mail one under its key again")
		quarantine := store.ImportItem{Key: store.LedgerKey{MailConfigID: f.cfg.ID, Mailbox: "INBOX", UIDValidity: 1, UID: 4},
			ContentSHA256: a.RawBlob, RawBlob: a.RawBlob, QuarantineError: "unreadable"}
		twoDocs := mailItem(t, s, f, 5, "<d@x>", "mail with two documents")
		twoDocs.Activity.ContactIDs = []int64{f.kunde.Contact.ID, f.supplier.Contact.ID, f.kunde.Contact.ID}
		twoDocs.Activity.PartnerIDs = []int64{f.kunde.Partner.ID, f.supplier.Partner.ID}
		twoDocs.Documents = append(twoDocs.Documents, &store.Document{Name: "b.pdf", ContentType: "application/pdf", Size: 3, SHA256: a.RawBlob})
		res, err := s.CommitImport(ctx, []store.ImportItem{a, b, sameContent, sameKey, quarantine, quarantine, twoDocs})
		if err != nil {
			t.Fatal(err)
		}
		idA, idB, idD := res[0].ActivityID, res[1].ActivityID, res[6].ActivityID
		want := []store.ImportItemResult{
			{Key: a.Key, Outcome: store.OutcomeImported, ActivityID: idA},
			{Key: b.Key, Outcome: store.OutcomeImported, ActivityID: idB, RelatedActivityID: idA},
			{Key: sameContent.Key, Outcome: store.OutcomeDuplicate, ActivityID: idA, DuplicateReason: "content"},
			{Key: sameKey.Key, Outcome: store.OutcomeDuplicate, ActivityID: idA, DuplicateReason: "ledger key"},
			{Key: quarantine.Key, Outcome: store.OutcomeQuarantined},
			{Key: quarantine.Key, Outcome: store.OutcomeDuplicate, DuplicateReason: "ledger key"},
			{Key: twoDocs.Key, Outcome: store.OutcomeImported, ActivityID: idD},
		}
		if idA == 0 || idB == 0 || idD == 0 || idA == idB || idB == idD || idA == idD {
			t.Fatalf("activity ids %d %d %d", idA, idB, idD)
		}
		for i := range want {
			if res[i] != want[i] {
				t.Fatalf("item %d: %+v, want %+v", i, res[i], want[i])
			}
		}
		rowB, err := s.LedgerByKey(ctx, b.Key)
		if err != nil || rowB.ActivityID == nil || *rowB.ActivityID != idB || rowB.RelatedActivityID == nil || *rowB.RelatedActivityID != idA {
			t.Fatalf("ledger row of the reused Message-ID: %+v %v", rowB, err)
		}
		rowQ, err := s.LedgerByKey(ctx, quarantine.Key)
		if err != nil || rowQ.ActivityID != nil || rowQ.Outcome != store.OutcomeQuarantined || rowQ.Error != "unreadable" {
			t.Fatalf("quarantine row: %+v %v", rowQ, err)
		}
		if rows, err := s.LedgerByContent(ctx, f.cfg.ID, "", a.ContentSHA256); err != nil || len(rows) != 2 {
			t.Fatalf("ledger rows with the content of mail one: %d %v, want the import and the quarantine", len(rows), err)
		}
		d, err := s.GetActivity(ctx, idD)
		if err != nil || len(d.Contacts) != 2 || len(d.Documents) != 2 {
			t.Fatalf("activity with two contacts and documents: %+v %v", d, err)
		}
		for _, doc := range d.Documents {
			if doc.ActivityID != idD || doc.BlobKey != doc.SHA256 {
				t.Fatalf("document %+v", doc)
			}
		}
		if list, err := s.ListActivities(ctx, store.ActivityFilter{}); err != nil || len(list) != 3 {
			t.Fatalf("%d activities, want 3 (%v)", len(list), err)
		}
	})
}

// recordKey records key in the ledger through tx, as quarantined with
// reason.
func recordKey(t *testing.T, tx *gorm.DB, key store.LedgerKey, reason string) {
	e := store.LedgerEntry{MailConfigID: key.MailConfigID, Mailbox: key.Mailbox, UIDValidity: int64(key.UIDValidity),
		UID: int64(key.UID), Outcome: store.OutcomeQuarantined, Error: reason}
	if err := tx.Omit("id").Create(&e).Error; err != nil {
		t.Errorf("recording the key: %v", err)
	}
}

// commitRaced commits a batch of n mails whose second one's key is
// raced (set before the commit).
func commitRaced(t *testing.T, s *store.Store, raced *store.LedgerKey, n int) ([]store.ImportItem, []store.ImportItemResult) {
	f := crmFixture(t, s)
	var items []store.ImportItem
	for i := 1; i <= n; i++ {
		items = append(items, mailItem(t, s, f, uint32(i), fmt.Sprintf("<%d@x>", i), fmt.Sprintf("mail %d", i)))
	}
	*raced = items[1].Key
	res, err := s.CommitImport(ctx, items)
	if err != nil {
		t.Fatal(err)
	}
	return items, res
}

// A key another writer records after the prefetch: the batch commits item
// by item, that item is a duplicate without an activity of its own, the
// others are imported once. Only on PostgreSQL can another writer come in
// between; a SQLite transaction holds the file's write lock from BEGIN.
func TestCommitImportKeyRecordedAfterPrefetch(t *testing.T) {
	var raced store.LedgerKey // the key the hook records, set before each commit
	recordRaced := store.WithBeforeBulkInsert(func(tx *gorm.DB) {
		if raced == (store.LedgerKey{}) {
			return
		}
		recordKey(t, tx, raced, "recorded by another writer")
	})
	s := storetest.OpenPostgres(t, recordRaced)
	items, res := commitRaced(t, s, &raced, 3)
	if res[0].Outcome != store.OutcomeImported || res[2].Outcome != store.OutcomeImported ||
		res[1].Outcome != store.OutcomeDuplicate || res[1].DuplicateReason != "ledger key" || res[1].ActivityID != 0 {
		t.Fatalf("results %+v", res)
	}
	list, err := s.ListActivities(ctx, store.ActivityFilter{})
	if err != nil || len(list) != 2 {
		t.Fatalf("%d activities, want 2 (%v)", len(list), err)
	}
	for _, it := range []store.ImportItem{items[0], items[2]} {
		row, err := s.LedgerByKey(ctx, it.Key)
		if err != nil || row.Outcome != store.OutcomeImported || row.ActivityID == nil {
			t.Fatalf("ledger row %s: %+v %v", it.Key, row, err)
		}
	}
	row, err := s.LedgerByKey(ctx, raced)
	if err != nil || row.Error != "recorded by another writer" {
		t.Fatalf("raced ledger row: %+v %v", row, err)
	}
}

// On SQLite the multi-row inserts go without a savepoint: when they fail
// (here: a row the hook writes into the transaction makes a ledger insert
// come short), the transaction is rolled back, the hook's row with it,
// and the batch is committed again item by item, each mail once.
func TestCommitImportBulkFailureRetriedItemByItem(t *testing.T) {
	var raced store.LedgerKey
	hooked := 0
	spoil := store.WithBeforeBulkInsert(func(tx *gorm.DB) {
		hooked++
		recordKey(t, tx, raced, "written inside the transaction")
	})
	s := storetest.Open(t, spoil)
	_, res := commitRaced(t, s, &raced, 2)
	if hooked != 1 {
		t.Fatalf("the multi-row path ran %d times, want 1", hooked)
	}
	for i, r := range res {
		if r.Outcome != store.OutcomeImported || r.ActivityID == 0 {
			t.Fatalf("item %d: %+v, want imported", i, r)
		}
	}
	list, err := s.ListActivities(ctx, store.ActivityFilter{})
	if err != nil || len(list) != 2 {
		t.Fatalf("%d activities, want 2 (%v)", len(list), err)
	}
	row, err := s.LedgerByKey(ctx, raced)
	if err != nil || row.Outcome != store.OutcomeImported || row.Error != "" {
		t.Fatalf("ledger row of the second mail: %+v %v (the rolled-back row must be gone)", row, err)
	}
}

// A batch larger than one INSERT statement takes (SQLite splits the rows
// by their bound parameters): every activity gets its own id, its own
// document and ledger row, in item order.
func TestCommitImportManyStatements(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		f := crmFixture(t, s)
		const n = 150
		items := make([]store.ImportItem, n)
		for i := range items {
			items[i] = mailItem(t, s, f, uint32(i+1), fmt.Sprintf("<many-%d@x>", i), fmt.Sprintf("mail %d", i))
		}
		res, err := s.CommitImport(ctx, items)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[int64]bool{}
		for i, r := range res {
			if r.Outcome != store.OutcomeImported || r.ActivityID == 0 || seen[r.ActivityID] {
				t.Fatalf("item %d: %+v", i, r)
			}
			seen[r.ActivityID] = true
			a, err := s.GetActivity(ctx, r.ActivityID)
			if err != nil {
				t.Fatal(err)
			}
			if a.GlobalID != items[i].MessageID || len(a.Documents) != 1 || a.Documents[0].SHA256 != items[i].ContentSHA256 {
				t.Fatalf("item %d: activity %d has global id %q and documents %+v", i, r.ActivityID, a.GlobalID, a.Documents)
			}
			row, err := s.LedgerByKey(ctx, items[i].Key)
			if err != nil || row.ActivityID == nil || *row.ActivityID != r.ActivityID {
				t.Fatalf("item %d: ledger row %+v %v", i, row, err)
			}
		}
	})
}
