package syncstate

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/wfehq/wfe/store/internal/sqldb"
)

// Contact is the sync's view of a CRM contact: every column the field
// mapping can reach, and the name of its business partner.
type Contact struct {
	ID          int64     `gorm:"primaryKey" json:"id"`
	PartnerID   int64     `json:"partner_id"`
	Partner     string    `gorm:"->;-:migration;column:partner" json:"partner"`
	FirstName   string    `json:"first_name"`
	LastName    string    `json:"last_name"`
	Email       string    `json:"email"`
	Phone       string    `json:"phone"`
	MobilePhone string    `json:"mobile_phone"`
	Fax         string    `json:"fax"`
	JobTitle    string    `json:"job_title"`
	Department  string    `json:"department"`
	Street      string    `json:"street"`
	City        string    `json:"city"`
	PostalCode  string    `json:"postal_code"`
	Country     string    `json:"country"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// TableName implements gorm's tabler.
func (Contact) TableName() string { return "contact" }

// ContactColumns are the contact columns a sync (or `contacts update`)
// may write, by their column names.
var ContactColumns = []string{"first_name", "last_name", "email", "phone", "mobile_phone", "fax",
	"job_title", "department", "street", "city", "postal_code", "country"}

// Column returns the value of a column of ContactColumns, or of the
// read-only columns partner and display_name ("first last").
func (c *Contact) Column(name string) string {
	switch name {
	case "partner":
		return c.Partner
	case "display_name":
		return strings.TrimSpace(c.FirstName + " " + c.LastName)
	}
	if p := c.field(name); p != nil {
		return *p
	}
	return ""
}

func (c *Contact) field(name string) *string {
	m := map[string]*string{"first_name": &c.FirstName, "last_name": &c.LastName, "email": &c.Email,
		"phone": &c.Phone, "mobile_phone": &c.MobilePhone, "fax": &c.Fax, "job_title": &c.JobTitle,
		"department": &c.Department, "street": &c.Street, "city": &c.City, "postal_code": &c.PostalCode,
		"country": &c.Country}
	return m[name]
}

// SetColumn sets a writable column; it reports false for a read-only or
// unknown one.
func (c *Contact) SetColumn(name, value string) bool {
	if p := c.field(name); p != nil {
		*p = value
		return true
	}
	return false
}

func contactQuery(db *gorm.DB) *gorm.DB {
	return db.Table("contact").Select("contact.*, business_partner.name AS partner").
		Joins("JOIN business_partner ON business_partner.id = contact.partner_id")
}

// ListContacts returns every contact with its partner's name, by id.
func (s *Repo) ListContacts(ctx context.Context) ([]Contact, error) {
	var cs []Contact
	err := contactQuery(s.db.WithContext(ctx)).Order("contact.id").Find(&cs).Error
	return cs, sqldb.Translate(err, "list contacts")
}

// GetContact loads one contact with its partner's name.
func (s *Repo) GetContact(ctx context.Context, id int64) (*Contact, error) {
	var c Contact
	if err := contactQuery(s.db.WithContext(ctx)).Where("contact.id = ?", id).Take(&c).Error; err != nil {
		return nil, sqldb.Translate(err, fmt.Sprintf("contact %d", id))
	}
	return &c, nil
}

// PartnerIDsByName returns the ids of the business partners named name
// (compared without regard to case and surrounding space).
func (s *Repo) PartnerIDsByName(ctx context.Context, name string) ([]int64, error) {
	var ids []int64
	err := s.db.WithContext(ctx).Table("business_partner").Where("lower(name) = ?", strings.ToLower(strings.TrimSpace(name))).
		Order("id").Pluck("id", &ids).Error
	return ids, sqldb.Translate(err, fmt.Sprintf("business partners named %q", name))
}

// UpdateContactColumns writes columns of ContactColumns of one contact
// and moves its update time.
func (s *Repo) UpdateContactColumns(ctx context.Context, id int64, values map[string]string) error {
	return updateContact(s.db.WithContext(ctx), s.db.Now(), id, values)
}

func updateContact(tx *gorm.DB, now time.Time, id int64, values map[string]string) error {
	upd := map[string]any{"updated_at": now}
	for col, v := range values {
		if (&Contact{}).field(col) == nil {
			return fmt.Errorf("contact %d: %q is not a writable contact field: %w", id, col, sqldb.ErrInvalid)
		}
		upd[col] = v
	}
	res := tx.Table("contact").Where("id = ?", id).Updates(upd)
	return sqldb.RowsOrNotFound(res.Error, res.RowsAffected, fmt.Sprintf("update contact %d", id))
}

// CreateContactLinked inserts a contact and the link to its groupware
// item in one transaction; l.CRMID is set to the new contact's id.
func (s *Repo) CreateContactLinked(ctx context.Context, c *Contact, l *Link) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		c.ID, c.Partner = 0, ""
		if err := tx.Omit("partner").Create(c).Error; err != nil {
			return sqldb.Translate(err, fmt.Sprintf("create contact %s %s", c.FirstName, c.LastName))
		}
		l.CRMID = strconv.FormatInt(c.ID, 10)
		return saveLink(tx, s.db.Now(), l)
	})
}

// UpdateContactLinked writes columns of a contact and its link's new
// state in one transaction.
func (s *Repo) UpdateContactLinked(ctx context.Context, id int64, values map[string]string, l *Link) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if len(values) > 0 {
			if err := updateContact(tx, s.db.Now(), id, values); err != nil {
				return err
			}
		}
		return saveLink(tx, s.db.Now(), l)
	})
}

// DeleteContactLinked deletes a contact and its link in one transaction.
func (s *Repo) DeleteContactLinked(ctx context.Context, a Account, id int64) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		crmID := strconv.FormatInt(id, 10)
		if err := a.where(tx).Where("crm_id = ?", crmID).Delete(&Link{}).Error; err != nil {
			return sqldb.Translate(err, "delete sync link of contact "+crmID)
		}
		return sqldb.Translate(tx.Table("contact").Where("id = ?", id).Delete(nil).Error, "delete contact "+crmID)
	})
}
