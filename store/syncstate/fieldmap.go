package syncstate

import (
	"context"

	"gorm.io/gorm"

	"github.com/wfehq/wfe/store/internal/sqldb"
)

// FieldPair maps one groupware field to one CRM field.
type FieldPair struct {
	Groupware string `json:"groupware"`
	CRM       string `json:"crm"`
}

type fieldMapRow struct {
	TableName_     string `gorm:"column:table_name"`
	GroupwareField string
	CRMField       string `gorm:"column:crm_field"`
}

func (fieldMapRow) TableName() string { return "sync_field_map" }

// FieldMap reads a table's stored mapping; nil means none is stored (the
// default mapping applies).
func (s *Repo) FieldMap(ctx context.Context, table string) ([]FieldPair, error) {
	var rows []fieldMapRow
	if err := s.db.WithContext(ctx).Where("table_name = ?", table).Order("groupware_field").Find(&rows).Error; err != nil {
		return nil, sqldb.Translate(err, "read field mapping of "+table)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	out := make([]FieldPair, len(rows))
	for i, r := range rows {
		out[i] = FieldPair{Groupware: r.GroupwareField, CRM: r.CRMField}
	}
	return out, nil
}

// SetFieldMap replaces a table's mapping (an empty list restores the
// default).
func (s *Repo) SetFieldMap(ctx context.Context, table string, pairs []FieldPair) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("table_name = ?", table).Delete(&fieldMapRow{}).Error; err != nil {
			return sqldb.Translate(err, "clear field mapping of "+table)
		}
		for _, p := range pairs {
			row := fieldMapRow{TableName_: table, GroupwareField: p.Groupware, CRMField: p.CRM}
			if err := tx.Create(&row).Error; err != nil {
				return sqldb.Translate(err, "save field mapping of "+table)
			}
		}
		return nil
	})
}
