package syncstate

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/wfehq/wfe/store/internal/sqldb"
)

// SetGroupwareConfig names the mail configuration whose groupware system
// the employee syncs with (0 clears it).
func (s *Repo) SetGroupwareConfig(ctx context.Context, employeeID, configID int64) error {
	var v any
	if configID != 0 {
		v = configID
	}
	res := s.db.WithContext(ctx).Table("employee").Where("id = ?", employeeID).
		Updates(map[string]any{"groupware_config_id": v, "updated_at": s.db.Now()})
	return sqldb.RowsOrNotFound(res.Error, res.RowsAffected, fmt.Sprintf("employee %d", employeeID))
}

// GroupwareConfigs returns the groupware configuration id of every
// employee that has one, by employee id.
func (s *Repo) GroupwareConfigs(ctx context.Context) (map[int64]int64, error) {
	var rows []struct{ ID, GroupwareConfigID int64 }
	err := s.db.WithContext(ctx).Table("employee").Select("id, groupware_config_id").
		Where("groupware_config_id IS NOT NULL").Find(&rows).Error
	out := make(map[int64]int64, len(rows))
	for _, r := range rows {
		out[r.ID] = r.GroupwareConfigID
	}
	return out, sqldb.Translate(err, "read groupware configurations of employees")
}

// SetGroupwareURL sets the groupware URL of a mail configuration.
func (s *Repo) SetGroupwareURL(ctx context.Context, configID int64, url string) error {
	res := s.db.WithContext(ctx).Table("mail_config").Where("id = ?", configID).
		Updates(map[string]any{"groupware_url": url, "updated_at": s.db.Now()})
	return sqldb.RowsOrNotFound(res.Error, res.RowsAffected, fmt.Sprintf("mail configuration %d", configID))
}

// GroupwareURL reads the groupware URL of a mail configuration.
func (s *Repo) GroupwareURL(ctx context.Context, configID int64) (string, error) {
	var urls []string
	err := s.db.WithContext(ctx).Table("mail_config").Where("id = ?", configID).Pluck("groupware_url", &urls).Error
	if err == nil && len(urls) == 0 {
		return "", fmt.Errorf("mail configuration %d: %w", configID, sqldb.ErrNotFound)
	}
	if err != nil {
		return "", sqldb.Translate(err, "read groupware URL")
	}
	return urls[0], nil
}

// SetGroups makes the employee a member of exactly these groups.
func (s *Repo) SetGroups(ctx context.Context, employeeID int64, groups []string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("DELETE FROM employee_group_member WHERE employee_id = ?", employeeID).Error; err != nil {
			return sqldb.Translate(err, "set groups")
		}
		for _, g := range groups {
			if err := tx.Exec("INSERT INTO employee_group_member (group_name, employee_id) VALUES (?, ?)", g, employeeID).Error; err != nil {
				return sqldb.Translate(err, fmt.Sprintf("add employee %d to group %q", employeeID, g))
			}
		}
		return nil
	})
}

// GroupMembers returns the employee ids of a group.
func (s *Repo) GroupMembers(ctx context.Context, group string) ([]int64, error) {
	var ids []int64
	err := s.db.WithContext(ctx).Table("employee_group_member").Where("group_name = ?", group).
		Order("employee_id").Pluck("employee_id", &ids).Error
	return ids, sqldb.Translate(err, fmt.Sprintf("members of group %q", group))
}
