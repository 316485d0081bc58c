package crm

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/wfehq/wfe/store/internal/sqldb"
)

// Employee is a CRM user (docs/REQUIREMENTS.md section I: GroupwareLogin.Employee,
// AutoImpPwEx.Employee).
type Employee struct {
	ID    int64  `gorm:"primaryKey" json:"id"`
	Login string `json:"login"`
	Name  string `json:"name"`
	Email string `json:"email"`
	// GroupwareLogin is the user name for the groupware / mail server.
	GroupwareLogin string `json:"groupware_login"`
	// GroupwarePassword is the plain password (never stored as is, never
	// in JSON).
	GroupwarePassword string `gorm:"-" json:"-"`
	// SealedGroupwarePassword is the stored (encrypted) form.
	SealedGroupwarePassword string `gorm:"column:groupware_password" json:"-"`
	// ImportInternalMails: the BCC importer also imports mails whose
	// addresses are all internal.
	ImportInternalMails bool `json:"import_internal_mails"`
	// UseImportFolder / ImportFolder: the employee's preferred import folder.
	UseImportFolder bool   `json:"use_import_folder"`
	ImportFolder    string `json:"import_folder"`
	// Locked is AutoImpPwEx: the groupware account failed to authenticate
	// and jobs skip this employee until the credentials change.
	Locked       bool       `json:"locked"`
	LockedReason string     `json:"locked_reason,omitempty"`
	LockedAt     *time.Time `json:"locked_at,omitempty"`
	// OAuthToken is the employee's own OAuth2 sign-in (token JSON) for
	// mail configurations that use OAuth without a token of their own
	// (docs/REQUIREMENTS.md R51); SealedOAuthToken is its stored, encrypted form.
	OAuthToken       string    `gorm:"-" json:"-"`
	SealedOAuthToken string    `gorm:"column:oauth_token" json:"-"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// TableName implements gorm's tabler.
func (Employee) TableName() string { return "employee" }

// BusinessPartner is a company or person the CRM deals with; roles such
// as "Kunde" (customer) or "Lieferant" (supplier).
type BusinessPartner struct {
	ID        int64            `gorm:"primaryKey" json:"id"`
	Name      string           `json:"name"`
	Roles     sqldb.StringList `gorm:"type:text" json:"roles"`
	Fax       string           `json:"fax"`
	CreatedAt time.Time        `json:"created_at"`
	UpdatedAt time.Time        `json:"updated_at"`
}

// TableName implements gorm's tabler.
func (BusinessPartner) TableName() string { return "business_partner" }

// Contact is a person at a business partner; a contact always belongs to
// a partner.
type Contact struct {
	ID        int64     `gorm:"primaryKey" json:"id"`
	PartnerID int64     `json:"partner_id"`
	FirstName string    `json:"first_name"`
	LastName  string    `json:"last_name"`
	Email     string    `json:"email"`
	Fax       string    `json:"fax"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// TableName implements gorm's tabler.
func (Contact) TableName() string { return "contact" }

// Ticket is a support ticket mails can be linked to by number.
type Ticket struct {
	ID        int64     `gorm:"primaryKey" json:"id"`
	Number    string    `json:"number"`
	Subject   string    `json:"subject"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// TableName implements gorm's tabler.
func (Ticket) TableName() string { return "ticket" }

// ContactMatch is a contact with its business partner.
type ContactMatch struct {
	Contact Contact         `json:"contact"`
	Partner BusinessPartner `json:"partner"`
}

// ---- employees

// CreateEmployee inserts e (ID and timestamps are set). A taken login is
// ErrConflict.
func (s *Repo) CreateEmployee(ctx context.Context, e *Employee) error {
	if strings.TrimSpace(e.Login) == "" {
		return fmt.Errorf("create employee: empty login: %w", sqldb.ErrInvalid)
	}
	sealed, err := s.keeper.Encrypt(ctx, e.GroupwarePassword)
	if err != nil {
		return fmt.Errorf("create employee %s: %w", e.Login, err)
	}
	e.SealedGroupwarePassword = sealed
	if e.SealedOAuthToken, err = s.keeper.Encrypt(ctx, e.OAuthToken); err != nil {
		return fmt.Errorf("create employee %s: %w", e.Login, err)
	}
	return sqldb.Translate(s.db.WithContext(ctx).Create(e).Error, "create employee "+e.Login)
}

// UpdateEmployee saves every field of e. Changing the groupware login or
// password or the OAuth token clears the AutoImpPwEx lock.
func (s *Repo) UpdateEmployee(ctx context.Context, e *Employee) error {
	old, err := s.GetEmployee(ctx, e.ID)
	if err != nil {
		return err
	}
	if old.GroupwareLogin != e.GroupwareLogin || old.GroupwarePassword != e.GroupwarePassword || old.OAuthToken != e.OAuthToken {
		e.Locked, e.LockedReason, e.LockedAt = false, "", nil
	}
	sealed, err := s.keeper.Encrypt(ctx, e.GroupwarePassword)
	if err != nil {
		return fmt.Errorf("update employee %s: %w", e.Login, err)
	}
	e.SealedGroupwarePassword = sealed
	if e.SealedOAuthToken, err = s.keeper.Encrypt(ctx, e.OAuthToken); err != nil {
		return fmt.Errorf("update employee %s: %w", e.Login, err)
	}
	e.CreatedAt = old.CreatedAt
	return sqldb.Translate(s.db.WithContext(ctx).Save(e).Error, "update employee "+e.Login)
}

func (s *Repo) openEmployee(ctx context.Context, e *Employee) error {
	e.OAuthToken = e.SealedOAuthToken
	return s.keeper.DecryptAll(ctx, "employee "+e.Login+" groupware password or OAuth token", &e.GroupwarePassword, &e.OAuthToken)
}

func (s *Repo) findEmployee(ctx context.Context, what string, query string, args ...any) (*Employee, error) {
	var e Employee
	err := s.db.WithContext(ctx).Where(query, args...).Order("id").Take(&e).Error
	if err != nil {
		return nil, sqldb.Translate(err, what)
	}
	e.GroupwarePassword = e.SealedGroupwarePassword
	if err := s.openEmployee(ctx, &e); err != nil {
		return nil, err
	}
	return &e, nil
}

// GetEmployee loads an employee by id.
func (s *Repo) GetEmployee(ctx context.Context, id int64) (*Employee, error) {
	return s.findEmployee(ctx, fmt.Sprintf("employee %d", id), "id = ?", id)
}

// EmployeeByLogin loads an employee by CRM login.
func (s *Repo) EmployeeByLogin(ctx context.Context, login string) (*Employee, error) {
	return s.findEmployee(ctx, fmt.Sprintf("employee %q", login), "login = ?", login)
}

// EmployeeByEmail finds the employee with that e-mail address (compared
// case-insensitively); the lowest id wins when several share it.
func (s *Repo) EmployeeByEmail(ctx context.Context, email string) (*Employee, error) {
	email = strings.TrimSpace(email)
	return s.findEmployee(ctx, fmt.Sprintf("employee with e-mail %q", email), "lower(email) = ?", strings.ToLower(email))
}

// ListEmployees returns every employee by login (passwords decrypted).
func (s *Repo) ListEmployees(ctx context.Context) ([]Employee, error) {
	var es []Employee
	if err := s.db.WithContext(ctx).Order("login").Find(&es).Error; err != nil {
		return nil, sqldb.Translate(err, "list employees")
	}
	for i := range es {
		es[i].GroupwarePassword = es[i].SealedGroupwarePassword
		if err := s.openEmployee(ctx, &es[i]); err != nil {
			return nil, err
		}
	}
	return es, nil
}

// LockEmployee sets AutoImpPwEx: the employee's groupware account failed
// to authenticate; jobs skip the employee until the credentials change.
func (s *Repo) LockEmployee(ctx context.Context, id int64, reason string) error {
	now := s.db.Now()
	res := s.db.WithContext(ctx).Model(&Employee{}).Where("id = ?", id).
		Updates(map[string]any{"locked": true, "locked_reason": reason, "locked_at": now, "updated_at": now})
	return sqldb.RowsOrNotFound(res.Error, res.RowsAffected, fmt.Sprintf("lock employee %d", id))
}

// UnlockEmployee clears AutoImpPwEx by hand.
func (s *Repo) UnlockEmployee(ctx context.Context, id int64) error {
	res := s.db.WithContext(ctx).Model(&Employee{}).Where("id = ?", id).
		Updates(map[string]any{"locked": false, "locked_reason": "", "locked_at": nil, "updated_at": s.db.Now()})
	return sqldb.RowsOrNotFound(res.Error, res.RowsAffected, fmt.Sprintf("unlock employee %d", id))
}

// ---- business partners, contacts, tickets

// CreatePartner inserts p.
func (s *Repo) CreatePartner(ctx context.Context, p *BusinessPartner) error {
	if strings.TrimSpace(p.Name) == "" {
		return fmt.Errorf("create business partner: empty name: %w", sqldb.ErrInvalid)
	}
	return sqldb.Translate(s.db.WithContext(ctx).Create(p).Error, "create business partner "+p.Name)
}

// UpdatePartner saves every field of p.
func (s *Repo) UpdatePartner(ctx context.Context, p *BusinessPartner) error {
	return sqldb.Translate(s.db.WithContext(ctx).Save(p).Error, "update business partner "+p.Name)
}

// GetPartner loads a business partner by id.
func (s *Repo) GetPartner(ctx context.Context, id int64) (*BusinessPartner, error) {
	var p BusinessPartner
	if err := s.db.WithContext(ctx).Take(&p, id).Error; err != nil {
		return nil, sqldb.Translate(err, fmt.Sprintf("business partner %d", id))
	}
	return &p, nil
}

// PartnerByName finds a business partner by name (case-insensitive).
func (s *Repo) PartnerByName(ctx context.Context, name string) (*BusinessPartner, error) {
	var p BusinessPartner
	err := s.db.WithContext(ctx).Where("lower(name) = ?", strings.ToLower(strings.TrimSpace(name))).Order("id").Take(&p).Error
	if err != nil {
		return nil, sqldb.Translate(err, fmt.Sprintf("business partner %q", name))
	}
	return &p, nil
}

// CreateContact inserts c; its partner must exist (ErrNotFound otherwise).
func (s *Repo) CreateContact(ctx context.Context, c *Contact) error {
	c.Email = strings.TrimSpace(c.Email)
	return sqldb.Translate(s.db.WithContext(ctx).Create(c).Error,
		fmt.Sprintf("create contact %s (partner %d)", contactLabel(c), c.PartnerID))
}

// UpdateContact saves every field of c.
func (s *Repo) UpdateContact(ctx context.Context, c *Contact) error {
	c.Email = strings.TrimSpace(c.Email)
	return sqldb.Translate(s.db.WithContext(ctx).Save(c).Error,
		fmt.Sprintf("update contact %s (partner %d)", contactLabel(c), c.PartnerID))
}

func contactLabel(c *Contact) string {
	if c.Email != "" {
		return c.Email
	}
	return strings.TrimSpace(c.FirstName + " " + c.LastName)
}

// GetContact loads a contact by id.
func (s *Repo) GetContact(ctx context.Context, id int64) (*Contact, error) {
	var c Contact
	if err := s.db.WithContext(ctx).Take(&c, id).Error; err != nil {
		return nil, sqldb.Translate(err, fmt.Sprintf("contact %d", id))
	}
	return &c, nil
}

// ContactsByEmail returns every contact with that address (compared
// case-insensitively) together with its business partner, by contact id.
// No match is an empty list, not an error.
func (s *Repo) ContactsByEmail(ctx context.Context, email string) ([]ContactMatch, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		return nil, nil
	}
	var cs []Contact
	if err := s.db.WithContext(ctx).Where("lower(email) = ?", email).Order("id").Find(&cs).Error; err != nil {
		return nil, sqldb.Translate(err, "contacts by e-mail "+email)
	}
	return s.withPartners(ctx, cs)
}

func (s *Repo) withPartners(ctx context.Context, cs []Contact) ([]ContactMatch, error) {
	if len(cs) == 0 {
		return nil, nil
	}
	ids := make([]int64, 0, len(cs))
	for _, c := range cs {
		ids = append(ids, c.PartnerID)
	}
	var ps []BusinessPartner
	if err := s.db.WithContext(ctx).Where("id IN ?", ids).Find(&ps).Error; err != nil {
		return nil, sqldb.Translate(err, "business partners of contacts")
	}
	byID := make(map[int64]BusinessPartner, len(ps))
	for _, p := range ps {
		byID[p.ID] = p
	}
	out := make([]ContactMatch, 0, len(cs))
	for _, c := range cs {
		out = append(out, ContactMatch{Contact: c, Partner: byID[c.PartnerID]})
	}
	return out, nil
}

// ListContacts returns every contact with its partner, by id.
func (s *Repo) ListContacts(ctx context.Context) ([]ContactMatch, error) {
	var cs []Contact
	if err := s.db.WithContext(ctx).Order("id").Find(&cs).Error; err != nil {
		return nil, sqldb.Translate(err, "list contacts")
	}
	return s.withPartners(ctx, cs)
}

// CreateTicket inserts t; a taken number is ErrConflict.
func (s *Repo) CreateTicket(ctx context.Context, t *Ticket) error {
	return sqldb.Translate(s.db.WithContext(ctx).Create(t).Error, "create ticket "+t.Number)
}

// TicketByNumber finds a ticket by its number.
func (s *Repo) TicketByNumber(ctx context.Context, number string) (*Ticket, error) {
	var t Ticket
	if err := s.db.WithContext(ctx).Where("number = ?", number).Take(&t).Error; err != nil {
		return nil, sqldb.Translate(err, fmt.Sprintf("ticket %q", number))
	}
	return &t, nil
}
