package console

import (
	"context"
	"fmt"

	"github.com/wfehq/wfe/store/internal/sqldb"
	"github.com/wfehq/wfe/store/ledger"
)

// OutcomeReplayed marks a quarantine entry whose raw message was imported
// later by a replay; the entry is kept (with the activity it became) so
// the history of the mail stays visible.
const OutcomeReplayed = "replayed"

// MarkReplayed turns the quarantine entry id into a replayed one pointing
// at the activity the mail became. An entry that is no longer quarantined
// (replayed meanwhile by someone else) is ErrConflict.
func (r *Repo) MarkReplayed(ctx context.Context, id, activityID int64) error {
	res := r.db.WithContext(ctx).Model(&ledger.LedgerEntry{}).
		Where("id = ? AND outcome = ?", id, ledger.OutcomeQuarantined).
		Updates(map[string]any{"outcome": OutcomeReplayed, "activity_id": activityID})
	return quarantineUpdate(res.Error, res.RowsAffected, id)
}

// SetQuarantineReason replaces the reason of the quarantine entry id (a
// replay failed again, for this reason).
func (r *Repo) SetQuarantineReason(ctx context.Context, id int64, reason string) error {
	res := r.db.WithContext(ctx).Model(&ledger.LedgerEntry{}).
		Where("id = ? AND outcome = ?", id, ledger.OutcomeQuarantined).
		Update("error", reason)
	return quarantineUpdate(res.Error, res.RowsAffected, id)
}

func quarantineUpdate(err error, rows int64, id int64) error {
	if err != nil {
		return sqldb.Translate(err, fmt.Sprintf("quarantine entry %d", id))
	}
	if rows == 0 {
		return fmt.Errorf("quarantine entry %d: not quarantined (any more): %w", id, sqldb.ErrConflict)
	}
	return nil
}
