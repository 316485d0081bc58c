package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
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
func (s *Store) SaveRun(ctx context.Context, r *Run) error {
	if r.ID == "" {
		r.ID = NewID()
	}
	if r.StartedAt.IsZero() {
		r.StartedAt = s.now()
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
		return fmt.Errorf("save run %s: record is not valid JSON: %w", r.ID, ErrInvalid)
	}
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(r).Error
	return translate(err, "save run "+r.ID)
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// GetRun loads a run by id.
func (s *Store) GetRun(ctx context.Context, id string) (*Run, error) {
	var r Run
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return nil, translate(err, "run "+id)
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
func (s *Store) ListRuns(ctx context.Context, f RunFilter) ([]Run, error) {
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
	return out, translate(err, "list runs")
}

// PruneRuns deletes finished runs beyond the newest keep (keep <= 0: no
// count limit) and runs started before olderThan ago (0: no age limit). It
// returns how many were deleted. Running runs are never pruned.
func (s *Store) PruneRuns(ctx context.Context, keep int, olderThan time.Duration) (int64, error) {
	db := s.db.WithContext(ctx)
	var n int64
	if olderThan > 0 {
		res := db.Where("status <> ? AND started_at < ?", RunRunning, s.now().Add(-olderThan)).Delete(&Run{})
		if res.Error != nil {
			return n, translate(res.Error, "prune runs")
		}
		n += res.RowsAffected
	}
	if keep > 0 {
		var ids []string
		if err := db.Model(&Run{}).Order("started_at DESC, id DESC").Offset(keep).Limit(1<<30).Pluck("id", &ids).Error; err != nil {
			return n, translate(err, "prune runs")
		}
		for len(ids) > 0 {
			chunk := ids[:min(len(ids), 500)]
			ids = ids[len(chunk):]
			res := db.Where("status <> ? AND id IN ?", RunRunning, chunk).Delete(&Run{})
			if res.Error != nil {
				return n, translate(res.Error, "prune runs")
			}
			n += res.RowsAffected
		}
	}
	return n, nil
}

// ---- timer tasks

// Timer task types (SPEC R18, R40).
const (
	TimerWorkflow       = "WORKFLOW"
	TimerMailAutoImport = "MAIL_AUTO_IMPORT"
)

// TimerTask is a scheduled job: either a workflow run (name = WorkFlowID
// by default) or the built-in automatic mail import.
type TimerTask struct {
	ID         int64  `gorm:"primaryKey" json:"id"`
	Name       string `json:"name"`
	Type       string `json:"type"`
	WorkflowID string `json:"workflow_id"`
	RunAs      string `json:"run_as"` // employee login
	// Every is the period; Cron a cron expression (one of them).
	Every       time.Duration `gorm:"column:every_seconds;serializer:seconds" json:"-"`
	Cron        string        `json:"cron"`
	StartAt     *time.Time    `json:"start_at,omitempty"`
	EndAt       *time.Time    `json:"end_at,omitempty"`
	Active      bool          `json:"active"`
	LastRunID   string        `json:"last_run_id"`
	LastOutcome string        `json:"last_outcome"`
	LastRunAt   *time.Time    `json:"last_run_at,omitempty"`
	CreatedAt   time.Time     `json:"created_at"`
	UpdatedAt   time.Time     `json:"updated_at"`
}

// TableName implements gorm's tabler.
func (TimerTask) TableName() string { return "timer_task" }

// MarshalJSON adds "every" as a duration string.
func (t TimerTask) MarshalJSON() ([]byte, error) {
	type plain TimerTask
	every := ""
	if t.Every > 0 {
		every = t.Every.String()
	}
	return json.Marshal(struct {
		plain
		Every string `json:"every"`
	}{plain(t), every})
}

func validateTimer(t *TimerTask) error {
	if strings.TrimSpace(t.Name) == "" {
		return fmt.Errorf("timer: empty name: %w", ErrInvalid)
	}
	switch t.Type {
	case TimerWorkflow:
		if t.WorkflowID == "" {
			t.WorkflowID = t.Name
		}
	case TimerMailAutoImport:
	default:
		return fmt.Errorf("timer %s: type %q is not %s or %s: %w", t.Name, t.Type, TimerWorkflow, TimerMailAutoImport, ErrInvalid)
	}
	if (t.Every > 0) == (t.Cron != "") {
		return fmt.Errorf("timer %s: give either a period or a cron expression: %w", t.Name, ErrInvalid)
	}
	if t.Every < 0 || t.Every > 0 && t.Every < time.Second {
		return fmt.Errorf("timer %s: period %s is shorter than a second: %w", t.Name, t.Every, ErrInvalid)
	}
	if t.StartAt != nil && t.EndAt != nil && t.EndAt.Before(*t.StartAt) {
		return fmt.Errorf("timer %s: end %s is before start %s: %w", t.Name, t.EndAt, t.StartAt, ErrInvalid)
	}
	return nil
}

// CreateTimer inserts a timer task; a taken name is ErrConflict.
func (s *Store) CreateTimer(ctx context.Context, t *TimerTask) error {
	if err := validateTimer(t); err != nil {
		return err
	}
	return translate(s.db.WithContext(ctx).Omit("id").Create(t).Error, "create timer "+t.Name)
}

// CreateTimers inserts many timer tasks in one transaction, with
// multi-row inserts; a taken name fails them all with ErrConflict.
func (s *Store) CreateTimers(ctx context.Context, ts []TimerTask) error {
	for i := range ts {
		if err := validateTimer(&ts[i]); err != nil {
			return err
		}
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Omit("id").CreateInBatches(ts, sqldb.RowsPerInsert(tx, &TimerTask{}, sqldb.InsertChunk)).Error
		return translate(err, fmt.Sprintf("create %d timers", len(ts)))
	})
}

// UpdateTimer saves every field of t.
func (s *Store) UpdateTimer(ctx context.Context, t *TimerTask) error {
	if err := validateTimer(t); err != nil {
		return err
	}
	res := s.db.WithContext(ctx).Model(t).Select("*").Omit("id", "created_at").Updates(t)
	return rowsOrNotFound(res.Error, res.RowsAffected, "update timer "+t.Name)
}

// GetTimer loads a timer task by name.
func (s *Store) GetTimer(ctx context.Context, name string) (*TimerTask, error) {
	var t TimerTask
	if err := s.db.WithContext(ctx).Where("name = ?", name).Take(&t).Error; err != nil {
		return nil, translate(err, fmt.Sprintf("timer %q", name))
	}
	return &t, nil
}

// ListTimers returns every timer task by name.
func (s *Store) ListTimers(ctx context.Context) ([]TimerTask, error) {
	var out []TimerTask
	err := s.db.WithContext(ctx).Order("name").Find(&out).Error
	return out, translate(err, "list timers")
}

// SetTimerActive enables or disables a timer task.
func (s *Store) SetTimerActive(ctx context.Context, name string, active bool) error {
	res := s.db.WithContext(ctx).Model(&TimerTask{}).Where("name = ?", name).
		Updates(map[string]any{"active": active, "updated_at": s.now()})
	return rowsOrNotFound(res.Error, res.RowsAffected, fmt.Sprintf("timer %q", name))
}

// DeleteTimer removes a timer task.
func (s *Store) DeleteTimer(ctx context.Context, name string) error {
	res := s.db.WithContext(ctx).Where("name = ?", name).Delete(&TimerTask{})
	return rowsOrNotFound(res.Error, res.RowsAffected, fmt.Sprintf("remove timer %q", name))
}

// RecordTimerRun notes the last run of a timer task. It leaves updated_at
// alone: that marks changes of the task itself, which schedulers watch
// (TimerStamp).
func (s *Store) RecordTimerRun(ctx context.Context, name, runID, outcome string, at time.Time) error {
	res := s.db.WithContext(ctx).Model(&TimerTask{}).Where("name = ?", name).
		UpdateColumns(map[string]any{"last_run_id": runID, "last_outcome": outcome, "last_run_at": at.UTC()})
	return rowsOrNotFound(res.Error, res.RowsAffected, fmt.Sprintf("timer %q", name))
}

// ---- claims and leases

// ClaimTick claims the firing of timer at scheduledAt for node. Exactly one
// caller across all processes gets true for a (timer, scheduledAt) pair;
// the others get false. Times are compared at microsecond precision.
func (s *Store) ClaimTick(ctx context.Context, timer string, scheduledAt time.Time, node string) (bool, error) {
	res := s.db.WithContext(ctx).Exec(
		"INSERT INTO timer_claim (timer, scheduled_at, node, claimed_at) VALUES (?, ?, ?, ?) ON CONFLICT (timer, scheduled_at) DO NOTHING",
		timer, scheduledAt.UnixMicro(), node, s.now())
	if res.Error != nil {
		return false, translate(res.Error, fmt.Sprintf("claim timer %s tick %s", timer, scheduledAt.UTC().Format(time.RFC3339Nano)))
	}
	return res.RowsAffected == 1, nil
}

// PruneClaims deletes claims of ticks scheduled before t.
func (s *Store) PruneClaims(ctx context.Context, before time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Exec("DELETE FROM timer_claim WHERE scheduled_at < ?", before.UnixMicro())
	return res.RowsAffected, translate(res.Error, "prune timer claims")
}

// AcquireLease takes the lease key for node for ttl. It succeeds when the
// lease is free, expired, or already held by node (then it is renewed).
// Among concurrent acquirers exactly one wins.
func (s *Store) AcquireLease(ctx context.Context, key, node string, ttl time.Duration) (bool, error) {
	now := s.now()
	res := s.db.WithContext(ctx).Exec(`INSERT INTO lease (key, node, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET node = excluded.node, expires_at = excluded.expires_at
		WHERE lease.expires_at <= ? OR lease.node = excluded.node`,
		key, node, now.Add(ttl).UnixMilli(), now.UnixMilli())
	if res.Error != nil {
		return false, translate(res.Error, "acquire lease "+key)
	}
	return res.RowsAffected == 1, nil
}

// RenewLease extends a lease node holds; false when node lost it.
func (s *Store) RenewLease(ctx context.Context, key, node string, ttl time.Duration) (bool, error) {
	now := s.now()
	res := s.db.WithContext(ctx).Exec("UPDATE lease SET expires_at = ? WHERE key = ? AND node = ? AND expires_at > ?",
		now.Add(ttl).UnixMilli(), key, node, now.UnixMilli())
	if res.Error != nil {
		return false, translate(res.Error, "renew lease "+key)
	}
	return res.RowsAffected == 1, nil
}

// ReleaseLease gives a lease up (no-op when node does not hold it).
func (s *Store) ReleaseLease(ctx context.Context, key, node string) error {
	err := s.db.WithContext(ctx).Exec("DELETE FROM lease WHERE key = ? AND node = ?", key, node).Error
	return translate(err, "release lease "+key)
}
