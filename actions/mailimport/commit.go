package mailimport

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/store"
)

// commitBatch is the commit stage for one fetched batch: ledger checks and
// Mapper in UID order, blob sync, one commit and the ledger rows. It
// reports whether the batch is to be moved (startMove) now: not in a dry
// run, which it accounts itself.
func (r *run) commitBatch(ctx context.Context, b *batch) (move bool, err error) {
	cfg := r.req.Config
	<-b.parsed
	msgs := b.msgs
	for _, m := range msgs {
		if m.recorded != "" {
			m.dest = r.destForKnown(ctx, m.uid, m.recorded)
		}
	}
	known, err := r.ledgerMatches(ctx, msgs)
	if err != nil {
		return false, err
	}
	var items []store.ImportItem
	batchIDs := map[string]uint32{}
	for _, m := range msgs {
		if m.finished {
			continue
		}
		if err := r.prepare(ctx, b, m, known, batchIDs); err != nil {
			return false, err
		}
		if m.item == -2 {
			items = append(items, r.commitItem(m))
			m.item = len(items) - 1
		}
		if f := r.p.Deps.Fault; f != nil {
			if err := f(FaultMidBatch); err != nil {
				return false, fmt.Errorf("mail configuration %s: aborted before commit: %w", cfg.MatchCode, err)
			}
		}
	}
	if r.req.DryRun {
		for _, m := range msgs {
			r.account(m)
		}
		return false, nil
	}
	if len(items) == 0 {
		if err := b.blobs.Sync(); err != nil {
			return false, engine.Retryable(fmt.Errorf("mail configuration %s: %w", cfg.MatchCode, err))
		}
	} else {
		// the batch's blobs are recorded in the commit's transaction, which
		// commits once they are on disk
		results, err := r.st.CommitImportBlobs(ctx, b.blobs, items)
		if err != nil {
			return false, engine.Retryable(fmt.Errorf("mail configuration %s: commit of %d message(s): %w", cfg.MatchCode, len(items), err))
		}
		for _, m := range msgs {
			if m.item >= 0 {
				r.applyResult(m, results[m.item])
			}
		}
	}
	// committed: the parsed mails and activities are not needed any more
	// while the batch waits for its move
	for _, m := range msgs {
		m.mail, m.docs = nil, nil
		m.dec.Activity = nil
	}
	for _, m := range msgs {
		if m.ledger == "" {
			continue
		}
		e := &store.LedgerEntry{MailConfigID: cfg.ID, Mailbox: r.req.Folder, UIDValidity: int64(r.uidValidity), UID: int64(m.uid),
			MessageID: m.out.MessageID, ContentSHA256: m.sha, Outcome: m.ledger, Error: m.out.Reason, CreatedAt: r.p.Deps.now()}
		if m.prevAct != 0 {
			e.ActivityID = &m.prevAct
		}
		if err := r.st.RecordLedger(ctx, e); err != nil && !errors.Is(err, store.ErrConflict) {
			return false, engine.Retryable(fmt.Errorf("mail configuration %s: %w", cfg.MatchCode, err))
		}
	}
	r.res.Committed += committedIn(msgs)
	if f := r.p.Deps.Fault; f != nil {
		if err := f(FaultAfterCommit); err != nil {
			return false, fmt.Errorf("mail configuration %s: aborted after commit, before move: %w", cfg.MatchCode, err)
		}
	}
	return true, nil
}

// committedIn counts the messages of a committed batch whose outcome is
// now stored.
func committedIn(msgs []*msg) int {
	n := 0
	for _, m := range msgs {
		switch m.out.Outcome {
		case store.OutcomeImported, store.OutcomeDuplicate, store.OutcomeQuarantined, OutcomeSkipped:
			n++
		}
	}
	return n
}

// destForKnown is where a message recorded in the ledger goes.
func (r *run) destForKnown(ctx context.Context, uid uint32, outcome string) string {
	switch outcome {
	case store.OutcomeQuarantined:
		return r.errorFolder()
	case store.OutcomeImported:
		if e, err := r.st.LedgerByKey(ctx, r.key(uid)); err == nil && e.ActivityID != nil {
			if a, err := r.st.GetActivity(ctx, *e.ActivityID); err == nil && a.ImportFolder != "" {
				return a.ImportFolder
			}
		}
	}
	return r.importFolder()
}

// ledgerMatches looks up, with one query per batch, the earlier ledger rows
// prepare checks: those with the content hash of a message of the batch and
// those with the Message-ID of a parsed one. Nothing writes ledger rows
// between this lookup and the commit, which checks again for other writers.
func (r *run) ledgerMatches(ctx context.Context, msgs []*msg) (store.LedgerMatches, error) {
	var hashes, ids []string
	for _, m := range msgs {
		if m.finished {
			continue
		}
		hashes = append(hashes, m.sha)
		if m.parseErr == nil && m.mail != nil {
			ids = append(ids, m.mail.MessageID)
		}
	}
	known, err := r.st.LedgerByContents(ctx, r.req.Config.ID, hashes, ids)
	if err != nil {
		return known, engine.Retryable(err)
	}
	return known, nil
}

// prepare runs the ledger checks, the parse and the Mapper for one message,
// with the batch's earlier ledger rows in known. It sets m.item to -2 when
// the message needs a commit item.
func (r *run) prepare(ctx context.Context, b *batch, m *msg, known store.LedgerMatches, batchIDs map[string]uint32) error {
	cfg := r.req.Config
	if err := m.parseErr; err != nil && errors.As(err, new(*storageError)) {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// the disk failed, not the mail: nothing of the batch is
		// committed or moved, a later run imports it
		return engine.Retryable(fmt.Errorf("mail configuration %s UID %d: %w", cfg.MatchCode, m.uid, err))
	}
	// identical content imported before: a duplicate, nothing twice
	for _, e := range known.ByContent[m.sha] {
		if e.Outcome != store.OutcomeImported {
			continue
		}
		m.out.MessageID = e.MessageID
		m.out.Outcome, m.out.Reason = store.OutcomeDuplicate, "same content already imported"
		if e.ActivityID != nil {
			m.prevAct = *e.ActivityID
			m.out.ActivityID = *e.ActivityID
			m.out.Reason = fmt.Sprintf("same Message-ID and content already imported as activity %d", *e.ActivityID)
		}
		m.ledger, m.dest = store.OutcomeDuplicate, r.importFolder()
		return nil
	}

	if err := m.parseErr; err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r.quarantine(m, err.Error())
		return nil
	}
	mail := m.mail
	m.out.MessageID, m.out.Subject, m.out.From = mail.MessageID, mail.Subject, mail.From.Addr
	in := &Input{Mail: mail, UID: m.uid, InternalDate: m.internal, ContentSHA256: m.sha, Config: cfg,
		RunAs: r.req.RunAs, Delegate: r.req.Delegate, Settings: r.settings, Store: r.st, Folder: r.req.Folder, Sent: r.sent, DryRun: r.req.DryRun,
		OpenRaw: r.opener(b, m), contacts: r.contacts}
	if mail.MessageID != "" {
		for _, e := range known.ByMessageID[mail.MessageID] {
			if e.Outcome == store.OutcomeImported && e.ContentSHA256 != m.sha {
				in.Related = append(in.Related, e)
			}
		}
	}
	dec, err := r.p.Mapper.Map(ctx, in)
	if err != nil {
		return fmt.Errorf("mail configuration %s UID %d: %w", cfg.MatchCode, m.uid, err)
	}
	m.dec = dec
	switch dec.Kind {
	case Import:
		if dec.Activity == nil {
			return engine.Permanent(fmt.Errorf("mail configuration %s UID %d: the mapper decided to import but gave no activity", cfg.MatchCode, m.uid))
		}
		r.completeActivity(m, in, batchIDs)
		m.out.Contacts = contactLabels(dec.Activity)
		if r.req.DryRun {
			m.out.Outcome = OutcomeDryRun
			r.logf("dry run: would import UID %d %q from %s as %s/%s, contacts: %s", m.uid, mail.Subject, mail.From.Addr,
				dec.Activity.Type, dec.Activity.Status, strings.Join(orNone(dec.Activity.MatchExplanation), "; "))
			return nil
		}
		m.dest = r.importFolder()
		if dec.Folder != "" {
			m.dest = dec.Folder
		}
		dec.Activity.ImportFolder = firstNonEmpty(dec.Activity.ImportFolder, m.dest)
		m.item = -2
	case Quarantine:
		r.quarantine(m, dec.Reason)
	case Skip:
		m.out.Outcome, m.out.Reason = OutcomeSkipped, dec.Reason
		if r.req.DryRun {
			r.logf("dry run: would skip UID %d %q: %s", m.uid, mail.Subject, dec.Reason)
			return nil
		}
		m.ledger = OutcomeSkipped
		m.dest = firstNonEmpty(dec.Folder, r.importFolder())
	case Leave:
		m.out.Outcome, m.out.Reason = OutcomeLeft, dec.Reason
		if r.req.DryRun {
			r.logf("dry run: would leave UID %d %q in %s: %s", m.uid, mail.Subject, r.req.Folder, dec.Reason)
		}
	default:
		return engine.Permanent(fmt.Errorf("mail configuration %s UID %d: unknown decision %v", cfg.MatchCode, m.uid, dec.Kind))
	}
	return nil
}

// quarantine marks m for the error folder; its raw message is kept as
// the blob it was spooled to.
func (r *run) quarantine(m *msg, reason string) {
	m.out.Outcome, m.out.Reason = store.OutcomeQuarantined, reason
	m.docs = nil
	if r.req.DryRun {
		r.logf("dry run: would quarantine UID %d: %s", m.uid, reason)
		return
	}
	m.quarErr = reason
	m.dest = r.errorFolder()
	m.item = -2
}

// completeActivity fills what the pipeline owns on an activity.
func (r *run) completeActivity(m *msg, in *Input, batchIDs map[string]uint32) {
	a := m.dec.Activity
	mail := m.mail
	if a.GlobalID == "" {
		a.GlobalID = mail.MessageID
	}
	if a.MailConfigID == nil {
		id := r.req.Config.ID
		a.MailConfigID = &id
	}
	for _, e := range in.Related {
		if e.ActivityID != nil {
			a.MatchExplanation = append(a.MatchExplanation, fmt.Sprintf("Message-ID <%s> was imported before with different content as activity %d", mail.MessageID, *e.ActivityID))
			m.relIDs = append(m.relIDs, *e.ActivityID)
		}
	}
	if mail.MessageID != "" {
		if other, ok := batchIDs[mail.MessageID]; ok {
			a.MatchExplanation = append(a.MatchExplanation, fmt.Sprintf("Message-ID <%s> is shared with UID %d of the same import batch (different content)", mail.MessageID, other))
		} else {
			batchIDs[mail.MessageID] = m.uid
		}
	}
	if m.dec.NoDocuments {
		m.docs = nil
		return
	}
	if m.rawBlob != "" {
		m.docs = append(m.docs, &store.Document{Name: emlName(mail.Subject), ContentType: "message/rfc822", Size: m.size, SHA256: m.rawBlob})
	}
}

func (r *run) commitItem(m *msg) store.ImportItem {
	it := store.ImportItem{Key: r.key(m.uid), MessageID: m.out.MessageID, ContentSHA256: m.sha, RawBlob: m.rawBlob}
	if m.out.Outcome == store.OutcomeQuarantined {
		it.QuarantineError = m.quarErr
		return it
	}
	it.Activity = m.dec.Activity
	it.Documents = m.docs
	return it
}

func (r *run) applyResult(m *msg, res store.ImportItemResult) {
	switch res.Outcome {
	case store.OutcomeImported:
		m.out.Outcome, m.out.ActivityID, m.out.RelatedActivityID = store.OutcomeImported, res.ActivityID, res.RelatedActivityID
		if res.RelatedActivityID != 0 {
			r.logf("UID %d: Message-ID <%s> was imported before with different content as activity %d; imported as activity %d", m.uid, m.out.MessageID, res.RelatedActivityID, res.ActivityID)
		}
	case store.OutcomeQuarantined:
		m.out.Outcome = store.OutcomeQuarantined
	case store.OutcomeDuplicate:
		m.out.Outcome, m.out.ActivityID = store.OutcomeDuplicate, res.ActivityID
		m.out.Reason = "duplicate (" + res.DuplicateReason + ")"
		m.dest = r.importFolder()
		if res.DuplicateReason != "ledger key" {
			// an identical message earlier in this batch: record this UID too
			m.ledger, m.prevAct = store.OutcomeDuplicate, res.ActivityID
		}
	}
}

// account adds a finished message to the result.
func (r *run) account(m *msg) {
	res := r.res
	switch m.out.Outcome {
	case store.OutcomeImported:
		res.Imported++
		res.ActivityIDs = append(res.ActivityIDs, m.out.ActivityID)
	case store.OutcomeDuplicate:
		res.Duplicates++
	case store.OutcomeQuarantined:
		res.Quarantined++
	case OutcomeSkipped:
		res.Skipped++
	case OutcomeLeft:
		res.Left++
	case OutcomeRecovered:
		res.Recovered++
	}
	if m.out.Folder != "" {
		res.Moved++
	}
	if m.out.Outcome == store.OutcomeImported && res.Imported > r.maxImportedListed() {
		res.ImportedNotListed++
		return
	}
	res.Mails = append(res.Mails, m.out)
}

// DefaultMaxImportedListed is how many imported mails a Result lists one
// by one unless Deps.MaxImportedListed says otherwise.
const DefaultMaxImportedListed = 1000

func (r *run) maxImportedListed() int {
	if n := r.p.Deps.MaxImportedListed; n > 0 {
		return n
	}
	return DefaultMaxImportedListed
}

func contactLabels(a *store.Activity) []string {
	return append([]string(nil), a.MatchExplanation...)
}

func orNone(l []string) []string {
	if len(l) == 0 {
		return []string{"none"}
	}
	return l
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// emlName derives a file name for the raw message from its subject.
func emlName(subject string) string {
	var b strings.Builder
	for _, r := range subject {
		switch {
		case r < 0x20 || strings.ContainsRune(`/\:*?"<>|`, r):
			b.WriteRune('_')
		default:
			b.WriteRune(r)
		}
		if b.Len() >= 80 {
			break
		}
	}
	name := strings.TrimSpace(b.String())
	if name == "" {
		name = "message"
	}
	return name + ".eml"
}
