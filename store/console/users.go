package console

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/wfehq/wfe/store/internal/sqldb"
)

// User is a console user. PasswordHash never leaves the store in JSON.
type User struct {
	ID           int64     `gorm:"primaryKey" json:"id"`
	Name         string    `json:"name"`
	Role         string    `json:"role"`
	PasswordHash string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// TableName implements gorm's tabler.
func (User) TableName() string { return "console_user" }

// ErrBadCredentials: the user name or the password is wrong (which one is
// not told).
var ErrBadCredentials = errors.New("wrong user name or password")

func checkUserName(name string) error {
	if strings.TrimSpace(name) == "" || name != strings.TrimSpace(name) || len(name) > 100 {
		return fmt.Errorf("console user name %q: must be 1 to 100 characters without leading or trailing spaces: %w", name, sqldb.ErrInvalid)
	}
	return nil
}

func checkPassword(password string) error {
	if len([]rune(password)) < MinPasswordLen {
		return fmt.Errorf("password: at least %d characters: %w", MinPasswordLen, sqldb.ErrInvalid)
	}
	return nil
}

// CreateUser adds a console user with role admin or viewer.
func (r *Repo) CreateUser(ctx context.Context, name, role, password string) (*User, error) {
	if err := errors.Join(checkUserName(name), checkRole(role), checkPassword(password)); err != nil {
		return nil, err
	}
	u := &User{Name: name, Role: role, PasswordHash: HashPassword(password)}
	err := r.db.WithContext(ctx).Create(u).Error
	return u, sqldb.Translate(err, "console user "+name)
}

// SetPassword replaces a user's password and ends the user's sessions.
func (r *Repo) SetPassword(ctx context.Context, name, password string) error {
	if err := checkPassword(password); err != nil {
		return err
	}
	return r.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&User{}).Where("name = ?", name).
			Updates(map[string]any{"password_hash": HashPassword(password), "updated_at": r.db.Now()})
		if err := sqldb.RowsOrNotFound(res.Error, res.RowsAffected, "console user "+name); err != nil {
			return err
		}
		return tx.Where("user_id = (SELECT id FROM console_user WHERE name = ?)", name).Delete(&Session{}).Error
	})
}

// UserByName loads a user.
func (r *Repo) UserByName(ctx context.Context, name string) (*User, error) {
	var u User
	err := r.db.WithContext(ctx).Where("name = ?", name).Take(&u).Error
	if err != nil {
		return nil, sqldb.Translate(err, "console user "+name)
	}
	return &u, nil
}

// ListUsers returns the users by name.
func (r *Repo) ListUsers(ctx context.Context) ([]User, error) {
	var out []User
	err := r.db.WithContext(ctx).Order("name").Find(&out).Error
	return out, sqldb.Translate(err, "list console users")
}

// DeleteUser removes a user and its sessions.
func (r *Repo) DeleteUser(ctx context.Context, name string) error {
	res := r.db.WithContext(ctx).Where("name = ?", name).Delete(&User{})
	return sqldb.RowsOrNotFound(res.Error, res.RowsAffected, "console user "+name)
}

// Authenticate checks a user name and password; a missing user and a
// wrong password both give ErrBadCredentials, after the same work.
func (r *Repo) Authenticate(ctx context.Context, name, password string) (*User, error) {
	u, err := r.UserByName(ctx, name)
	if errors.Is(err, sqldb.ErrNotFound) {
		VerifyPassword(dummyHash(), password)
		return nil, ErrBadCredentials
	}
	if err != nil {
		return nil, err
	}
	ok, err := VerifyPassword(u.PasswordHash, password)
	if err != nil {
		return nil, fmt.Errorf("console user %s: %w", name, err)
	}
	if !ok {
		return nil, ErrBadCredentials
	}
	return u, nil
}
