package syncstate

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/wfehq/wfe/store/internal/sqldb"
)

// Conflict is a record held for a person: fields changed differently on
// both sides under the "ask" option, or a match that is not unique.
type Conflict struct {
	ID          int64  `gorm:"primaryKey" json:"id"`
	RuleID      int64  `json:"rule_id"`
	EmployeeID  int64  `json:"employee_id"`
	CRMID       string `gorm:"column:crm_id" json:"crm_id"`
	GroupwareID string `json:"groupware_id"`
	// Fields are the fields in conflict; CRMVersion and GroupwareVersion
	// each side's values of them.
	Fields           []string          `gorm:"type:text;serializer:json" json:"fields"`
	CRMVersion       map[string]string `gorm:"column:crm_version;type:text;serializer:json" json:"crm"`
	GroupwareVersion map[string]string `gorm:"type:text;serializer:json" json:"groupware"`
	Reason           string            `json:"reason"`
	// Keep is a person's decision (crm or groupware), applied by the next run.
	Keep      string    `json:"keep,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// TableName implements gorm's tabler.
func (Conflict) TableName() string { return "sync_conflict" }

// Pending is a groupware item waiting for a manual import into the CRM.
type Pending struct {
	ID          int64  `gorm:"primaryKey" json:"id"`
	RuleID      int64  `json:"rule_id"`
	EmployeeID  int64  `json:"employee_id"`
	GroupwareID string `json:"groupware_id"`
	FolderID    string `json:"folder_id"`
	ETag        string `gorm:"column:etag" json:"etag"`
	// CRMCarried is the CRM id stored on the item, if any.
	CRMCarried string            `json:"crm_carried,omitempty"`
	Name       string            `json:"name"`
	Email      string            `json:"email"`
	Fields     map[string]string `gorm:"type:text;serializer:json" json:"fields"`
	// PartnerID is set by the manual import: the business partner the
	// person picked; the next run creates the contact under it.
	PartnerID *int64    `json:"partner_id,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// TableName implements gorm's tabler.
func (Pending) TableName() string { return "sync_pending" }

// Held is what waits for a person, of one rule and employee.
type Held struct {
	Conflicts []Conflict
	Pending   []Pending
}

// ReplaceHeld stores the records a run held: the conflicts replace the
// open ones (decided ones that were not applied stay; one held again for
// the same pair keeps its id, so a person can resolve it by the id listed
// before a later run), the pending imports replace the earlier list
// (adopted ones keep their partner).
func (s *Repo) ReplaceHeld(ctx context.Context, a Account, conflicts []Conflict, pending []Pending) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.replaceConflicts(tx, a, conflicts); err != nil {
			return err
		}
		keep := make([]string, 0, len(pending))
		for i := range pending {
			p := &pending[i]
			p.RuleID, p.EmployeeID, p.CreatedAt = a.RuleID, a.EmployeeID, s.db.Now()
			p.Fields = nonNilMap(p.Fields)
			keep = append(keep, p.GroupwareID)
			err := tx.Clauses(clause.OnConflict{
				Columns:   []clause.Column{{Name: "rule_id"}, {Name: "employee_id"}, {Name: "groupware_id"}},
				DoUpdates: clause.AssignmentColumns([]string{"folder_id", "etag", "crm_carried", "name", "email", "fields"}),
			}).Create(p).Error
			if err != nil {
				return sqldb.Translate(err, "list pending import")
			}
		}
		q := a.where(tx)
		if len(keep) > 0 {
			q = q.Where("groupware_id NOT IN ?", keep)
		}
		return sqldb.Translate(q.Delete(&Pending{}).Error, "clear pending imports")
	})
}

// replaceConflicts updates the open conflicts held again, queues the new
// ones and drops the open ones no longer held.
func (s *Repo) replaceConflicts(tx *gorm.DB, a Account, conflicts []Conflict) error {
	var open []Conflict
	if err := a.where(tx).Where("keep = ''").Find(&open).Error; err != nil {
		return sqldb.Translate(err, "read conflicts")
	}
	idOf := map[[2]string]int64{}
	for _, c := range open {
		idOf[[2]string{c.CRMID, c.GroupwareID}] = c.ID
	}
	for i := range conflicts {
		c := &conflicts[i]
		key := [2]string{c.CRMID, c.GroupwareID}
		c.ID, c.RuleID, c.EmployeeID, c.CreatedAt = idOf[key], a.RuleID, a.EmployeeID, s.db.Now()
		delete(idOf, key)
		c.Fields, c.CRMVersion, c.GroupwareVersion = nonNil(c.Fields), nonNilMap(c.CRMVersion), nonNilMap(c.GroupwareVersion)
		save := tx.Create(c)
		if c.ID != 0 {
			save = tx.Select("fields", "crm_version", "groupware_version", "reason").Updates(c)
		}
		if save.Error != nil {
			return sqldb.Translate(save.Error, "queue conflict")
		}
	}
	for _, id := range idOf {
		if err := tx.Delete(&Conflict{}, id).Error; err != nil {
			return sqldb.Translate(err, "clear conflicts")
		}
	}
	return nil
}

// LoadHeld reads the conflicts and pending imports of a rule and employee.
func (s *Repo) LoadHeld(ctx context.Context, a Account) (*Held, error) {
	h := &Held{}
	db := s.db.WithContext(ctx)
	if err := a.where(db).Order("id").Find(&h.Conflicts).Error; err != nil {
		return nil, sqldb.Translate(err, "read conflicts")
	}
	if err := a.where(db).Order("id").Find(&h.Pending).Error; err != nil {
		return nil, sqldb.Translate(err, "read pending imports")
	}
	return h, nil
}

// ListConflicts returns every queued conflict, oldest first.
func (s *Repo) ListConflicts(ctx context.Context) ([]Conflict, error) {
	var cs []Conflict
	return cs, sqldb.Translate(s.db.WithContext(ctx).Order("id").Find(&cs).Error, "list conflicts")
}

// GetConflict loads one conflict.
func (s *Repo) GetConflict(ctx context.Context, id int64) (*Conflict, error) {
	var c Conflict
	if err := s.db.WithContext(ctx).Take(&c, id).Error; err != nil {
		return nil, sqldb.Translate(err, fmt.Sprintf("conflict %d", id))
	}
	return &c, nil
}

// DecideConflict records a person's decision: keep crm or groupware.
func (s *Repo) DecideConflict(ctx context.Context, id int64, keep string) error {
	if keep != "crm" && keep != "groupware" {
		return fmt.Errorf("conflict %d: keep %q: want crm or groupware: %w", id, keep, sqldb.ErrInvalid)
	}
	res := s.db.WithContext(ctx).Model(&Conflict{}).Where("id = ?", id).Update("keep", keep)
	return sqldb.RowsOrNotFound(res.Error, res.RowsAffected, fmt.Sprintf("conflict %d", id))
}

// SettleConflict removes a conflict whose decision a run applied.
func (s *Repo) SettleConflict(ctx context.Context, id int64) error {
	return sqldb.Translate(s.db.WithContext(ctx).Delete(&Conflict{}, id).Error, fmt.Sprintf("settle conflict %d", id))
}

// AdoptPending records a manual import of pending items under a business
// partner; unknown ids are ErrNotFound and nothing is recorded.
func (s *Repo) AdoptPending(ctx context.Context, a Account, partnerID int64, ids []int64) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, id := range ids {
			res := a.where(tx.Model(&Pending{})).Where("id = ?", id).Update("partner_id", partnerID)
			if err := sqldb.RowsOrNotFound(res.Error, res.RowsAffected, fmt.Sprintf("pending import %d of this rule and employee", id)); err != nil {
				return err
			}
		}
		return nil
	})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
