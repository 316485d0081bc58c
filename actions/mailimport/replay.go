package mailimport

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/wfehq/wfe/actions/mailparse"
	"github.com/wfehq/wfe/store"
)

// ErrNotQuarantined: a replay was asked for a ledger entry that is not a
// quarantined mail with its raw message.
var ErrNotQuarantined = errors.New("not a quarantined mail with a raw message")

// ReplayResult is what became of a replayed quarantined mail.
type ReplayResult struct {
	EntryID int64 `json:"entry_id"`
	// Outcome: imported (a new activity), duplicate (the same content was
	// imported meanwhile; ActivityID is that activity) or quarantined (the
	// replay failed again; Reason says why).
	Outcome    string `json:"outcome"`
	ActivityID int64  `json:"activity_id,omitempty"`
	Reason     string `json:"reason,omitempty"`
}

// Replay takes the raw message of the quarantine entry entryID through
// the import again, for the entry's mail configuration, as runAs (an
// employee login; "" = nobody): parse, the configuration's Mapper
// (IncomingMapper, as the import without a workflow) and one commit of
// activity, documents and ledger row. On success the entry is marked
// replayed, pointing at the activity; when the mail cannot be imported
// still, the entry stays quarantined with the new reason, and the result
// (not an error) says so. Replaying an entry twice imports nothing twice:
// the commit's ledger key is derived from the entry.
func Replay(ctx context.Context, deps Deps, entryID int64, runAs string) (*ReplayResult, error) {
	st := deps.Store
	if st == nil {
		return nil, ErrNoStore
	}
	e, err := st.Console().LedgerEntry(ctx, entryID)
	if err != nil {
		return nil, err
	}
	if e.Outcome != store.OutcomeQuarantined || e.RawBlob == "" {
		return nil, fmt.Errorf("ledger entry %d (outcome %s): %w", entryID, e.Outcome, ErrNotQuarantined)
	}
	in, err := replayInput(ctx, deps, e, runAs)
	if err != nil {
		return nil, err
	}
	res := &ReplayResult{EntryID: entryID}
	mail, docs, err := parseStored(ctx, st, e.RawBlob)
	if err != nil {
		return requarantine(ctx, st, res, err.Error())
	}
	in.Mail = mail
	dec, err := IncomingMapper{}.Map(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("replay of quarantine entry %d: %w", entryID, err)
	}
	if dec.Kind != Import || dec.Activity == nil {
		return requarantine(ctx, st, res, fmt.Sprintf("replay: the mapper decided %s: %s", dec.Kind, dec.Reason))
	}
	return commitReplay(ctx, deps, e, in, dec, docs, res)
}

// replayInput is the Mapper's input for a replay without the mail: the
// configuration, run-as and delegate employees (the configuration's
// responsible one, as an import run delegates), settings and the store.
func replayInput(ctx context.Context, deps Deps, e *store.LedgerEntry, runAs string) (*Input, error) {
	st := deps.Store
	cfg, err := st.GetMailConfig(ctx, e.MailConfigID)
	if err != nil {
		return nil, fmt.Errorf("quarantine entry %d: mail configuration %d: %w", e.ID, e.MailConfigID, err)
	}
	emp, err := ResolveEmployee(ctx, st, runAs)
	if err != nil {
		return nil, err
	}
	delegate := emp
	if cfg.ResponsibleID != nil {
		if r, err := st.GetEmployee(ctx, *cfg.ResponsibleID); err == nil {
			delegate = r
		}
	}
	settings, err := st.Settings(ctx)
	if err != nil {
		return nil, err
	}
	return &Input{UID: uint32(e.UID), InternalDate: e.CreatedAt, ContentSHA256: e.ContentSHA256, Config: cfg,
		RunAs: emp, Delegate: delegate, Settings: settings, Store: st, Folder: e.Mailbox,
		OpenRaw: func() (io.ReadCloser, error) { return st.OpenBlob(e.RawBlob) }}, nil
}

// parseStored parses a raw message kept in the blob store; its
// attachments go into the blob store as documents.
func parseStored(ctx context.Context, st *store.Store, sha string) (*mailparse.Mail, []*store.Document, error) {
	raw, err := st.OpenBlob(sha)
	if err != nil {
		return nil, nil, fmt.Errorf("open the raw message %s: %w", sha, err)
	}
	defer raw.Close()
	var docs []*store.Document
	opts := mailparse.Options{SkipContentHash: true, StoreAttachment: func(a *mailparse.Attachment, content io.Reader) (string, int64, error) {
		sum, size, err := st.PutBlob(ctx, content)
		if err != nil {
			return "", 0, fmt.Errorf("store attachment %q: %w", a.Name, err)
		}
		docs = append(docs, &store.Document{Name: a.Name, ContentType: a.ContentType, Size: size, SHA256: sum})
		return sum, size, nil
	}}
	mail, err := mailparse.Parse(raw, opts)
	if err != nil {
		return nil, nil, fmt.Errorf("parse: %w", err)
	}
	mail.ContentHash = sha
	return mail, docs, nil
}

// commitReplay commits the activity through the import's batch commit
// (one item) and marks the entry replayed.
func commitReplay(ctx context.Context, deps Deps, e *store.LedgerEntry, in *Input, dec Decision, docs []*store.Document, res *ReplayResult) (*ReplayResult, error) {
	st, cfg, a := deps.Store, in.Config, dec.Activity
	if a.GlobalID == "" {
		a.GlobalID = in.Mail.MessageID
	}
	if a.MailConfigID == nil {
		a.MailConfigID = &cfg.ID
	}
	a.ImportFolder = firstNonEmpty(a.ImportFolder, dec.Folder, cfg.ImportFolder, store.DefaultImportFolder)
	a.MatchExplanation = append(a.MatchExplanation, fmt.Sprintf("replayed from quarantine entry %d (quarantined for: %s)", e.ID, e.Error))
	if dec.NoDocuments {
		docs = nil
	} else {
		docs = append(docs, &store.Document{Name: emlName(in.Mail.Subject), ContentType: "message/rfc822", Size: in.Mail.Size, SHA256: e.RawBlob})
	}
	item := store.ImportItem{Key: ReplayKey(e), MessageID: in.Mail.MessageID, ContentSHA256: e.ContentSHA256,
		RawBlob: e.RawBlob, Activity: a, Documents: docs}
	results, err := st.CommitImport(ctx, []store.ImportItem{item})
	if err != nil {
		return nil, fmt.Errorf("replay of quarantine entry %d: %w", e.ID, err)
	}
	r := results[0]
	res.Outcome, res.ActivityID = r.Outcome, r.ActivityID
	if r.ActivityID == 0 {
		// a duplicate of a mail that was itself never imported
		return requarantine(ctx, st, res, "replay: duplicate ("+r.DuplicateReason+") of a mail not imported")
	}
	if err := st.Console().MarkReplayed(ctx, e.ID, r.ActivityID); err != nil {
		return nil, err
	}
	if dec.AfterCommit != nil {
		if err := dec.AfterCommit(ctx, r.ActivityID); err != nil {
			deps.logger().Warn("replay: follow-up failed", "entry", e.ID, "activity", r.ActivityID, "err", err)
		}
	}
	return res, nil
}

// ReplayKey is the ledger key a replay commits under: the entry's own key
// is taken by the quarantine row, so the mailbox names the entry replayed.
// The same entry always gives the same key, so a second replay is a
// duplicate rather than a second activity.
func ReplayKey(e *store.LedgerEntry) store.LedgerKey {
	k := e.Key()
	k.Mailbox = fmt.Sprintf("%s (replay of quarantine entry %d)", e.Mailbox, e.ID)
	return k
}

// requarantine keeps the entry quarantined with reason.
func requarantine(ctx context.Context, st *store.Store, res *ReplayResult, reason string) (*ReplayResult, error) {
	res.Outcome, res.Reason, res.ActivityID = store.OutcomeQuarantined, reason, 0
	if err := st.Console().SetQuarantineReason(ctx, res.EntryID, reason); err != nil {
		return nil, err
	}
	return res, nil
}
