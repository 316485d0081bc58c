package crm

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/wfehq/wfe/store/internal/sqldb"
)

// ContactCSVColumns are the columns of a contacts CSV file (header row
// required, any order; partner_roles separated by ";").
var ContactCSVColumns = []string{"partner", "partner_roles", "partner_fax", "first_name", "last_name", "email", "fax"}

// RejectedRow is a CSV row that was not imported.
type RejectedRow struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

// ContactImportResult tells what a contacts CSV import did, row by row.
type ContactImportResult struct {
	Created   int           `json:"created"`   // contacts created
	Updated   int           `json:"updated"`   // contacts found and changed
	Unchanged int           `json:"unchanged"` // contacts found as the row has them
	Partners  int           `json:"partners"`  // business partners created
	Rejected  []RejectedRow `json:"rejected"`
}

// ImportContactsCSV reads contacts from CSV (comma or semicolon separated,
// detected from the header) and stores the valid rows in one transaction.
// It is an upsert: a contact is found by its e-mail address at its
// business partner (case-insensitive; a row without e-mail by first and
// last name), and created when there is none. A found contact takes the
// row's non-empty values (an empty cell keeps what is stored), so
// importing the same file again changes nothing. Partners are found by
// name (case-insensitive) or created; new roles are added to an existing
// partner, and its fax when it has none. Rejected rows are reported with
// their line numbers.
func (s *Repo) ImportContactsCSV(ctx context.Context, r io.Reader) (*ContactImportResult, error) {
	data, err := io.ReadAll(io.LimitReader(r, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("read contacts CSV: %w", err)
	}
	text := strings.TrimPrefix(string(data), "\ufeff")
	first, _, _ := strings.Cut(text, "\n")
	cr := &csvRows{text: text, comma: ','}
	if strings.Count(first, ";") > strings.Count(first, ",") {
		cr.comma = ';'
	}
	cr.restart(0)
	header, _, err := cr.read()
	if err != nil {
		return nil, fmt.Errorf("contacts CSV: header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	for _, need := range []string{"partner", "email"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("contacts CSV: line 1: column %q missing (columns: %s): %w", need, strings.Join(ContactCSVColumns, ","), sqldb.ErrInvalid)
		}
	}
	for h := range col {
		if !slices.Contains(ContactCSVColumns, h) {
			return nil, fmt.Errorf("contacts CSV: line 1: unknown column %q (columns: %s): %w", h, strings.Join(ContactCSVColumns, ","), sqldb.ErrInvalid)
		}
	}
	res := &ContactImportResult{Rejected: []RejectedRow{}}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		partners := map[string]*BusinessPartner{}
		for {
			rec, line, err := cr.read()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				var pe *csv.ParseError
				if errors.As(err, &pe) {
					res.Rejected = append(res.Rejected, RejectedRow{Line: line, Reason: pe.Err.Error()})
					continue
				}
				return fmt.Errorf("contacts CSV: %w", err)
			}
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

// csvRows reads CSV records with their line numbers. A quote that is
// not closed would swallow every following line into one field: after
// such an error reading starts again on the line after the one where the
// record began, so that the rows after a broken one are not lost.
type csvRows struct {
	text  string
	comma rune
	base  int // lines of text before r's input
	r     *csv.Reader
}

// restart reads on from the line after line (1-based; 0: the start).
func (c *csvRows) restart(line int) {
	off := 0
	for range line {
		n := strings.IndexByte(c.text[off:], '\n')
		if n < 0 {
			off = len(c.text)
			break
		}
		off += n + 1
	}
	c.r = csv.NewReader(strings.NewReader(c.text[off:]))
	c.r.Comma = c.comma
	c.r.FieldsPerRecord = -1
	c.base = line
}

// read returns the next record and its line; a *csv.ParseError comes
// with the line where the broken record began.
func (c *csvRows) read() ([]string, int, error) {
	rec, err := c.r.Read()
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		start := c.base + pe.StartLine
		if pe.Line > pe.StartLine {
			c.restart(start)
		}
		return nil, start, err
	}
	if err != nil {
		return nil, 0, err
	}
	line, _ := c.r.FieldPos(0)
	return rec, c.base + line, nil
}

// importContactRow stores one row; a non-empty reason rejects it.
func (s *Repo) importContactRow(tx *gorm.DB, partners map[string]*BusinessPartner, res *ContactImportResult, get func(string) string) (string, error) {
	if reason := checkContactRow(get); reason != "" {
		return reason, nil
	}
	p, err := s.rowPartner(tx, partners, res, get)
	if err != nil {
		return "", err
	}
	row := Contact{PartnerID: p.ID, FirstName: get("first_name"), LastName: get("last_name"), Email: get("email"), Fax: get("fax")}
	return "", s.upsertContact(tx, res, row)
}

// checkContactRow says why a row cannot be imported ("" when it can).
func checkContactRow(get func(string) string) string {
	pname, email := get("partner"), get("email")
	if pname == "" {
		return "partner is empty (a contact always belongs to a business partner)"
	}
	if email != "" {
		a, err := mail.ParseAddress(email)
		if err != nil || a.Address != email {
			return fmt.Sprintf("email %q is not an e-mail address", email)
		}
	}
	if email == "" && get("first_name") == "" && get("last_name") == "" {
		return "neither a name nor an e-mail address"
	}
	return ""
}

// rowPartner finds or creates the row's business partner and adds the
// row's roles, and its fax when the partner has none.
func (s *Repo) rowPartner(tx *gorm.DB, partners map[string]*BusinessPartner, res *ContactImportResult, get func(string) string) (*BusinessPartner, error) {
	pname := get("partner")
	var roles sqldb.StringList
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
			return nil, sqldb.Translate(err, "business partner "+pname)
		}
		if found.ID == 0 {
			found = BusinessPartner{Name: pname, Roles: roles, Fax: get("partner_fax")}
			if err := tx.Omit("id").Create(&found).Error; err != nil {
				return nil, sqldb.Translate(err, "create business partner "+pname)
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
		if err := tx.Model(p).Updates(map[string]any{"roles": p.Roles, "fax": p.Fax, "updated_at": s.db.Now()}).Error; err != nil {
			return nil, sqldb.Translate(err, "update business partner "+pname)
		}
	}
	return p, nil
}

// upsertContact creates row, or brings the contact it names up to date
// with the row's non-empty values, and counts what it did.
func (s *Repo) upsertContact(tx *gorm.DB, res *ContactImportResult, row Contact) error {
	q := tx.Where("partner_id = ? AND lower(email) = ?", row.PartnerID, strings.ToLower(row.Email))
	if row.Email == "" {
		q = tx.Where("partner_id = ? AND email = '' AND lower(first_name) = ? AND lower(last_name) = ?",
			row.PartnerID, strings.ToLower(row.FirstName), strings.ToLower(row.LastName))
	}
	var cur Contact
	if err := q.Order("id").Limit(1).Find(&cur).Error; err != nil {
		return sqldb.Translate(err, "contact "+contactLabel(&row))
	}
	if cur.ID == 0 {
		if err := tx.Omit("id").Create(&row).Error; err != nil {
			return sqldb.Translate(err, "create contact "+contactLabel(&row))
		}
		res.Created++
		return nil
	}
	up := map[string]any{}
	for col, v := range map[string][2]string{"first_name": {cur.FirstName, row.FirstName},
		"last_name": {cur.LastName, row.LastName}, "email": {cur.Email, row.Email}, "fax": {cur.Fax, row.Fax}} {
		if v[1] != "" && v[1] != v[0] {
			up[col] = v[1]
		}
	}
	if len(up) == 0 {
		res.Unchanged++
		return nil
	}
	up["updated_at"] = s.db.Now()
	if err := tx.Model(&cur).Updates(up).Error; err != nil {
		return sqldb.Translate(err, "update contact "+contactLabel(&cur))
	}
	res.Updated++
	return nil
}
