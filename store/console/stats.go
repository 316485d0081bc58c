package console

import (
	"context"
	"fmt"
	"time"

	"github.com/wfehq/wfe/store/internal/sqldb"
	"github.com/wfehq/wfe/store/ledger"
	"github.com/wfehq/wfe/store/runs"
)

// RunCount is the number of runs of one workflow (or, for a timer that
// runs no workflow, one timer) in one status.
type RunCount struct {
	WorkflowID string
	Timer      string
	Status     string
	Count      int64
}

// RunCounts counts the runs in the history by workflow, timer and status.
func (r *Repo) RunCounts(ctx context.Context) ([]RunCount, error) {
	var out []RunCount
	err := r.db.WithContext(ctx).Model(&runs.Run{}).
		Select("workflow_id, timer, status, COUNT(*) AS count").
		Group("workflow_id, timer, status").Order("workflow_id, timer, status").Scan(&out).Error
	return out, sqldb.Translate(err, "count runs")
}

// durationSeconds is the SQL for a finished run's duration in seconds.
func (r *Repo) durationSeconds() string {
	if r.db.Dialect == sqldb.Postgres {
		return "EXTRACT(EPOCH FROM (finished_at - started_at))"
	}
	return "((julianday(finished_at) - julianday(started_at)) * 86400.0)"
}

// DurationHistogram is the distribution of finished runs' durations:
// Buckets[i] counts the runs that took at most Bounds[i] seconds
// (cumulative, as Prometheus wants it).
type DurationHistogram struct {
	Bounds  []float64
	Buckets []uint64
	Count   uint64
	Sum     float64
}

// RunDurations builds the histogram of finished runs over bounds (in
// seconds, ascending) in one query.
func (r *Repo) RunDurations(ctx context.Context, bounds []float64) (DurationHistogram, error) {
	h := DurationHistogram{Bounds: bounds, Buckets: make([]uint64, len(bounds))}
	d := r.durationSeconds()
	sel := fmt.Sprintf("COUNT(*), COALESCE(SUM(%s), 0)", d)
	for _, b := range bounds {
		sel += fmt.Sprintf(", COALESCE(SUM(CASE WHEN %s <= %g THEN 1 ELSE 0 END), 0)", d, b)
	}
	row := r.db.WithContext(ctx).Model(&runs.Run{}).Select(sel).Where("finished_at IS NOT NULL").Row()
	dest := []any{&h.Count, &h.Sum}
	for i := range h.Buckets {
		dest = append(dest, &h.Buckets[i])
	}
	if err := row.Scan(dest...); err != nil {
		return h, sqldb.Translate(err, "run durations")
	}
	return h, nil
}

// LedgerCount is the number of mails of one mail configuration with one
// outcome (imported, duplicate, quarantined).
type LedgerCount struct {
	MailConfigID int64
	Outcome      string
	Count        int64
}

// LedgerCounts counts the import ledger by configuration and outcome.
func (r *Repo) LedgerCounts(ctx context.Context) ([]LedgerCount, error) {
	var out []LedgerCount
	err := r.db.WithContext(ctx).Table("import_ledger").
		Select("mail_config_id, outcome, COUNT(*) AS count").
		Group("mail_config_id, outcome").Order("mail_config_id, outcome").Scan(&out).Error
	return out, sqldb.Translate(err, "count the import ledger")
}

// TimerHealth is what the run history says about one timer.
type TimerHealth struct {
	LastSuccess *time.Time // start of the newest succeeded run
	LastFailure *time.Time // start of the newest failed run
	LastError   string     // its error
	// FailingSince is the start of the first failed run after the last
	// success (nil when the newest finished run succeeded).
	FailingSince *time.Time
	// Lateness of the newest scheduled run: started minus scheduled.
	Lateness time.Duration
}

// TimerHealth reads a timer's last success, last failure and the start of
// its current run of failures, from index-only lookups.
func (r *Repo) TimerHealth(ctx context.Context, timer string) (TimerHealth, error) {
	var h TimerHealth
	if err := r.lateness(ctx, timer, &h); err != nil {
		return h, err
	}
	ok, err := r.newestRun(ctx, timer, runs.RunSucceeded, nil)
	if err != nil {
		return h, err
	}
	if ok != nil {
		h.LastSuccess = &ok.StartedAt
	}
	bad, err := r.newestRun(ctx, timer, runs.RunFailed, nil)
	if err != nil || bad == nil {
		return h, err
	}
	h.LastFailure, h.LastError = &bad.StartedAt, bad.Error
	if h.LastSuccess != nil && bad.StartedAt.Before(*h.LastSuccess) {
		return h, nil
	}
	first, err := r.newestRun(ctx, timer, runs.RunFailed, h.LastSuccess)
	if err != nil {
		return h, err
	}
	if first != nil {
		h.FailingSince = &first.StartedAt
	}
	return h, nil
}

// newestRun is the newest run of timer in status; with after set, the
// oldest one started after it instead.
func (r *Repo) newestRun(ctx context.Context, timer, status string, after *time.Time) (*runs.Run, error) {
	q := r.db.WithContext(ctx).Select("id, started_at, error").Where("timer = ? AND status = ?", timer, status)
	if after != nil {
		q = q.Where("started_at > ?", after.UTC()).Order("started_at ASC")
	} else {
		q = q.Order("started_at DESC")
	}
	var out []runs.Run
	if err := q.Limit(1).Find(&out).Error; err != nil {
		return nil, sqldb.Translate(err, "runs of timer "+timer)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return &out[0], nil
}

func (r *Repo) lateness(ctx context.Context, timer string, h *TimerHealth) error {
	var out []runs.Run
	err := r.db.WithContext(ctx).Select("id, started_at, scheduled_at").
		Where("timer = ? AND scheduled_at IS NOT NULL", timer).Order("started_at DESC").Limit(1).Find(&out).Error
	if err != nil {
		return sqldb.Translate(err, "runs of timer "+timer)
	}
	if len(out) == 1 && out[0].ScheduledAt != nil {
		h.Lateness = max(0, out[0].StartedAt.Sub(*out[0].ScheduledAt))
	}
	return nil
}

// LedgerEntry loads one row of the import ledger by its id (the
// quarantine page's download of a raw message).
func (r *Repo) LedgerEntry(ctx context.Context, id int64) (*ledger.LedgerEntry, error) {
	var e ledger.LedgerEntry
	if err := r.db.WithContext(ctx).Where("id = ?", id).Take(&e).Error; err != nil {
		return nil, sqldb.Translate(err, fmt.Sprintf("import ledger entry %d", id))
	}
	return &e, nil
}
