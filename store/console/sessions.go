package console

import (
	"context"
	"errors"
	"time"

	"github.com/wfehq/wfe/store/internal/sqldb"
)

// Session is a signed-in browser. ID is the cookie value and is only in
// memory (the table keeps its digest); CSRFToken is the token every form
// of the session carries.
type Session struct {
	IDHash    string    `gorm:"primaryKey;column:id_hash" json:"-"`
	UserID    int64     `json:"user_id"`
	CSRFToken string    `gorm:"column:csrf_token" json:"-"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`

	ID   string `gorm:"-" json:"-"`
	User *User  `gorm:"foreignKey:UserID" json:"-"`
}

// TableName implements gorm's tabler.
func (Session) TableName() string { return "console_session" }

// ErrNoSession: the session is unknown or has expired.
var ErrNoSession = errors.New("no such session (signed out or expired)")

// CreateSession starts a session of user lasting ttl. Expired sessions
// are removed on the way.
func (r *Repo) CreateSession(ctx context.Context, userID int64, ttl time.Duration) (*Session, error) {
	now := r.db.Now()
	if err := r.db.WithContext(ctx).Where("expires_at < ?", now).Delete(&Session{}).Error; err != nil {
		return nil, sqldb.Translate(err, "prune console sessions")
	}
	id := NewSecret()
	s := &Session{IDHash: Digest(id), ID: id, UserID: userID, CSRFToken: NewSecret(), CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if err := r.db.WithContext(ctx).Omit("User").Create(s).Error; err != nil {
		return nil, sqldb.Translate(err, "create console session")
	}
	return s, nil
}

// SessionByID loads a live session with its user.
func (r *Repo) SessionByID(ctx context.Context, id string) (*Session, error) {
	var s Session
	err := r.db.WithContext(ctx).Preload("User").
		Where("id_hash = ? AND expires_at > ?", Digest(id), r.db.Now()).Take(&s).Error
	if err != nil {
		if err = sqldb.Translate(err, "console session"); errors.Is(err, sqldb.ErrNotFound) {
			return nil, ErrNoSession
		}
		return nil, err
	}
	if s.User == nil {
		return nil, ErrNoSession
	}
	s.ID = id
	return &s, nil
}

// DeleteSession ends a session (sign-out); an unknown one is no error.
func (r *Repo) DeleteSession(ctx context.Context, id string) error {
	err := r.db.WithContext(ctx).Where("id_hash = ?", Digest(id)).Delete(&Session{}).Error
	return sqldb.Translate(err, "delete console session")
}
