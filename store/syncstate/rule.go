package syncstate

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/wfehq/wfe/store/internal/sqldb"
)

// Rule validity (R57): every employee, one user, or a group.
const (
	ScopeAll   = "all"
	ScopeUser  = "user"
	ScopeGroup = "group"
)

// Rule is a sync rule (R57).
type Rule struct {
	ID    int64  `gorm:"primaryKey" json:"id"`
	Name  string `json:"name"`
	Table string `gorm:"column:table_name" json:"table"`
	// Scope is all, user or group; ScopeName the login or group name.
	Scope     string `json:"scope"`
	ScopeName string `json:"scope_name,omitempty"`
	// Master is the leading side: crm or groupware.
	Master string `json:"master"`
	// Folders are display-name paths (Graph) or address book names or
	// paths (CardDAV); empty means the default folder.
	Folders        sqldb.StringList `gorm:"type:text" json:"folders"`
	Subfolders     bool             `json:"subfolders"`
	NewItemsFolder string           `json:"new_items_folder,omitempty"`
	// Filter is an expr-lang expression over the CRM record.
	Filter         string `json:"filter,omitempty"`
	Conflict       string `json:"conflict"`
	DefaultPartner string `json:"default_partner,omitempty"`
	Overwrite      string `json:"overwrite,omitempty"`
	// Window is an appointments rule's time range as days around the
	// run, "-30d:+365d"; empty for other tables.
	Window string `gorm:"column:sync_window" json:"window,omitempty"`
	// TeamsLinks asks Microsoft Graph for a Teams link on meetings the
	// CRM creates in the calendar (appointments rules only).
	TeamsLinks bool `gorm:"column:teams_links" json:"teams_links,omitempty"`
	// What may flow towards the groupware (GW*) and towards the CRM.
	GWCreate  bool      `gorm:"column:gw_create" json:"groupware_create"`
	GWUpdate  bool      `gorm:"column:gw_update" json:"groupware_update"`
	GWDelete  bool      `gorm:"column:gw_delete" json:"groupware_delete"`
	CRMCreate bool      `gorm:"column:crm_create" json:"crm_create"`
	CRMUpdate bool      `gorm:"column:crm_update" json:"crm_update"`
	CRMDelete bool      `gorm:"column:crm_delete" json:"crm_delete"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// TableName implements gorm's tabler.
func (Rule) TableName() string { return "sync_rule" }

// ScopeText is the rule's validity as the command line writes it.
func (r *Rule) ScopeText() string {
	if r.Scope == ScopeAll {
		return ScopeAll
	}
	return r.Scope + ":" + r.ScopeName
}

// ParseScope reads all, user:LOGIN or group:NAME.
func ParseScope(s string) (scope, name string, err error) {
	if s == ScopeAll {
		return ScopeAll, "", nil
	}
	kind, name, ok := strings.Cut(s, ":")
	if ok && name != "" && (kind == ScopeUser || kind == ScopeGroup) {
		return kind, name, nil
	}
	return "", "", fmt.Errorf("validity %q: want all, user:LOGIN or group:NAME: %w", s, sqldb.ErrInvalid)
}

// CreateRule inserts r; a taken name is ErrConflict.
func (s *Repo) CreateRule(ctx context.Context, r *Rule) error {
	if strings.TrimSpace(r.Name) == "" {
		return fmt.Errorf("create sync rule: empty name: %w", sqldb.ErrInvalid)
	}
	return sqldb.Translate(s.db.WithContext(ctx).Create(r).Error, "create sync rule "+r.Name)
}

// RuleByName loads a rule.
func (s *Repo) RuleByName(ctx context.Context, name string) (*Rule, error) {
	var r Rule
	if err := s.db.WithContext(ctx).Where("name = ?", name).Take(&r).Error; err != nil {
		return nil, sqldb.Translate(err, fmt.Sprintf("sync rule %q", name))
	}
	return &r, nil
}

// ListRules returns every rule by name.
func (s *Repo) ListRules(ctx context.Context) ([]Rule, error) {
	var rs []Rule
	err := s.db.WithContext(ctx).Order("name").Find(&rs).Error
	return rs, sqldb.Translate(err, "list sync rules")
}

// RemoveRule deletes a rule with its sync state and held records.
func (s *Repo) RemoveRule(ctx context.Context, name string) error {
	res := s.db.WithContext(ctx).Where("name = ?", name).Delete(&Rule{})
	return sqldb.RowsOrNotFound(res.Error, res.RowsAffected, fmt.Sprintf("remove sync rule %q", name))
}
