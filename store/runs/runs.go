package runs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm/clause"

	"github.com/wfehq/wfe/store/internal/sqldb"
)

// Run statuses.
const (
	RunRunning   = "running"
	RunSucceeded = "succeeded"
	RunFailed    = "failed"
	RunCancelled = "cancelled"
	RunSkipped   = "skipped"
)

// Run is one workflow run in the history.
type Run struct {
	ID          string     `gorm:"primaryKey" json:"id"`
	WorkflowID  string     `json:"workflow_id"`
	Timer       string     `json:"timer"`
	RunAs       string     `json:"run_as"`
	Node        string     `json:"node"`
	ScheduledAt *time.Time `json:"scheduled_at,omitempty"`
	StartedAt   time.Time  `json:"started_at"`
	FinishedAt  *time.Time `json:"finished_at,omitempty"`
	Status      string     `json:"status"`
	Error       string     `json:"error"`
	// Record is the run record as JSON (steps, actions, log lines).
	Record json.RawMessage `gorm:"type:text;serializer:json" json:"record"`
}

// TableName implements gorm's tabler.
func (Run) TableName() string { return "run" }

// NewID returns a random 128-bit identifier in hex.
func NewID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// SaveRun inserts or replaces a run (an empty ID gets a new one).
func (s *Repo) SaveRun(ctx context.Context, r *Run) error {
	if r.ID == "" {
		r.ID = NewID()
	}
	if r.StartedAt.IsZero() {
		r.StartedAt = s.db.Now()
	}
	if r.Status == "" {
		r.Status = RunRunning
	}
	if len(r.Record) == 0 {
		r.Record = json.RawMessage("{}")
	}
	r.StartedAt = r.StartedAt.UTC()
	r.ScheduledAt, r.FinishedAt = utcPtr(r.ScheduledAt), utcPtr(r.FinishedAt)
	if !json.Valid(r.Record) {
		return fmt.Errorf("save run %s: record is not valid JSON: %w", r.ID, sqldb.ErrInvalid)
	}
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(r).Error
	return sqldb.Translate(err, "save run "+r.ID)
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// GetRun loads a run by id.
func (s *Repo) GetRun(ctx context.Context, id string) (*Run, error) {
	var r Run
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return nil, sqldb.Translate(err, "run "+id)
	}
	return &r, nil
}

// RunFilter selects runs for ListRuns (newest first).
type RunFilter struct {
	WorkflowID string
	Timer      string
	Status     string
	Since      time.Time
	Limit      int // 0 = no limit
}

// ListRuns returns runs, newest first.
func (s *Repo) ListRuns(ctx context.Context, f RunFilter) ([]Run, error) {
	q := s.db.WithContext(ctx).Order("started_at DESC, id DESC")
	if f.WorkflowID != "" {
		q = q.Where("workflow_id = ?", f.WorkflowID)
	}
	if f.Timer != "" {
		q = q.Where("timer = ?", f.Timer)
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if !f.Since.IsZero() {
		q = q.Where("started_at >= ?", f.Since.UTC())
	}
	if f.Limit > 0 {
		q = q.Limit(f.Limit)
	}
	var out []Run
	err := q.Find(&out).Error
	return out, sqldb.Translate(err, "list runs")
}

// PruneRuns deletes finished runs beyond the newest keep (keep <= 0: no
// count limit) and runs started before olderThan ago (0: no age limit). It
// returns how many were deleted. Running runs are never pruned.
func (s *Repo) PruneRuns(ctx context.Context, keep int, olderThan time.Duration) (int64, error) {
	db := s.db.WithContext(ctx)
	var n int64
	if olderThan > 0 {
		res := db.Where("status <> ? AND started_at < ?", RunRunning, s.db.Now().Add(-olderThan)).Delete(&Run{})
		if res.Error != nil {
			return n, sqldb.Translate(res.Error, "prune runs")
		}
		n += res.RowsAffected
	}
	if keep > 0 {
		var ids []string
		if err := db.Model(&Run{}).Order("started_at DESC, id DESC").Offset(keep).Limit(1<<30).Pluck("id", &ids).Error; err != nil {
			return n, sqldb.Translate(err, "prune runs")
		}
		for len(ids) > 0 {
			chunk := ids[:min(len(ids), 500)]
			ids = ids[len(chunk):]
			res := db.Where("status <> ? AND id IN ?", RunRunning, chunk).Delete(&Run{})
			if res.Error != nil {
				return n, sqldb.Translate(res.Error, "prune runs")
			}
			n += res.RowsAffected
		}
	}
	return n, nil
}
