package crm

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
	"gorm.io/gorm/clause"

	"github.com/wfehq/wfe/internal/exprpos"
	"github.com/wfehq/wfe/store/internal/sqldb"
)

// ExtendedSearch is a stored check (docs/REQUIREMENTS.md R15), e.g. primary key
// "31m47d216nrsh550ExtendedSearch", entity "contact", expression
// `"Lieferant" in partner.roles`.
type ExtendedSearch struct {
	PK          string    `gorm:"column:pk;primaryKey" json:"pk"`
	Entity      string    `json:"entity"`
	Expr        string    `gorm:"column:expr" json:"expr"`
	Description string    `json:"description"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// TableName implements gorm's tabler.
func (ExtendedSearch) TableName() string { return "extended_search" }

// SearchEntityContact is the only entity ExtendedSearch supports so far.
const SearchEntityContact = "contact"

// ContactEnv is what an expression sees as `contact`.
type ContactEnv struct {
	Email     string `expr:"email"`
	FirstName string `expr:"first_name"`
	LastName  string `expr:"last_name"`
	Fax       string `expr:"fax"`
}

// PartnerEnv is what an expression sees as `partner`.
type PartnerEnv struct {
	Name  string   `expr:"name"`
	Roles []string `expr:"roles"`
	Fax   string   `expr:"fax"`
}

type contactSearchEnv struct {
	Contact ContactEnv `expr:"contact"`
	Partner PartnerEnv `expr:"partner"`
}

// ContactMatcher is a compiled contact expression; safe for concurrent use.
type ContactMatcher struct {
	PK     string
	Source string
	prog   *vm.Program
}

var envNames = strings.NewReplacer("type crm.PartnerEnv", "partner", "type crm.ContactEnv", "contact",
	"type crm.contactSearchEnv", "the expression")

// CompileContactSearch compiles and type-checks a contact expression. The
// error names the position (1-based line and column).
func CompileContactSearch(src string) (*ContactMatcher, error) {
	if strings.TrimSpace(src) == "" {
		return nil, fmt.Errorf("expression is empty: %w", sqldb.ErrInvalid)
	}
	prog, err := expr.Compile(src, expr.Env(contactSearchEnv{}), expr.AsBool())
	if err != nil {
		msg, pos := exprpos.Of(err)
		if pos.Line > 0 {
			return nil, fmt.Errorf("expression %q: line %d, column %d: %s: %w", src, pos.Line, pos.Col, envNames.Replace(msg), sqldb.ErrInvalid)
		}
		return nil, fmt.Errorf("expression %q: %s (it must give true or false): %w", src, envNames.Replace(msg), sqldb.ErrInvalid)
	}
	return &ContactMatcher{Source: src, prog: prog}, nil
}

// Match evaluates the expression for a contact and its partner.
func (m *ContactMatcher) Match(cm ContactMatch) (bool, error) {
	env := contactSearchEnv{
		Contact: ContactEnv{Email: cm.Contact.Email, FirstName: cm.Contact.FirstName, LastName: cm.Contact.LastName, Fax: cm.Contact.Fax},
		Partner: PartnerEnv{Name: cm.Partner.Name, Roles: append([]string{}, cm.Partner.Roles...), Fax: cm.Partner.Fax},
	}
	out, err := expr.Run(m.prog, env)
	if err != nil {
		return false, fmt.Errorf("extended search %s: contact %d: %w", m.PK, cm.Contact.ID, err)
	}
	b, _ := out.(bool)
	return b, nil
}

// SaveExtendedSearch compiles the expression and stores (or replaces) the
// search. Only entity "contact" is supported.
func (s *Repo) SaveExtendedSearch(ctx context.Context, es *ExtendedSearch) error {
	if strings.TrimSpace(es.PK) == "" {
		return fmt.Errorf("save extended search: empty primary key: %w", sqldb.ErrInvalid)
	}
	if es.Entity == "" {
		es.Entity = SearchEntityContact
	}
	if es.Entity != SearchEntityContact {
		return fmt.Errorf("extended search %s: entity %q is not supported (only %q): %w", es.PK, es.Entity, SearchEntityContact, sqldb.ErrInvalid)
	}
	if _, err := CompileContactSearch(es.Expr); err != nil {
		return fmt.Errorf("extended search %s: %w", es.PK, err)
	}
	now := s.db.Now()
	es.CreatedAt, es.UpdatedAt = now, now
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "pk"}},
		DoUpdates: clause.AssignmentColumns([]string{"entity", "expr", "description", "updated_at"}),
	}).Create(es).Error
	s.searchMu.Lock()
	delete(s.searchCache, es.PK)
	s.searchMu.Unlock()
	return sqldb.Translate(err, "save extended search "+es.PK)
}

// GetExtendedSearch loads a search by primary key.
func (s *Repo) GetExtendedSearch(ctx context.Context, pk string) (*ExtendedSearch, error) {
	var es ExtendedSearch
	if err := s.db.WithContext(ctx).Where("pk = ?", pk).Take(&es).Error; err != nil {
		return nil, sqldb.Translate(err, fmt.Sprintf("extended search %q", pk))
	}
	return &es, nil
}

// ListExtendedSearches returns every search by primary key.
func (s *Repo) ListExtendedSearches(ctx context.Context) ([]ExtendedSearch, error) {
	var out []ExtendedSearch
	err := s.db.WithContext(ctx).Order("pk").Find(&out).Error
	return out, sqldb.Translate(err, "list extended searches")
}

// ContactMatcher returns the compiled matcher of a stored search (compiled
// once per expression and cached).
func (s *Repo) ContactMatcher(ctx context.Context, pk string) (*ContactMatcher, error) {
	es, err := s.GetExtendedSearch(ctx, pk)
	if err != nil {
		return nil, err
	}
	s.searchMu.Lock()
	defer s.searchMu.Unlock()
	if m, ok := s.searchCache[pk]; ok && m.Source == es.Expr {
		return m, nil
	}
	m, err := CompileContactSearch(es.Expr)
	if err != nil {
		return nil, fmt.Errorf("extended search %s: %w", pk, err)
	}
	m.PK = pk
	s.searchCache[pk] = m
	return m, nil
}

// MatchContact evaluates the stored search pk for a contact.
func (s *Repo) MatchContact(ctx context.Context, pk string, cm ContactMatch) (bool, error) {
	m, err := s.ContactMatcher(ctx, pk)
	if err != nil {
		return false, err
	}
	return m.Match(cm)
}
