package console

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/wfehq/wfe/store/internal/sqldb"
	"github.com/wfehq/wfe/store/runs"
)

// RunQuery selects a page of runs, newest first. After is the keyset
// cursor: the last run of the previous page (started_at, id); a page is
// one index range scan however deep it lies.
type RunQuery struct {
	WorkflowID string
	Timer      string
	Status     string
	Since      time.Time // started at or after (zero: no bound)
	Until      time.Time // started before (zero: no bound)
	AfterStart time.Time
	AfterID    string
	Limit      int // 0: 50; at most 500
}

// runListColumns are the columns of a run list: the record (which can be
// large) is left out.
const runListColumns = "id, workflow_id, timer, run_as, node, scheduled_at, started_at, finished_at, status, error"

// RunsPage returns one page of runs without their records.
func (r *Repo) RunsPage(ctx context.Context, q RunQuery) ([]runs.Run, error) {
	var out []runs.Run
	return out, sqldb.Translate(r.runsPageQuery(ctx, q).Find(&out).Error, "list runs")
}

func (r *Repo) runsPageQuery(ctx context.Context, q RunQuery) *gorm.DB {
	limit := q.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 500)
	db := r.db.WithContext(ctx).Select(runListColumns).Order("started_at DESC, id DESC").Limit(limit)
	for _, f := range [][2]string{{"workflow_id", q.WorkflowID}, {"timer", q.Timer}, {"status", q.Status}} {
		if f[1] != "" {
			db = db.Where(f[0]+" = ?", f[1])
		}
	}
	if !q.Since.IsZero() {
		db = db.Where("started_at >= ?", q.Since.UTC())
	}
	if !q.Until.IsZero() {
		db = db.Where("started_at < ?", q.Until.UTC())
	}
	if !q.AfterStart.IsZero() {
		at := q.AfterStart.UTC()
		db = db.Where("(started_at < ? OR (started_at = ? AND id < ?))", at, at, q.AfterID)
	}
	return db.Model(&runs.Run{})
}

// RecentRuns returns the newest runs of a timer with their records.
func (r *Repo) RecentRuns(ctx context.Context, timer string, limit int) ([]runs.Run, error) {
	var out []runs.Run
	err := r.db.WithContext(ctx).Where("timer = ?", timer).Order("started_at DESC, id DESC").Limit(limit).Find(&out).Error
	return out, sqldb.Translate(err, "runs of timer "+timer)
}

// Ping checks that the database answers (for /readyz).
func (r *Repo) Ping(ctx context.Context) error {
	db, err := r.db.SQL()
	if err != nil {
		return err
	}
	return db.PingContext(ctx)
}
