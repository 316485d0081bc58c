package timers

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/wfehq/wfe/store/internal/sqldb"
)

// LeaseHolder returns the node that holds the lease key and when the lease
// expires; ErrNotFound when nobody holds it (an expired lease counts as
// free).
func (s *Repo) LeaseHolder(ctx context.Context, key string) (string, time.Time, error) {
	var row struct {
		Node      string
		ExpiresAt int64
	}
	res := s.db.WithContext(ctx).Raw("SELECT node, expires_at FROM lease WHERE key = ? AND expires_at > ?",
		key, s.db.Now().UnixMilli()).Scan(&row)
	if res.Error != nil {
		return "", time.Time{}, sqldb.Translate(res.Error, "lease "+key)
	}
	if res.RowsAffected == 0 {
		return "", time.Time{}, fmt.Errorf("lease %s: %w", key, sqldb.ErrNotFound)
	}
	return row.Node, time.UnixMilli(row.ExpiresAt).UTC(), nil
}

// TimerStamp is a cheap summary of the timer task table: a reader that
// saw the same stamp before may keep its copy of the tasks. Count catches
// removals, MaxID additions, MaxUpdated changes (it is opaque: compare it,
// do not parse it). Updates stamped with a clock behind the newest
// updated_at are not seen, so readers still read the whole table now and
// then.
type TimerStamp struct {
	Count      int64
	MaxID      int64
	MaxUpdated string
}

// TimerStamp reads the summary of the timer task table in one query.
func (s *Repo) TimerStamp(ctx context.Context) (TimerStamp, error) {
	var row struct {
		N  int64
		ID sql.NullInt64
		Up sql.NullString
	}
	err := s.db.WithContext(ctx).Raw("SELECT count(*) AS n, max(id) AS id, max(updated_at) AS up FROM timer_task").Scan(&row).Error
	if err != nil {
		return TimerStamp{}, sqldb.Translate(err, "timer stamp")
	}
	return TimerStamp{Count: row.N, MaxID: row.ID.Int64, MaxUpdated: row.Up.String}, nil
}
