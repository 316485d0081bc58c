package console

import (
	"context"
	"encoding/json"

	"github.com/wfehq/wfe/store/internal/sqldb"
	"github.com/wfehq/wfe/store/runs"
)

// SyncRunRecord is the record of a groupware sync run: a rule run on its
// own (WorkflowID "sync:RULE", the record one report) or a run of the sync
// timer (the record {"rules": [reports]}).
type SyncRunRecord struct {
	WorkflowID string
	Timer      string
	Record     json.RawMessage
}

// EachSyncRunRecord calls f with every sync run's record in the history:
// the runs recorded under a "sync:" workflow id and those of timer (the
// built-in sync timer's name). Both are found through an index (a range
// on workflow_id, equality on timer), and records are read one row at a
// time.
func (r *Repo) EachSyncRunRecord(ctx context.Context, timer string, f func(SyncRunRecord) error) error {
	rows, err := r.db.WithContext(ctx).Model(&runs.Run{}).Select("workflow_id, timer, record").
		Where("(workflow_id >= ? AND workflow_id < ?) OR timer = ?", "sync:", "sync;", timer).Rows()
	if err != nil {
		return sqldb.Translate(err, "read sync runs")
	}
	defer rows.Close()
	for rows.Next() {
		var rec SyncRunRecord
		var body []byte
		if err := rows.Scan(&rec.WorkflowID, &rec.Timer, &body); err != nil {
			return sqldb.Translate(err, "read sync runs")
		}
		rec.Record = body
		if err := f(rec); err != nil {
			return err
		}
	}
	return sqldb.Translate(rows.Err(), "read sync runs")
}
