// Package console keeps the admin console's data: its users (with an
// argon2id password hash), API tokens for scripts, sign-in sessions, the
// audit log of every change made through the console, and the read-only
// aggregates its pages and /metrics show (runs by workflow and status,
// run durations, import outcomes per mail configuration, a keyset page of
// runs).
//
// Neither a password nor a token nor a session cookie is stored as it
// is: passwords as argon2id hashes, tokens and session ids as SHA-256
// digests, so a copy of the database signs nobody in.
package console

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/wfehq/wfe/store/internal/sqldb"
)

// Repo is the console's part of the store.
type Repo struct {
	db *sqldb.DB
	// how a short text's search reads activities: shortTextWindow rows
	// at a time for up to shortTextBudget
	shortTextWindow int64
	shortTextBudget time.Duration
}

// New returns the console's part of db.
func New(db *sqldb.DB) *Repo {
	return &Repo{db: db, shortTextWindow: shortTextWindow, shortTextBudget: shortTextBudget}
}

// Roles of console users and API tokens.
const (
	// RoleAdmin may read and change everything the console offers.
	RoleAdmin = "admin"
	// RoleViewer may read everything except secrets, and change nothing.
	RoleViewer = "viewer"
)

// ValidRole reports whether role is admin or viewer.
func ValidRole(role string) bool { return role == RoleAdmin || role == RoleViewer }

func checkRole(role string) error {
	if !ValidRole(role) {
		return fmt.Errorf("role %q: want %s or %s: %w", role, RoleAdmin, RoleViewer, sqldb.ErrInvalid)
	}
	return nil
}

// NewSecret returns 32 random bytes, base64url-encoded without padding
// (session ids, API tokens, CSRF tokens).
func NewSecret() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// Digest is the stored form of a token or session id: its SHA-256 in hex.
func Digest(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}
