package store

import (
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/wfehq/wfe/store/blobs"
	"github.com/wfehq/wfe/store/crm"
)

// bulkSavepoint guards the multi-row inserts of a batch inside the
// CommitImport transaction.
const bulkSavepoint = "wfe_import_bulk"

// beforeBulkInsert, when set by a test, runs in the transaction right
// before the multi-row inserts (to record a key as another writer would).
var beforeBulkInsert func(tx *gorm.DB)

// commitBulk commits the items of a batch with one multi-row insert per
// table (activities, contact and partner links, documents, ledger rows),
// with the same outcomes commitItem gives item by item. It returns ok=false
// and leaves the transaction and b as it found them when the batch needs
// the per-item path: an item that is invalid, a ledger key another writer
// recorded after the prefetch, or any database error (the per-item path
// then names the item). An error means the transaction must not go on.
func (s *Store) commitBulk(tx *gorm.DB, b *batchState, items []ImportItem) ([]ImportItemResult, bool, error) {
	results := make([]ImportItemResult, len(items))
	// IDs known only after the inserts: result index -> where to read them.
	actID := map[int]*int64{}
	relID := map[int]*int64{}
	keys := map[LedgerKey]*LedgerEntry{}
	content := map[[2]string]*int64{}
	messageID := map[[2]string]*int64{}
	var imported []ImportItem
	var entries []*LedgerEntry
	for i, it := range items {
		results[i].Key = it.Key
		cfg := it.Key.MailConfigID
		prev, ok := b.keys[it.Key]
		if !ok {
			prev, ok = keys[it.Key]
		}
		if ok {
			results[i].Outcome, results[i].DuplicateReason = OutcomeDuplicate, "ledger key"
			actID[i] = prev.ActivityID
			continue
		}
		if it.Activity != nil && it.ContentSHA256 != "" {
			if id, ok := b.content[cfgKey(cfg, it.ContentSHA256)]; ok {
				results[i].Outcome, results[i].DuplicateReason, results[i].ActivityID = OutcomeDuplicate, "content", id
				continue
			}
			if p, ok := content[cfgKey(cfg, it.ContentSHA256)]; ok {
				results[i].Outcome, results[i].DuplicateReason = OutcomeDuplicate, "content"
				actID[i] = p
				continue
			}
		}
		e := it.Key.entry()
		e.MessageID, e.ContentSHA256, e.RawBlob = it.MessageID, it.ContentSHA256, it.RawBlob
		e.CreatedAt = s.now()
		keys[it.Key] = &e
		entries = append(entries, &e)
		if it.Activity == nil {
			e.Outcome, e.Error = OutcomeQuarantined, it.QuarantineError
			results[i].Outcome = OutcomeQuarantined
			continue
		}
		a := it.Activity
		if a.Type == "" {
			return nil, false, nil
		}
		for _, d := range it.Documents {
			if !blobs.ValidSHA(d.SHA256) {
				return nil, false, nil
			}
		}
		imported = append(imported, it)
		e.Outcome, e.ActivityID = OutcomeImported, &a.ID
		results[i].Outcome = OutcomeImported
		actID[i] = &a.ID
		if it.MessageID != "" {
			mk := cfgKey(cfg, it.MessageID)
			if rel, ok := b.messageID[mk]; ok {
				e.RelatedActivityID = &rel
				relID[i] = &rel
			} else if p, ok := messageID[mk]; ok {
				e.RelatedActivityID = p
				relID[i] = p
			} else {
				messageID[mk] = &a.ID
			}
		}
		if it.ContentSHA256 != "" {
			content[cfgKey(cfg, it.ContentSHA256)] = &a.ID
		}
	}
	if beforeBulkInsert != nil {
		beforeBulkInsert(tx)
	}
	if tx.SavePoint(bulkSavepoint).Error != nil {
		return nil, false, nil
	}
	if !insertBulk(tx, imported, entries) {
		if err := tx.RollbackTo(bulkSavepoint).Error; err != nil {
			// rows of the failed attempt might remain: fail the batch
			return nil, false, fmt.Errorf("import batch: undo multi-row insert: %w", err)
		}
		return nil, false, nil
	}
	for i, p := range actID {
		if p != nil {
			results[i].ActivityID = *p
		}
	}
	for i, p := range relID {
		results[i].RelatedActivityID = *p
	}
	return results, true, nil
}

// insertBulk inserts the activities of the imported items with their
// links and documents, then the ledger rows; false when an insert failed or
// a ledger row was not inserted because its key is already recorded.
func insertBulk(tx *gorm.DB, imported []ImportItem, entries []*LedgerEntry) bool {
	acts := make([]*Activity, len(imported))
	docs := make([][]*Document, len(imported))
	for i, it := range imported {
		acts[i], docs[i] = it.Activity, it.Documents
	}
	if crm.InsertActivities(tx, acts, docs) != nil {
		return false
	}
	if len(entries) == 0 {
		return true
	}
	res := tx.Clauses(clause.OnConflict{DoNothing: true}).Omit("id").CreateInBatches(entries, rowsPerInsert(tx, &LedgerEntry{}, insertChunk))
	return res.Error == nil && res.RowsAffected == int64(len(entries))
}
