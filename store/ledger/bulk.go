package ledger

import (
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/wfehq/wfe/store/blobs"
	"github.com/wfehq/wfe/store/crm"
	"github.com/wfehq/wfe/store/internal/sqldb"
)

// bulkSavepoint guards the multi-row inserts of a batch inside the
// CommitImport transaction.
const bulkSavepoint = "wfe_import_bulk"

// errBulkRetry: the multi-row inserts failed without a savepoint to undo
// them; the transaction must be rolled back and the batch committed item
// by item.
var errBulkRetry = errors.New("import batch: multi-row insert failed, retried item by item")

// bulkPlan is what commitBulk decided before it inserts: the results, the
// rows to insert, and where the IDs known only after the inserts go.
type bulkPlan struct {
	b        *batchState
	now      time.Time
	results  []ImportItemResult
	actID    map[int]*int64 // result index -> activity ID, read after the inserts
	relID    map[int]*int64 // result index -> related activity ID
	keys     map[LedgerKey]*LedgerEntry
	content  map[[2]string]*int64
	msgID    map[[2]string]*int64
	imported []ImportItem
	entries  []*LedgerEntry
}

// commitBulk commits the items of a batch with one multi-row insert per
// table (activities, contact and partner links, documents, ledger rows),
// with the same outcomes commitItem gives item by item. It returns ok=false
// and leaves the transaction and b as it found them when the batch needs
// the per-item path: an item that is invalid, a ledger key another writer
// recorded after the prefetch, or any database error (the per-item path
// then names the item). An error means the transaction must not go on.
func (s *Repo) commitBulk(tx *gorm.DB, b *batchState, items []ImportItem) ([]ImportItemResult, bool, error) {
	p := &bulkPlan{b: b, now: s.db.Now(), results: make([]ImportItemResult, len(items)),
		actID: map[int]*int64{}, relID: map[int]*int64{}, keys: map[LedgerKey]*LedgerEntry{},
		content: map[[2]string]*int64{}, msgID: map[[2]string]*int64{}}
	for i, it := range items {
		if !p.add(i, it) {
			return nil, false, nil
		}
	}
	if s.beforeBulkInsert != nil {
		s.beforeBulkInsert(tx)
	}
	// A SQLite transaction holds the file's write lock from its BEGIN
	// (IMMEDIATE): no other writer records a key between the prefetch and
	// the inserts. There the inserts go without a savepoint, which would
	// copy every page they change into SQLite's sub-journal first (a
	// third of SQLite's writes and a tenth of an import's CPU at 50,000
	// mails); should they fail even so, the transaction is rolled back
	// and the batch committed again item by item (errBulkRetry).
	savepoint := s.db.Dialect != sqldb.SQLite
	if savepoint && tx.SavePoint(bulkSavepoint).Error != nil {
		return nil, false, nil
	}
	if !insertBulk(tx, p.imported, p.entries) {
		if !savepoint {
			return nil, false, errBulkRetry
		}
		if err := tx.RollbackTo(bulkSavepoint).Error; err != nil {
			// rows of the failed attempt might remain: fail the batch
			return nil, false, fmt.Errorf("import batch: undo multi-row insert: %w", err)
		}
		return nil, false, nil
	}
	for i, id := range p.actID {
		if id != nil {
			p.results[i].ActivityID = *id
		}
	}
	for i, id := range p.relID {
		p.results[i].RelatedActivityID = *id
	}
	return p.results, true, nil
}

// add decides the outcome of item i; false when the batch needs the
// per-item path (an activity without type, a document without a valid
// SHA-256).
func (p *bulkPlan) add(i int, it ImportItem) bool {
	r := &p.results[i]
	r.Key = it.Key
	if p.duplicate(i, it) {
		return true
	}
	e := it.Key.entry()
	e.MessageID, e.ContentSHA256, e.RawBlob = it.MessageID, it.ContentSHA256, it.RawBlob
	e.CreatedAt = p.now
	p.keys[it.Key] = &e
	p.entries = append(p.entries, &e)
	if it.Activity == nil {
		e.Outcome, e.Error = OutcomeQuarantined, it.QuarantineError
		r.Outcome = OutcomeQuarantined
		return true
	}
	a := it.Activity
	if a.Type == "" {
		return false
	}
	for _, d := range it.Documents {
		if !blobs.ValidSHA(d.SHA256) {
			return false
		}
	}
	p.imported = append(p.imported, it)
	e.Outcome, e.ActivityID = OutcomeImported, &a.ID
	r.Outcome = OutcomeImported
	p.actID[i] = &a.ID
	cfg := it.Key.MailConfigID
	if it.MessageID != "" {
		mk := cfgKey(cfg, it.MessageID)
		if rel, ok := p.b.messageID[mk]; ok {
			e.RelatedActivityID = &rel
			p.relID[i] = &rel
		} else if prev, ok := p.msgID[mk]; ok {
			e.RelatedActivityID = prev
			p.relID[i] = prev
		} else {
			p.msgID[mk] = &a.ID
		}
	}
	if it.ContentSHA256 != "" {
		p.content[cfgKey(cfg, it.ContentSHA256)] = &a.ID
	}
	return true
}

// duplicate marks item i a duplicate when its ledger key is recorded (in
// the database or earlier in the batch) or its content was imported from
// the same mail configuration.
func (p *bulkPlan) duplicate(i int, it ImportItem) bool {
	r := &p.results[i]
	prev, ok := p.b.keys[it.Key]
	if !ok {
		prev, ok = p.keys[it.Key]
	}
	if ok {
		r.Outcome, r.DuplicateReason = OutcomeDuplicate, "ledger key"
		p.actID[i] = prev.ActivityID
		return true
	}
	if it.Activity == nil || it.ContentSHA256 == "" {
		return false
	}
	ck := cfgKey(it.Key.MailConfigID, it.ContentSHA256)
	if id, ok := p.b.content[ck]; ok {
		r.Outcome, r.DuplicateReason, r.ActivityID = OutcomeDuplicate, "content", id
		return true
	}
	if id, ok := p.content[ck]; ok {
		r.Outcome, r.DuplicateReason = OutcomeDuplicate, "content"
		p.actID[i] = id
		return true
	}
	return false
}

// insertBulk inserts the activities of the imported items with their
// links and documents, then the ledger rows; false when an insert failed or
// a ledger row was not inserted because its key is already recorded.
func insertBulk(tx *gorm.DB, imported []ImportItem, entries []*LedgerEntry) bool {
	acts := make([]*crm.Activity, len(imported))
	docs := make([][]*crm.Document, len(imported))
	for i, it := range imported {
		acts[i], docs[i] = it.Activity, it.Documents
	}
	if crm.InsertActivities(tx, acts, docs) != nil {
		return false
	}
	if len(entries) == 0 {
		return true
	}
	n, err := sqldb.InsertRows(tx, entries, true)
	return err == nil && n == int64(len(entries))
}
