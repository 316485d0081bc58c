package ledger

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/wfehq/wfe/store/blobs"
	"github.com/wfehq/wfe/store/crm"
	"github.com/wfehq/wfe/store/internal/sqldb"
)

// Ledger outcomes.
const (
	OutcomeImported    = "imported"
	OutcomeQuarantined = "quarantined"
	OutcomeDuplicate   = "duplicate"
)

// LedgerKey identifies a message in a mailbox: (mail configuration,
// mailbox, UIDVALIDITY, UID) is unique in the ledger.
type LedgerKey struct {
	MailConfigID int64  `json:"mail_config_id"`
	Mailbox      string `json:"mailbox"`
	UIDValidity  uint32 `json:"uid_validity"`
	UID          uint32 `json:"uid"`
}

func (k LedgerKey) String() string {
	return fmt.Sprintf("mail configuration %d mailbox %q UIDVALIDITY %d UID %d", k.MailConfigID, k.Mailbox, k.UIDValidity, k.UID)
}

// LedgerEntry is one row of the import ledger: what became of a message.
type LedgerEntry struct {
	ID            int64  `gorm:"primaryKey" json:"id"`
	MailConfigID  int64  `json:"mail_config_id"`
	Mailbox       string `json:"mailbox"`
	UIDValidity   int64  `json:"uid_validity"`
	UID           int64  `gorm:"column:uid" json:"uid"`
	MessageID     string `json:"message_id"`
	ContentSHA256 string `gorm:"column:content_sha256" json:"content_sha256"`
	Outcome       string `json:"outcome"`
	Error         string `json:"error"`
	ActivityID    *int64 `json:"activity_id,omitempty"`
	// RelatedActivityID: an activity imported earlier with the same
	// Message-ID but different content (Message-IDs are not unique in the
	// wild).
	RelatedActivityID *int64 `json:"related_activity_id,omitempty"`
	// RawBlob: the raw .eml of a quarantined message (blob SHA-256).
	RawBlob   string    `json:"raw_blob,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// TableName implements gorm's tabler.
func (LedgerEntry) TableName() string { return "import_ledger" }

// Key returns the entry's ledger key.
func (e *LedgerEntry) Key() LedgerKey {
	return LedgerKey{MailConfigID: e.MailConfigID, Mailbox: e.Mailbox, UIDValidity: uint32(e.UIDValidity), UID: uint32(e.UID)}
}

func (k LedgerKey) entry() LedgerEntry {
	return LedgerEntry{MailConfigID: k.MailConfigID, Mailbox: k.Mailbox, UIDValidity: int64(k.UIDValidity), UID: int64(k.UID)}
}

func keyWhere(db *gorm.DB, k LedgerKey) *gorm.DB {
	return db.Where("mail_config_id = ? AND mailbox = ? AND uid_validity = ? AND uid = ?",
		k.MailConfigID, k.Mailbox, int64(k.UIDValidity), int64(k.UID))
}

// RecordLedger inserts one ledger row; a key that is already recorded is
// ErrConflict (exactly one of concurrent writers wins).
func (s *Repo) RecordLedger(ctx context.Context, e *LedgerEntry) error {
	if e.Outcome == "" {
		return fmt.Errorf("ledger %s: empty outcome: %w", e.Key(), sqldb.ErrInvalid)
	}
	return sqldb.Translate(s.db.WithContext(ctx).Omit("id").Create(e).Error, "ledger "+e.Key().String())
}

// LedgerByKey returns the ledger row of a message (ErrNotFound if none).
func (s *Repo) LedgerByKey(ctx context.Context, k LedgerKey) (*LedgerEntry, error) {
	var e LedgerEntry
	if err := keyWhere(s.db.WithContext(ctx), k).Take(&e).Error; err != nil {
		return nil, sqldb.Translate(err, "ledger "+k.String())
	}
	return &e, nil
}

// LedgerByContent returns the rows of a mail configuration with that
// Message-ID and content hash (either may be empty to ignore it), oldest
// first.
func (s *Repo) LedgerByContent(ctx context.Context, mailConfigID int64, messageID, contentSHA256 string) ([]LedgerEntry, error) {
	q := s.db.WithContext(ctx).Where("mail_config_id = ?", mailConfigID).Order("id")
	if messageID != "" {
		q = q.Where("message_id = ?", messageID)
	}
	if contentSHA256 != "" {
		q = q.Where("content_sha256 = ?", contentSHA256)
	}
	if messageID == "" && contentSHA256 == "" {
		return nil, fmt.Errorf("ledger lookup: give a Message-ID or a content hash: %w", sqldb.ErrInvalid)
	}
	var out []LedgerEntry
	err := q.Find(&out).Error
	return out, sqldb.Translate(err, fmt.Sprintf("ledger of mail configuration %d", mailConfigID))
}

// LedgerKeys returns which of uids are already recorded for a mailbox at
// a UIDVALIDITY, with their outcomes, so an importer can skip them before
// fetching. Only the given UIDs are looked up (the ledger of a mailbox
// grows with every import; the unseen mail does not).
func (s *Repo) LedgerKeys(ctx context.Context, mailConfigID int64, mailbox string, uidValidity uint32, uids []uint32) (map[uint32]string, error) {
	out := map[uint32]string{}
	for start := 0; start < len(uids); start += lookupChunk {
		chunk := make([]int64, 0, lookupChunk)
		for _, u := range uids[start:min(start+lookupChunk, len(uids))] {
			chunk = append(chunk, int64(u))
		}
		var rows []LedgerEntry
		err := s.db.WithContext(ctx).Select("uid, outcome").
			Where("mail_config_id = ? AND mailbox = ? AND uid_validity = ? AND uid IN ?", mailConfigID, mailbox, int64(uidValidity), chunk).
			Find(&rows).Error
		if err != nil {
			return nil, sqldb.Translate(err, fmt.Sprintf("ledger of mail configuration %d mailbox %q", mailConfigID, mailbox))
		}
		for _, r := range rows {
			out[uint32(r.UID)] = r.Outcome
		}
	}
	return out, nil
}

// ImportItem is one message of an import batch: either an activity to
// create (with its documents, whose blobs PutBlob has already made durable)
// or, when Activity is nil, a quarantine entry with QuarantineError and
// the raw message in RawBlob.
type ImportItem struct {
	Key           LedgerKey
	MessageID     string
	ContentSHA256 string
	// Activity with ContactIDs/PartnerIDs set; nil for quarantine.
	Activity  *crm.Activity
	Documents []*crm.Document
	// RawBlob: SHA-256 of the raw .eml blob (required for quarantine,
	// optional otherwise).
	RawBlob string
	// QuarantineError says why the message could not be imported.
	QuarantineError string
}

// ImportItemResult tells what became of one item.
type ImportItemResult struct {
	Key     LedgerKey `json:"key"`
	Outcome string    `json:"outcome"` // imported | quarantined | duplicate
	// ActivityID: the new activity, or for a duplicate the activity the
	// message was imported as before (0 when it was quarantined before).
	ActivityID int64 `json:"activity_id,omitempty"`
	// DuplicateReason: "ledger key" or "content" for duplicates.
	DuplicateReason string `json:"duplicate_reason,omitempty"`
	// RelatedActivityID: earlier activity with the same Message-ID but
	// different content.
	RelatedActivityID int64 `json:"related_activity_id,omitempty"`
}

// CommitImport commits a batch of messages in ONE transaction: for each
// item its ledger row and, unless it is a quarantine entry, its activity,
// links and documents. An item whose ledger key is already recorded, or
// whose content hash was already imported from the same mail
// configuration (also earlier in the same batch), is reported as a
// duplicate and changes nothing; it does not fail the batch. Any other
// error rolls the whole batch back: then no message of it may leave the
// inbox. Results are in item order.
func (s *Repo) CommitImport(ctx context.Context, items []ImportItem) ([]ImportItemResult, error) {
	return s.CommitImportBlobs(ctx, nil, items)
}

// CommitImportBlobs is CommitImport in the transaction that also records
// the blobs of bb, the blob batch holding the items' raw messages and
// documents (nil: they are recorded already): the blobs are recorded
// first, and the transaction commits once their content is on disk, so
// the disk writes it out while the rows are inserted. After an error,
// discard bb.
func (s *Repo) CommitImportBlobs(ctx context.Context, bb *blobs.BlobBatch, items []ImportItem) ([]ImportItemResult, error) {
	for i, it := range items {
		if it.Activity == nil && it.QuarantineError == "" {
			return nil, fmt.Errorf("import batch item %d (%s): neither an activity nor a quarantine error: %w", i, it.Key, sqldb.ErrInvalid)
		}
		if it.Activity == nil && !blobs.ValidSHA(it.RawBlob) {
			return nil, fmt.Errorf("import batch item %d (%s): quarantine needs the raw message blob: %w", i, it.Key, sqldb.ErrInvalid)
		}
	}
	results, err := s.commitTx(ctx, bb, items, false)
	if errors.Is(err, errBulkRetry) {
		// rolled back: the same batch item by item, in a new transaction
		results, err = s.commitTx(ctx, bb, items, true)
	}
	if err != nil {
		return nil, err
	}
	if bb != nil {
		bb.Synced()
	}
	return results, nil
}

// commitTx runs CommitImportBlobs's transaction, with the multi-row
// inserts unless perItem.
func (s *Repo) commitTx(ctx context.Context, bb *blobs.BlobBatch, items []ImportItem, perItem bool) ([]ImportItemResult, error) {
	var results []ImportItemResult
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if bb != nil {
			if err := bb.RecordIn(tx); err != nil {
				return err
			}
		}
		var err error
		if results, err = s.commitIn(tx, items, perItem); err != nil {
			return err
		}
		if bb != nil {
			return bb.SyncContent()
		}
		return nil
	})
	return results, err
}

// commitIn is CommitImport's work in tx: multi-row inserts where they
// give the same outcomes (commitBulk), else (or perItem) item by item.
func (s *Repo) commitIn(tx *gorm.DB, items []ImportItem, perItem bool) ([]ImportItemResult, error) {
	if err := s.blobs.RequireStored(tx, batchBlobs(items)); err != nil {
		return nil, fmt.Errorf("import batch: %w", err)
	}
	b, err := s.prefetchBatch(tx, items)
	if err != nil {
		return nil, err
	}
	if !perItem {
		if r, ok, err := s.commitBulk(tx, b, items); err != nil || ok {
			return r, err
		}
	}
	results := make([]ImportItemResult, 0, len(items))
	for _, it := range items {
		r, err := s.commitItem(tx, b, it)
		if err != nil {
			return nil, fmt.Errorf("import %s: %w", it.Key, err)
		}
		results = append(results, r)
	}
	return results, nil
}

// batchBlobs lists the blobs the rows of a batch refer to.
func batchBlobs(items []ImportItem) []string {
	var shas []string
	for _, it := range items {
		if it.RawBlob != "" {
			shas = append(shas, it.RawBlob)
		}
		for _, d := range it.Documents {
			shas = append(shas, d.SHA256)
		}
	}
	return shas
}

// batchState is what one CommitImport knows about earlier imports: keys
// already in the ledger, content hashes and Message-IDs already imported
// (per mail configuration), updated as the batch goes on.
type batchState struct {
	keys      map[LedgerKey]*LedgerEntry
	content   map[[2]string]int64 // (config, sha) -> activity id
	messageID map[[2]string]int64 // (config, Message-ID) -> activity id
}

func cfgKey(cfg int64, v string) [2]string { return [2]string{fmt.Sprint(cfg), v} }

// prefetchBatch loads, in a few queries for the whole batch, the ledger
// rows the items could collide with.
func (s *Repo) prefetchBatch(tx *gorm.DB, items []ImportItem) (*batchState, error) {
	b := &batchState{keys: map[LedgerKey]*LedgerEntry{}, content: map[[2]string]int64{}, messageID: map[[2]string]int64{}}
	type group struct {
		cfg     int64
		mailbox string
		uidv    uint32
	}
	uids := map[group][]int64{}
	shas := map[int64][]string{}
	mids := map[int64][]string{}
	for _, it := range items {
		g := group{it.Key.MailConfigID, it.Key.Mailbox, it.Key.UIDValidity}
		uids[g] = append(uids[g], int64(it.Key.UID))
		if it.ContentSHA256 != "" {
			shas[it.Key.MailConfigID] = append(shas[it.Key.MailConfigID], it.ContentSHA256)
		}
		if it.MessageID != "" {
			mids[it.Key.MailConfigID] = append(mids[it.Key.MailConfigID], it.MessageID)
		}
	}
	for g, list := range uids {
		var rows []LedgerEntry
		err := tx.Where("mail_config_id = ? AND mailbox = ? AND uid_validity = ? AND uid IN ?", g.cfg, g.mailbox, int64(g.uidv), list).
			Find(&rows).Error
		if err != nil {
			return nil, sqldb.Translate(err, "ledger lookup")
		}
		for i := range rows {
			b.keys[rows[i].Key()] = &rows[i]
		}
	}
	imported := func(cfg int64, column string, values []string, into map[[2]string]int64) error {
		var rows []LedgerEntry
		err := tx.Select("id, mail_config_id, message_id, content_sha256, activity_id").
			Where("mail_config_id = ? AND outcome = ? AND activity_id IS NOT NULL AND "+column+" IN ?", cfg, OutcomeImported, values).
			Order("id").Find(&rows).Error
		if err != nil {
			return sqldb.Translate(err, "ledger lookup by "+column)
		}
		for _, r := range rows {
			v := r.ContentSHA256
			if column == "message_id" {
				v = r.MessageID
			}
			if _, seen := into[cfgKey(cfg, v)]; !seen {
				into[cfgKey(cfg, v)] = *r.ActivityID
			}
		}
		return nil
	}
	for cfg, list := range shas {
		if err := imported(cfg, "content_sha256", list, b.content); err != nil {
			return nil, err
		}
	}
	for cfg, list := range mids {
		if err := imported(cfg, "message_id", list, b.messageID); err != nil {
			return nil, err
		}
	}
	return b, nil
}

func (s *Repo) commitItem(tx *gorm.DB, b *batchState, it ImportItem) (ImportItemResult, error) {
	r := ImportItemResult{Key: it.Key}
	cfg := it.Key.MailConfigID
	if prev, ok := b.keys[it.Key]; ok {
		r.Outcome, r.DuplicateReason = OutcomeDuplicate, "ledger key"
		if prev.ActivityID != nil {
			r.ActivityID = *prev.ActivityID
		}
		return r, nil
	}
	// the same content imported before from this configuration (the mail
	// was moved back, or a crash came between commit and MOVE)
	if it.Activity != nil && it.ContentSHA256 != "" {
		if id, ok := b.content[cfgKey(cfg, it.ContentSHA256)]; ok {
			r.Outcome, r.DuplicateReason, r.ActivityID = OutcomeDuplicate, "content", id
			return r, nil
		}
	}
	e := it.Key.entry()
	e.MessageID, e.ContentSHA256, e.RawBlob = it.MessageID, it.ContentSHA256, it.RawBlob
	e.CreatedAt = s.db.Now()
	if it.Activity == nil {
		e.Outcome, e.Error = OutcomeQuarantined, it.QuarantineError
	} else {
		e.Outcome = OutcomeImported
		if err := crm.InsertActivity(tx, it.Activity, it.Documents); err != nil {
			return r, err
		}
		e.ActivityID = &it.Activity.ID
		if it.MessageID != "" {
			if rel, ok := b.messageID[cfgKey(cfg, it.MessageID)]; ok {
				e.RelatedActivityID = &rel
				r.RelatedActivityID = rel
			}
		}
	}
	res := tx.Clauses(clause.OnConflict{DoNothing: true}).Omit("id").Create(&e)
	if res.Error != nil {
		return r, sqldb.Translate(res.Error, "ledger")
	}
	if res.RowsAffected == 0 {
		// another writer recorded the key after the prefetch
		if it.Activity != nil {
			if err := tx.Delete(&crm.Activity{}, it.Activity.ID).Error; err != nil {
				return r, sqldb.Translate(err, "undo activity of a duplicate")
			}
			it.Activity.ID = 0
		}
		var prev LedgerEntry
		if err := keyWhere(tx, it.Key).Take(&prev).Error; err != nil {
			return r, sqldb.Translate(err, "ledger")
		}
		b.keys[it.Key] = &prev
		r.Outcome, r.DuplicateReason, r.RelatedActivityID = OutcomeDuplicate, "ledger key", 0
		if prev.ActivityID != nil {
			r.ActivityID = *prev.ActivityID
		}
		return r, nil
	}
	b.keys[it.Key] = &e
	if it.Activity == nil {
		r.Outcome = OutcomeQuarantined
		return r, nil
	}
	if it.ContentSHA256 != "" {
		b.content[cfgKey(cfg, it.ContentSHA256)] = it.Activity.ID
	}
	if _, ok := b.messageID[cfgKey(cfg, it.MessageID)]; it.MessageID != "" && !ok {
		b.messageID[cfgKey(cfg, it.MessageID)] = it.Activity.ID
	}
	r.Outcome, r.ActivityID = OutcomeImported, it.Activity.ID
	return r, nil
}

// ListLedger returns the newest ledger rows of a mail configuration (0 =
// all configurations), newest first.
func (s *Repo) ListLedger(ctx context.Context, mailConfigID int64, outcome string, limit int) ([]LedgerEntry, error) {
	q := s.db.WithContext(ctx).Order("id DESC")
	if mailConfigID != 0 {
		q = q.Where("mail_config_id = ?", mailConfigID)
	}
	if outcome != "" {
		q = q.Where("outcome = ?", outcome)
	}
	if limit > 0 {
		q = q.Limit(limit)
	}
	var out []LedgerEntry
	err := q.Find(&out).Error
	return out, sqldb.Translate(err, "list ledger")
}
