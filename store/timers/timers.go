package timers

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/wfehq/wfe/store/internal/sqldb"
)

// Timer task types (docs/REQUIREMENTS.md R18, R40).
const (
	TimerWorkflow       = "WORKFLOW"
	TimerMailAutoImport = "MAIL_AUTO_IMPORT"
	TimerGroupwareSync  = "GROUPWARE_SYNC"
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
		return fmt.Errorf("timer: empty name: %w", sqldb.ErrInvalid)
	}
	switch t.Type {
	case TimerWorkflow:
		if t.WorkflowID == "" {
			t.WorkflowID = t.Name
		}
	case TimerMailAutoImport, TimerGroupwareSync:
	default:
		return fmt.Errorf("timer %s: type %q is not %s, %s or %s: %w", t.Name, t.Type, TimerWorkflow, TimerMailAutoImport, TimerGroupwareSync, sqldb.ErrInvalid)
	}
	if (t.Every > 0) == (t.Cron != "") {
		return fmt.Errorf("timer %s: give either a period or a cron expression: %w", t.Name, sqldb.ErrInvalid)
	}
	if t.Every < 0 || t.Every > 0 && t.Every < time.Second {
		return fmt.Errorf("timer %s: period %s is shorter than a second: %w", t.Name, t.Every, sqldb.ErrInvalid)
	}
	if t.StartAt != nil && t.EndAt != nil && t.EndAt.Before(*t.StartAt) {
		return fmt.Errorf("timer %s: end %s is before start %s: %w", t.Name, t.EndAt, t.StartAt, sqldb.ErrInvalid)
	}
	return nil
}

// CreateTimer inserts a timer task; a taken name is ErrConflict.
func (s *Repo) CreateTimer(ctx context.Context, t *TimerTask) error {
	if err := validateTimer(t); err != nil {
		return err
	}
	return sqldb.Translate(s.db.WithContext(ctx).Omit("id").Create(t).Error, "create timer "+t.Name)
}

// CreateTimers inserts many timer tasks in one transaction, with
// multi-row inserts; a taken name fails them all with ErrConflict.
func (s *Repo) CreateTimers(ctx context.Context, ts []TimerTask) error {
	for i := range ts {
		if err := validateTimer(&ts[i]); err != nil {
			return err
		}
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Omit("id").CreateInBatches(ts, sqldb.RowsPerInsert(tx, &TimerTask{}, sqldb.InsertChunk)).Error
		return sqldb.Translate(err, fmt.Sprintf("create %d timers", len(ts)))
	})
}

// UpdateTimer saves every field of t.
func (s *Repo) UpdateTimer(ctx context.Context, t *TimerTask) error {
	if err := validateTimer(t); err != nil {
		return err
	}
	res := s.db.WithContext(ctx).Model(t).Select("*").Omit("id", "created_at").Updates(t)
	return sqldb.RowsOrNotFound(res.Error, res.RowsAffected, "update timer "+t.Name)
}

// GetTimer loads a timer task by name.
func (s *Repo) GetTimer(ctx context.Context, name string) (*TimerTask, error) {
	var t TimerTask
	if err := s.db.WithContext(ctx).Where("name = ?", name).Take(&t).Error; err != nil {
		return nil, sqldb.Translate(err, fmt.Sprintf("timer %q", name))
	}
	return &t, nil
}

// ListTimers returns every timer task by name.
func (s *Repo) ListTimers(ctx context.Context) ([]TimerTask, error) {
	var out []TimerTask
	err := s.db.WithContext(ctx).Order("name").Find(&out).Error
	return out, sqldb.Translate(err, "list timers")
}

// SetTimerActive enables or disables a timer task.
func (s *Repo) SetTimerActive(ctx context.Context, name string, active bool) error {
	res := s.db.WithContext(ctx).Model(&TimerTask{}).Where("name = ?", name).
		Updates(map[string]any{"active": active, "updated_at": s.db.Now()})
	return sqldb.RowsOrNotFound(res.Error, res.RowsAffected, fmt.Sprintf("timer %q", name))
}

// DeleteTimer removes a timer task.
func (s *Repo) DeleteTimer(ctx context.Context, name string) error {
	res := s.db.WithContext(ctx).Where("name = ?", name).Delete(&TimerTask{})
	return sqldb.RowsOrNotFound(res.Error, res.RowsAffected, fmt.Sprintf("remove timer %q", name))
}

// RecordTimerRun notes the last run of a timer task. It leaves updated_at
// alone: that marks changes of the task itself, which schedulers watch
// (TimerStamp).
func (s *Repo) RecordTimerRun(ctx context.Context, name, runID, outcome string, at time.Time) error {
	res := s.db.WithContext(ctx).Model(&TimerTask{}).Where("name = ?", name).
		UpdateColumns(map[string]any{"last_run_id": runID, "last_outcome": outcome, "last_run_at": at.UTC()})
	return sqldb.RowsOrNotFound(res.Error, res.RowsAffected, fmt.Sprintf("timer %q", name))
}

// ---- claims and leases

// ClaimTick claims the firing of timer at scheduledAt for node. Exactly one
// caller across all processes gets true for a (timer, scheduledAt) pair;
// the others get false. Times are compared at microsecond precision.
func (s *Repo) ClaimTick(ctx context.Context, timer string, scheduledAt time.Time, node string) (bool, error) {
	res := s.db.WithContext(ctx).Exec(
		"INSERT INTO timer_claim (timer, scheduled_at, node, claimed_at) VALUES (?, ?, ?, ?) ON CONFLICT (timer, scheduled_at) DO NOTHING",
		timer, scheduledAt.UnixMicro(), node, s.db.Now())
	if res.Error != nil {
		return false, sqldb.Translate(res.Error, fmt.Sprintf("claim timer %s tick %s", timer, scheduledAt.UTC().Format(time.RFC3339Nano)))
	}
	return res.RowsAffected == 1, nil
}

// PruneClaims deletes claims of ticks scheduled before t.
func (s *Repo) PruneClaims(ctx context.Context, before time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Exec("DELETE FROM timer_claim WHERE scheduled_at < ?", before.UnixMicro())
	return res.RowsAffected, sqldb.Translate(res.Error, "prune timer claims")
}

// AcquireLease takes the lease key for node for ttl. It succeeds when the
// lease is free, expired, or already held by node (then it is renewed).
// Among concurrent acquirers exactly one wins.
func (s *Repo) AcquireLease(ctx context.Context, key, node string, ttl time.Duration) (bool, error) {
	now := s.db.Now()
	res := s.db.WithContext(ctx).Exec(`INSERT INTO lease (key, node, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET node = excluded.node, expires_at = excluded.expires_at
		WHERE lease.expires_at <= ? OR lease.node = excluded.node`,
		key, node, now.Add(ttl).UnixMilli(), now.UnixMilli())
	if res.Error != nil {
		return false, sqldb.Translate(res.Error, "acquire lease "+key)
	}
	return res.RowsAffected == 1, nil
}

// RenewLease extends a lease node holds; false when node lost it.
func (s *Repo) RenewLease(ctx context.Context, key, node string, ttl time.Duration) (bool, error) {
	now := s.db.Now()
	res := s.db.WithContext(ctx).Exec("UPDATE lease SET expires_at = ? WHERE key = ? AND node = ? AND expires_at > ?",
		now.Add(ttl).UnixMilli(), key, node, now.UnixMilli())
	if res.Error != nil {
		return false, sqldb.Translate(res.Error, "renew lease "+key)
	}
	return res.RowsAffected == 1, nil
}

// ReleaseLease gives a lease up (no-op when node does not hold it).
func (s *Repo) ReleaseLease(ctx context.Context, key, node string) error {
	err := s.db.WithContext(ctx).Exec("DELETE FROM lease WHERE key = ? AND node = ?", key, node).Error
	return sqldb.Translate(err, "release lease "+key)
}

// TakeOverLease gives the lease key to node for ttl, but only while holder
// still holds it: the caller found that holder gone (its process died, or
// it stopped renewing) and takes over without waiting for the lease to
// expire. Among concurrent takers exactly one wins.
func (s *Repo) TakeOverLease(ctx context.Context, key, holder, node string, ttl time.Duration) (bool, error) {
	res := s.db.WithContext(ctx).Exec("UPDATE lease SET node = ?, expires_at = ? WHERE key = ? AND node = ?",
		node, s.db.Now().Add(ttl).UnixMilli(), key, holder)
	if res.Error != nil {
		return false, sqldb.Translate(res.Error, "take over lease "+key)
	}
	return res.RowsAffected == 1, nil
}
