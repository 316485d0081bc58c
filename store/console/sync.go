package console

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/wfehq/wfe/store/crm"
	"github.com/wfehq/wfe/store/internal/sqldb"
	"github.com/wfehq/wfe/store/syncstate"
)

// PendingImport is a groupware contact waiting for a manual import, with
// the names of its rule and employee.
type PendingImport struct {
	syncstate.Pending
	Rule  string
	Login string
}

// PendingImports lists the groupware contacts waiting for a manual import
// of every rule and employee (at most limit, oldest first).
func (r *Repo) PendingImports(ctx context.Context, limit int) ([]PendingImport, error) {
	var out []PendingImport
	err := r.pendingQuery(ctx).Order("p.id").Limit(limit).Scan(&out).Error
	return out, sqldb.Translate(err, "list pending imports")
}

// PendingImportByID is one pending import with its rule and employee.
func (r *Repo) PendingImportByID(ctx context.Context, id int64) (*PendingImport, error) {
	var out []PendingImport
	if err := r.pendingQuery(ctx).Where("p.id = ?", id).Scan(&out).Error; err != nil {
		return nil, sqldb.Translate(err, fmt.Sprintf("pending import %d", id))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("pending import %d: %w", id, sqldb.ErrNotFound)
	}
	return &out[0], nil
}

func (r *Repo) pendingQuery(ctx context.Context) *gorm.DB {
	return r.db.WithContext(ctx).Table("sync_pending AS p").
		Select("p.*, r.name AS rule, e.login AS login").
		Joins("JOIN sync_rule r ON r.id = p.rule_id").
		Joins("JOIN employee e ON e.id = p.employee_id")
}

// PartnerChoice is a business partner offered in a picker.
type PartnerChoice struct {
	ID   int64
	Name string
}

// PartnerChoices lists business partners by name for a picker (at most
// limit).
func (r *Repo) PartnerChoices(ctx context.Context, limit int) ([]PartnerChoice, error) {
	var out []PartnerChoice
	err := r.db.WithContext(ctx).Model(&crm.BusinessPartner{}).Select("id, name").Order("name, id").Limit(limit).Scan(&out).Error
	return out, sqldb.Translate(err, "list business partners")
}
