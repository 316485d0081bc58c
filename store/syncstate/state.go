package syncstate

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/wfehq/wfe/store/internal/sqldb"
)

// Link is one linked pair of a rule and employee: the CRM id, the
// groupware item's id and folder, its version after the last sync, and
// the fingerprint of each field's last synced value.
type Link struct {
	RuleID      int64             `gorm:"primaryKey" json:"rule_id"`
	EmployeeID  int64             `gorm:"primaryKey" json:"employee_id"`
	CRMID       string            `gorm:"primaryKey;column:crm_id" json:"crm_id"`
	GroupwareID string            `json:"groupware_id"`
	FolderID    string            `json:"folder_id"`
	ETag        string            `gorm:"column:etag" json:"etag"`
	Synced      map[string]string `gorm:"type:text;serializer:json" json:"synced"`
	UpdatedAt   time.Time         `json:"updated_at"`
}

// TableName implements gorm's tabler.
func (Link) TableName() string { return "sync_link" }

// Account names one rule and employee, the unit of a sync run.
type Account struct{ RuleID, EmployeeID int64 }

func (a Account) where(db *gorm.DB) *gorm.DB {
	return db.Where("rule_id = ? AND employee_id = ?", a.RuleID, a.EmployeeID)
}

type tokenRow struct {
	RuleID     int64  `gorm:"primaryKey"`
	EmployeeID int64  `gorm:"primaryKey"`
	FolderID   string `gorm:"primaryKey"`
	Token      string
}

func (tokenRow) TableName() string { return "sync_token" }

type referenceRow struct {
	RuleID     int64 `gorm:"primaryKey"`
	EmployeeID int64 `gorm:"primaryKey"`
	RefDate    time.Time
}

func (referenceRow) TableName() string { return "sync_reference" }

// State is the sync state of one rule and employee.
type State struct {
	Links []Link
	// Tokens holds the change token per folder id.
	Tokens map[string]string
	// RefDate is the start of the last successful run (zero: none yet).
	RefDate time.Time
}

// LoadState reads the sync state of a rule and employee.
func (s *Repo) LoadState(ctx context.Context, a Account) (*State, error) {
	st := &State{Tokens: map[string]string{}}
	db := s.db.WithContext(ctx)
	if err := a.where(db).Order("crm_id").Find(&st.Links).Error; err != nil {
		return nil, sqldb.Translate(err, "read sync links")
	}
	var toks []tokenRow
	if err := a.where(db).Find(&toks).Error; err != nil {
		return nil, sqldb.Translate(err, "read sync tokens")
	}
	for _, t := range toks {
		st.Tokens[t.FolderID] = t.Token
	}
	var ref []referenceRow
	if err := a.where(db).Find(&ref).Error; err != nil {
		return nil, sqldb.Translate(err, "read sync reference date")
	}
	if len(ref) == 1 {
		st.RefDate = ref[0].RefDate.UTC()
	}
	return st, nil
}

// SaveLink inserts or replaces one link (a pair linked or synced).
func (s *Repo) SaveLink(ctx context.Context, l *Link) error {
	return saveLink(s.db.WithContext(ctx), s.db.Now(), l)
}

func saveLink(tx *gorm.DB, now time.Time, l *Link) error {
	l.UpdatedAt = now
	if l.Synced == nil {
		l.Synced = map[string]string{}
	}
	// A groupware id moves to its new CRM id (a pair matched again).
	if err := tx.Where("rule_id = ? AND employee_id = ? AND groupware_id = ? AND crm_id <> ?",
		l.RuleID, l.EmployeeID, l.GroupwareID, l.CRMID).Delete(&Link{}).Error; err != nil {
		return sqldb.Translate(err, "save sync link")
	}
	err := tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(l).Error
	return sqldb.Translate(err, fmt.Sprintf("save sync link of CRM id %s", l.CRMID))
}

// DeleteLink drops the link of a CRM id.
func (s *Repo) DeleteLink(ctx context.Context, a Account, crmID string) error {
	err := a.where(s.db.WithContext(ctx)).Where("crm_id = ?", crmID).Delete(&Link{}).Error
	return sqldb.Translate(err, "delete sync link of CRM id "+crmID)
}

// FinishRun stores the folders' new change tokens and the new reference
// date together, after a run whose changes were all applied (R60).
func (s *Repo) FinishRun(ctx context.Context, a Account, tokens map[string]string, refDate time.Time) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for folder, tok := range tokens {
			row := tokenRow{RuleID: a.RuleID, EmployeeID: a.EmployeeID, FolderID: folder, Token: tok}
			if err := tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&row).Error; err != nil {
				return sqldb.Translate(err, "save sync token")
			}
		}
		ref := referenceRow{RuleID: a.RuleID, EmployeeID: a.EmployeeID, RefDate: refDate.UTC()}
		return sqldb.Translate(tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&ref).Error, "save sync reference date")
	})
}
