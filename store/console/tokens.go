package console

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wfehq/wfe/store/internal/sqldb"
)

// TokenPrefix starts every API token, so that a leaked one is easy to
// recognise in a log or a scanner.
const TokenPrefix = "wfe_"

// Token is an API token for scripts. Only the SHA-256 of the token is
// stored; the token itself is shown once when it is created.
type Token struct {
	ID         int64      `gorm:"primaryKey" json:"id"`
	Name       string     `json:"name"`
	Role       string     `json:"role"`
	TokenHash  string     `json:"-"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

// TableName implements gorm's tabler.
func (Token) TableName() string { return "console_token" }

// ErrBadToken: the API token is unknown (or was deleted).
var ErrBadToken = errors.New("unknown API token")

// CreateToken adds an API token and returns it with its secret value,
// which is never stored nor shown again.
func (r *Repo) CreateToken(ctx context.Context, name, role string) (*Token, string, error) {
	if err := errors.Join(checkUserName(name), checkRole(role)); err != nil {
		return nil, "", err
	}
	secret := TokenPrefix + NewSecret()
	t := &Token{Name: name, Role: role, TokenHash: Digest(secret)}
	if err := r.db.WithContext(ctx).Create(t).Error; err != nil {
		return nil, "", sqldb.Translate(err, "API token "+name)
	}
	return t, secret, nil
}

// TokenBySecret finds the token a request presents and notes its use.
func (r *Repo) TokenBySecret(ctx context.Context, secret string) (*Token, error) {
	if !strings.HasPrefix(secret, TokenPrefix) {
		return nil, ErrBadToken
	}
	var t Token
	err := r.db.WithContext(ctx).Where("token_hash = ?", Digest(secret)).Take(&t).Error
	if err != nil {
		if err = sqldb.Translate(err, "API token"); errors.Is(err, sqldb.ErrNotFound) {
			return nil, ErrBadToken
		}
		return nil, err
	}
	// The last use is noted at most once a minute, so that a busy script
	// does not write on every request.
	now := r.db.Now()
	if t.LastUsedAt != nil && now.Sub(*t.LastUsedAt) < time.Minute {
		return &t, nil
	}
	if err := r.db.WithContext(ctx).Model(&t).Update("last_used_at", now).Error; err != nil {
		return nil, sqldb.Translate(err, "API token "+t.Name)
	}
	t.LastUsedAt = &now
	return &t, nil
}

// ListTokens returns the tokens by name (without their secrets).
func (r *Repo) ListTokens(ctx context.Context) ([]Token, error) {
	var out []Token
	err := r.db.WithContext(ctx).Order("name").Find(&out).Error
	return out, sqldb.Translate(err, "list API tokens")
}

// DeleteToken revokes a token.
func (r *Repo) DeleteToken(ctx context.Context, name string) error {
	res := r.db.WithContext(ctx).Where("name = ?", name).Delete(&Token{})
	return sqldb.RowsOrNotFound(res.Error, res.RowsAffected, fmt.Sprintf("API token %s", name))
}
