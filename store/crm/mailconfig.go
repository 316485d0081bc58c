package crm

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/wfehq/wfe/store/internal/sqldb"
)

// Default folders of a mail configuration.
const (
	DefaultImportFolder = "CRM/Aktivitäten"
	DefaultErrorFolder  = "CRM/Fehler"
)

// MailConfig is a mail configuration (docs/REQUIREMENTS.md R20..R24, R51). The plain
// secrets (Password, OAuthClientSecret, OAuthToken) are never stored as
// they are and never appear in JSON; the Sealed* fields hold the stored,
// encrypted form.
type MailConfig struct {
	ID int64 `gorm:"primaryKey" json:"id"`
	// MatchCode (MatchCode.MailConfig) is not unique in the database:
	// workflows find configurations by it and must refuse ambiguity.
	MatchCode       string `json:"match_code"`
	UserName        string `json:"user_name"`
	Password        string `gorm:"-" json:"-"`
	SealedPassword  string `gorm:"column:password" json:"-"`
	GroupwareSystem string `json:"groupware_system"` // e.g. SERVER
	IMAPAddr        string `gorm:"column:imap_addr" json:"imap_addr"`
	IMAPSecurity    string `gorm:"column:imap_security" json:"imap_security"` // none | starttls | tls
	SMTPAddr        string `gorm:"column:smtp_addr" json:"smtp_addr"`
	SMTPSecurity    string `gorm:"column:smtp_security" json:"smtp_security"`
	SMTPAuth        bool   `gorm:"column:smtp_auth" json:"smtp_auth"`
	CAFile          string `gorm:"column:ca_file" json:"ca_file"`
	// IsLocked is the manual "is locked" flag: kept but not used.
	IsLocked   bool `json:"is_locked"`
	AutoImport bool `json:"auto_import"`
	// Push: under wfe serve, watch the inbox with IMAP IDLE and import new
	// mail at once (the timer still polls as the fallback).
	Push bool `json:"push"`
	// ResponsibleID: employee imported activities are delegated to.
	ResponsibleID  *int64     `json:"responsible_id,omitempty"`
	ImportFolder   string     `json:"import_folder"`
	ErrorFolder    string     `json:"error_folder"`
	GroupwareHost  string     `json:"groupware_host"`
	GroupwarePort  int        `json:"groupware_port"`
	CalendarSystem string     `json:"calendar_system"`
	DisplayName    string     `json:"display_name"`
	ImportSince    *time.Time `json:"import_since,omitempty"`

	OAuthTenantID           string `gorm:"column:oauth_tenant_id" json:"oauth_tenant_id"`
	OAuthClientID           string `gorm:"column:oauth_client_id" json:"oauth_client_id"`
	OAuthClientSecret       string `gorm:"-" json:"-"`
	SealedOAuthClientSecret string `gorm:"column:oauth_client_secret" json:"-"`
	OAuthAuthURL            string `gorm:"column:oauth_auth_url" json:"oauth_auth_url"`
	OAuthTokenURL           string `gorm:"column:oauth_token_url" json:"oauth_token_url"`
	OAuthScopes             string `gorm:"column:oauth_scopes" json:"oauth_scopes"` // space separated
	// OAuthToken is the token as JSON (access + refresh token).
	OAuthToken       string `gorm:"-" json:"-"`
	SealedOAuthToken string `gorm:"column:oauth_token" json:"-"`

	// AutoLocked is set after an authentication failure so retries do not
	// lock the server account; changing credentials clears it.
	AutoLocked       bool       `json:"auto_locked"`
	AutoLockedReason string     `json:"auto_locked_reason,omitempty"`
	AutoLockedAt     *time.Time `json:"auto_locked_at,omitempty"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
}

// TableName implements gorm's tabler.
func (MailConfig) TableName() string { return "mail_config" }

// Usable reports whether the configuration may be used (not locked by hand
// nor automatically).
func (c *MailConfig) Usable() bool { return !c.IsLocked && !c.AutoLocked }

// HasOAuth reports whether the configuration signs in with OAuth2.
func (c *MailConfig) HasOAuth() bool { return c.OAuthClientID != "" }

func (s *Repo) sealMailConfig(ctx context.Context, c *MailConfig) error {
	var err error
	if c.SealedPassword, err = s.keeper.Encrypt(ctx, c.Password); err != nil {
		return err
	}
	if c.SealedOAuthClientSecret, err = s.keeper.Encrypt(ctx, c.OAuthClientSecret); err != nil {
		return err
	}
	c.SealedOAuthToken, err = s.keeper.Encrypt(ctx, c.OAuthToken)
	return err
}

func (s *Repo) openMailConfig(ctx context.Context, c *MailConfig) error {
	c.Password, c.OAuthClientSecret, c.OAuthToken = c.SealedPassword, c.SealedOAuthClientSecret, c.SealedOAuthToken
	return s.keeper.DecryptAll(ctx, fmt.Sprintf("mail configuration %d (%s)", c.ID, c.MatchCode),
		&c.Password, &c.OAuthClientSecret, &c.OAuthToken)
}

func mailConfigDefaults(c *MailConfig) {
	if c.ImportFolder == "" {
		c.ImportFolder = DefaultImportFolder
	}
	if c.ErrorFolder == "" {
		c.ErrorFolder = DefaultErrorFolder
	}
	if c.GroupwareSystem == "" {
		c.GroupwareSystem = "SERVER"
	}
}

// CreateMailConfig inserts c (secrets encrypted).
func (s *Repo) CreateMailConfig(ctx context.Context, c *MailConfig) error {
	if strings.TrimSpace(c.MatchCode) == "" {
		return fmt.Errorf("create mail configuration: empty match code: %w", sqldb.ErrInvalid)
	}
	mailConfigDefaults(c)
	if err := s.sealMailConfig(ctx, c); err != nil {
		return fmt.Errorf("create mail configuration %s: %w", c.MatchCode, err)
	}
	return sqldb.Translate(s.db.WithContext(ctx).Omit("id").Create(c).Error, "create mail configuration "+c.MatchCode)
}

// credentialsChanged: user name, password, OAuth client credentials or token.
func credentialsChanged(old, c *MailConfig) bool {
	return old.UserName != c.UserName || old.Password != c.Password ||
		old.OAuthClientID != c.OAuthClientID || old.OAuthClientSecret != c.OAuthClientSecret ||
		old.OAuthTenantID != c.OAuthTenantID || old.OAuthToken != c.OAuthToken
}

// UpdateMailConfig saves every field of c. A change of the credentials
// (user name, password, OAuth client/tenant/secret/token) clears the
// automatic lock.
func (s *Repo) UpdateMailConfig(ctx context.Context, c *MailConfig) error {
	old, err := s.GetMailConfig(ctx, c.ID)
	if err != nil {
		return err
	}
	if credentialsChanged(old, c) {
		c.AutoLocked, c.AutoLockedReason, c.AutoLockedAt = false, "", nil
	}
	mailConfigDefaults(c)
	if err := s.sealMailConfig(ctx, c); err != nil {
		return fmt.Errorf("update mail configuration %d (%s): %w", c.ID, c.MatchCode, err)
	}
	c.CreatedAt = old.CreatedAt
	return sqldb.Translate(s.db.WithContext(ctx).Save(c).Error, fmt.Sprintf("update mail configuration %d (%s)", c.ID, c.MatchCode))
}

// GetMailConfig loads a configuration by id (secrets decrypted).
func (s *Repo) GetMailConfig(ctx context.Context, id int64) (*MailConfig, error) {
	var c MailConfig
	if err := s.db.WithContext(ctx).Take(&c, id).Error; err != nil {
		return nil, sqldb.Translate(err, fmt.Sprintf("mail configuration %d", id))
	}
	if err := s.openMailConfig(ctx, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// MailConfigsByMatchCode returns every configuration with that match code
// (by id). The caller decides what zero or several mean (ImportMailsAction
// aborts when there is more than one, docs/REQUIREMENTS.md R10).
func (s *Repo) MailConfigsByMatchCode(ctx context.Context, matchCode string) ([]MailConfig, error) {
	return s.listMailConfigs(ctx, "match_code = ?", matchCode)
}

// MailConfigByMatchCode returns the one configuration with that match code;
// ErrNotFound when there is none, ErrConflict when several share it.
func (s *Repo) MailConfigByMatchCode(ctx context.Context, matchCode string) (*MailConfig, error) {
	cs, err := s.MailConfigsByMatchCode(ctx, matchCode)
	if err != nil {
		return nil, err
	}
	switch len(cs) {
	case 0:
		return nil, fmt.Errorf("mail configuration with match code %q: %w", matchCode, sqldb.ErrNotFound)
	case 1:
		return &cs[0], nil
	}
	return nil, fmt.Errorf("more than one mail configuration (%d) has match code %q: %w", len(cs), matchCode, sqldb.ErrConflict)
}

// ListMailConfigs returns every configuration by id.
func (s *Repo) ListMailConfigs(ctx context.Context) ([]MailConfig, error) {
	return s.listMailConfigs(ctx, "1 = 1")
}

// AutoImportMailConfigs returns the configurations flagged "import
// automatically" that are usable (docs/REQUIREMENTS.md R18).
func (s *Repo) AutoImportMailConfigs(ctx context.Context) ([]MailConfig, error) {
	return s.listMailConfigs(ctx, "auto_import = ? AND is_locked = ? AND auto_locked = ?", true, false, false)
}

func (s *Repo) listMailConfigs(ctx context.Context, query string, args ...any) ([]MailConfig, error) {
	var cs []MailConfig
	if err := s.db.WithContext(ctx).Where(query, args...).Order("id").Find(&cs).Error; err != nil {
		return nil, sqldb.Translate(err, "list mail configurations")
	}
	for i := range cs {
		if err := s.openMailConfig(ctx, &cs[i]); err != nil {
			return nil, err
		}
	}
	return cs, nil
}

// SetAutoLock locks a configuration after an authentication failure
// (DESIGN invariant 4); reason must not contain secrets.
func (s *Repo) SetAutoLock(ctx context.Context, cfgID int64, reason string) error {
	now := s.db.Now()
	res := s.db.WithContext(ctx).Model(&MailConfig{}).Where("id = ?", cfgID).
		Updates(map[string]any{"auto_locked": true, "auto_locked_reason": reason, "auto_locked_at": now, "updated_at": now})
	return sqldb.RowsOrNotFound(res.Error, res.RowsAffected, fmt.Sprintf("lock mail configuration %d", cfgID))
}

// ClearAutoLock removes the automatic lock by hand.
func (s *Repo) ClearAutoLock(ctx context.Context, cfgID int64) error {
	res := s.db.WithContext(ctx).Model(&MailConfig{}).Where("id = ?", cfgID).
		Updates(map[string]any{"auto_locked": false, "auto_locked_reason": "", "auto_locked_at": nil, "updated_at": s.db.Now()})
	return sqldb.RowsOrNotFound(res.Error, res.RowsAffected, fmt.Sprintf("unlock mail configuration %d", cfgID))
}

// SaveOAuthToken stores a (refreshed) OAuth token as JSON. A new token is
// a credential change: the automatic lock is cleared.
func (s *Repo) SaveOAuthToken(ctx context.Context, cfgID int64, tokenJSON string) error {
	sealed, err := s.keeper.Encrypt(ctx, tokenJSON)
	if err != nil {
		return fmt.Errorf("save OAuth token of mail configuration %d: %w", cfgID, err)
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&MailConfig{}).Where("id = ?", cfgID).Updates(map[string]any{
			"oauth_token": sealed, "auto_locked": false, "auto_locked_reason": "", "auto_locked_at": nil, "updated_at": s.db.Now(),
		})
		return sqldb.RowsOrNotFound(res.Error, res.RowsAffected, fmt.Sprintf("save OAuth token of mail configuration %d", cfgID))
	})
}

// Credentials are the effective login for a mail server.
type Credentials struct {
	UserName string
	Password string `json:"-"`
	// FromEmployee: taken from the run-as employee's groupware login
	// because the configuration leaves them empty (docs/REQUIREMENTS.md R23).
	FromEmployee bool
}

// EffectiveCredentials gives the login for cfg when run as emp (docs/REQUIREMENTS.md R23):
// the configuration's user name and password when both are set, else the
// employee's groupware login and password (not the CRM login). emp may be
// nil.
func EffectiveCredentials(cfg *MailConfig, emp *Employee) Credentials {
	if (cfg.UserName != "" && cfg.Password != "") || emp == nil {
		return Credentials{UserName: cfg.UserName, Password: cfg.Password}
	}
	return Credentials{UserName: emp.GroupwareLogin, Password: emp.GroupwarePassword, FromEmployee: true}
}
