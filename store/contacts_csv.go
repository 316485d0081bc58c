package store

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"strings"

	"gorm.io/gorm"
)

// ContactCSVColumns are the columns of a contacts CSV file (header row
// required, any order; partner_roles separated by ";").
var ContactCSVColumns = []string{"partner", "partner_roles", "partner_fax", "first_name", "last_name", "email", "fax"}

// RejectedRow is a CSV row that was not imported.
type RejectedRow struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

// ContactImportResult tells what a contacts CSV import did.
type ContactImportResult struct {
	Contacts int           `json:"contacts"` // contacts created
	Partners int           `json:"partners"` // business partners created
	Rejected []RejectedRow `json:"rejected"`
}

// ImportContactsCSV reads contacts from CSV (comma or semicolon separated,
// detected from the header) and stores the valid rows in one transaction.
// Partners are found by name (case-insensitive) or created; new roles are
// added to an existing partner. Rejected rows are reported with their line
// numbers; a contact with the same e-mail at the same partner is rejected
// as already present.
func (s *Store) ImportContactsCSV(ctx context.Context, r io.Reader) (*ContactImportResult, error) {
	data, err := io.ReadAll(io.LimitReader(r, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("read contacts CSV: %w", err)
	}
	text := strings.TrimPrefix(string(data), "\ufeff")
	first, _, _ := strings.Cut(text, "\n")
	cr := csv.NewReader(strings.NewReader(text))
	if strings.Count(first, ";") > strings.Count(first, ",") {
		cr.Comma = ';'
	}
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("contacts CSV: header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	for _, need := range []string{"partner", "email"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("contacts CSV: line 1: column %q missing (columns: %s): %w", need, strings.Join(ContactCSVColumns, ","), ErrInvalid)
		}
	}
	for h := range col {
		if !contains(ContactCSVColumns, h) {
			return nil, fmt.Errorf("contacts CSV: line 1: unknown column %q (columns: %s): %w", h, strings.Join(ContactCSVColumns, ","), ErrInvalid)
		}
	}
	res := &ContactImportResult{Rejected: []RejectedRow{}}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		partners := map[string]*BusinessPartner{}
		for {
			rec, err := cr.Read()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				var pe *csv.ParseError
				if errors.As(err, &pe) {
					res.Rejected = append(res.Rejected, RejectedRow{Line: pe.StartLine, Reason: pe.Err.Error()})
					continue
				}
				return fmt.Errorf("contacts CSV: %w", err)
			}
			line, _ := cr.FieldPos(0)
			get := func(name string) string {
				if i, ok := col[name]; ok && i < len(rec) {
					return strings.TrimSpace(rec[i])
				}
				return ""
			}
			if len(rec) != len(header) {
				res.Rejected = append(res.Rejected, RejectedRow{Line: line, Reason: fmt.Sprintf("%d fields, the header has %d", len(rec), len(header))})
				continue
			}
			reason, err := s.importContactRow(tx, partners, res, get)
			if err != nil {
				return fmt.Errorf("contacts CSV line %d: %w", line, err)
			}
			if reason != "" {
				res.Rejected = append(res.Rejected, RejectedRow{Line: line, Reason: reason})
			}
		}
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// importContactRow stores one row; a non-empty reason rejects it.
func (s *Store) importContactRow(tx *gorm.DB, partners map[string]*BusinessPartner, res *ContactImportResult, get func(string) string) (string, error) {
	pname, email := get("partner"), get("email")
	if pname == "" {
		return "partner is empty (a contact always belongs to a business partner)", nil
	}
	if email != "" {
		a, err := mail.ParseAddress(email)
		if err != nil || a.Address != email {
			return fmt.Sprintf("email %q is not an e-mail address", email), nil
		}
	}
	if email == "" && get("first_name") == "" && get("last_name") == "" {
		return "neither a name nor an e-mail address", nil
	}
	var roles StringList
	for _, r := range strings.Split(get("partner_roles"), ";") {
		if r = strings.TrimSpace(r); r != "" && !roles.Has(r) {
			roles = append(roles, r)
		}
	}
	key := strings.ToLower(pname)
	p := partners[key]
	if p == nil {
		var found BusinessPartner
		err := tx.Where("lower(name) = ?", key).Order("id").Limit(1).Find(&found).Error
		if err != nil {
			return "", translate(err, "business partner "+pname)
		}
		if found.ID == 0 {
			found = BusinessPartner{Name: pname, Roles: roles, Fax: get("partner_fax")}
			if err := tx.Omit("id").Create(&found).Error; err != nil {
				return "", translate(err, "create business partner "+pname)
			}
			res.Partners++
		}
		p = &found
		partners[key] = p
	}
	changed := false
	for _, r := range roles {
		if !p.Roles.Has(r) {
			p.Roles = append(p.Roles, r)
			changed = true
		}
	}
	if p.Fax == "" && get("partner_fax") != "" {
		p.Fax, changed = get("partner_fax"), true
	}
	if changed {
		if err := tx.Model(p).Updates(map[string]any{"roles": p.Roles, "fax": p.Fax, "updated_at": s.now()}).Error; err != nil {
			return "", translate(err, "update business partner "+pname)
		}
	}
	if email != "" {
		var n int64
		if err := tx.Model(&Contact{}).Where("partner_id = ? AND lower(email) = ?", p.ID, strings.ToLower(email)).Count(&n).Error; err != nil {
			return "", translate(err, "contact "+email)
		}
		if n > 0 {
			return fmt.Sprintf("contact %s already exists at %s", email, p.Name), nil
		}
	}
	c := Contact{PartnerID: p.ID, FirstName: get("first_name"), LastName: get("last_name"), Email: email, Fax: get("fax")}
	if err := tx.Omit("id").Create(&c).Error; err != nil {
		return "", translate(err, "create contact")
	}
	res.Contacts++
	return "", nil
}
