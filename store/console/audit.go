package console

import (
	"context"
	"fmt"
	"time"

	"github.com/wfehq/wfe/store/internal/sqldb"
)

// Actor kinds of audit entries.
const (
	ActorUser  = "user"  // a console user signed in with a browser
	ActorToken = "token" // a script with an API token
	ActorCLI   = "cli"   // the command line (wfe console ...)
)

// AuditEntry is one change: who, when, what. Detail never holds a
// secret: callers describe a changed secret as "password changed".
type AuditEntry struct {
	ID        int64     `gorm:"primaryKey" json:"id"`
	At        time.Time `json:"at"`
	Actor     string    `json:"actor"`
	ActorKind string    `json:"actor_kind"`
	Action    string    `json:"action"`
	Target    string    `json:"target"`
	Detail    string    `json:"detail"`
}

// TableName implements gorm's tabler.
func (AuditEntry) TableName() string { return "console_audit" }

// Audit records a change; At is set to now.
func (r *Repo) Audit(ctx context.Context, e AuditEntry) error {
	if e.Actor == "" || e.Action == "" {
		return fmt.Errorf("audit entry without actor or action: %w", sqldb.ErrInvalid)
	}
	e.ID, e.At = 0, r.db.Now()
	return sqldb.Translate(r.db.WithContext(ctx).Create(&e).Error, "audit "+e.Action)
}

// ListAudit returns the newest entries first, at most limit (0: 100),
// older than beforeID when it is positive (keyset paging).
func (r *Repo) ListAudit(ctx context.Context, beforeID int64, limit int) ([]AuditEntry, error) {
	if limit <= 0 {
		limit = 100
	}
	q := r.db.WithContext(ctx).Order("id DESC").Limit(limit)
	if beforeID > 0 {
		q = q.Where("id < ?", beforeID)
	}
	var out []AuditEntry
	return out, sqldb.Translate(q.Find(&out).Error, "list audit log")
}
