package mailconn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"golang.org/x/oauth2"

	"wfe/mailbox"
	"wfe/store"
)

// ReasonSignInNeeded starts the lock reason recorded when the identity
// provider refuses the stored refresh token (invalid_grant): somebody has
// to sign in again with `wfe oauth login`.
const ReasonSignInNeeded = "sign-in needed"

// ErrNotSignedIn: the configuration uses OAuth2 but neither it nor the
// employee holds a token yet.
var ErrNotSignedIn = errors.New("not signed in")

// TokenOwner says whose OAuth2 sign-in a configuration uses for an
// employee (SPEC R51): the configuration's own token wins (shared
// mailboxes), else the employee's.
type TokenOwner int

const (
	TokenNone     TokenOwner = iota // no token: sign in first
	TokenConfig                     // the mail configuration's token
	TokenEmployee                   // the employee's own token
)

// OAuthTokenOwner returns whose token cfg uses when run as emp (nil
// allowed). It is TokenNone for a configuration without OAuth.
func OAuthTokenOwner(cfg *store.MailConfig, emp *store.Employee) TokenOwner {
	switch {
	case !cfg.HasOAuth():
		return TokenNone
	case cfg.OAuthToken != "":
		return TokenConfig
	case emp != nil && emp.OAuthToken != "":
		return TokenEmployee
	}
	return TokenNone
}

// usesEmployee reports whether the login of cfg run as emp is the
// employee's: its OAuth token, or its groupware login and password.
func usesEmployee(cfg *store.MailConfig, emp *store.Employee) bool {
	if emp == nil {
		return false
	}
	if cfg.HasOAuth() {
		return OAuthTokenOwner(cfg, emp) == TokenEmployee
	}
	return store.EffectiveCredentials(cfg, emp).FromEmployee
}

// oauthAuth returns the XOAUTH2 credentials of an OAuth configuration: the
// user name of the mailbox and a token source that saves every refreshed
// (rotated) token where it came from.
func oauthAuth(ctx context.Context, st *store.Store, cfg *store.MailConfig, emp *store.Employee) (mailbox.Auth, error) {
	owner := OAuthTokenOwner(cfg, emp)
	var raw, user string
	var save func(context.Context, string) error
	switch owner {
	case TokenConfig:
		raw, user = cfg.OAuthToken, firstNonEmpty(cfg.UserName, employeeMailbox(emp))
		id := cfg.ID
		save = func(ctx context.Context, js string) error { return st.SaveOAuthToken(ctx, id, js) }
	case TokenEmployee:
		raw, user = emp.OAuthToken, firstNonEmpty(employeeMailbox(emp), cfg.UserName)
		id := emp.ID
		save = func(ctx context.Context, js string) error { return st.SaveEmployeeOAuthToken(ctx, id, js) }
	default:
		who := "wfe oauth login " + cfg.MatchCode
		if emp != nil {
			who += " (or wfe oauth login --employee " + emp.Login + ")"
		}
		return mailbox.Auth{}, fmt.Errorf("mail configuration %s uses OAuth2 but holds no token: sign in with %s: %w", cfg.MatchCode, who, ErrNotSignedIn)
	}
	if user == "" {
		return mailbox.Auth{}, fmt.Errorf("mail configuration %s: no mailbox user name for XOAUTH2: set the configuration's user name or the employee's groupware login", cfg.MatchCode)
	}
	var tok oauth2.Token
	if err := json.Unmarshal([]byte(raw), &tok); err != nil {
		return mailbox.Auth{}, fmt.Errorf("mail configuration %s: stored OAuth token is not readable (sign in again): %w", cfg.MatchCode, err)
	}
	bg := context.WithoutCancel(ctx)
	persist := func(t *oauth2.Token) error {
		if st == nil {
			return nil
		}
		b, err := json.Marshal(t)
		if err != nil {
			return err
		}
		return save(bg, string(b))
	}
	return mailbox.Auth{Username: user, TokenSource: mailbox.NewTokenSource(bg, OAuthConfig(cfg), &tok, persist)}, nil
}

func employeeMailbox(emp *store.Employee) string {
	if emp == nil {
		return ""
	}
	return firstNonEmpty(emp.GroupwareLogin, emp.Email)
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// lockAfterAuthFailure records a rejected login (err matches
// mailbox.ErrAuth) so that retries cannot lock the server account
// (DESIGN invariant 4): the employee is locked when the login was the
// employee's, the configuration otherwise. A refused refresh token
// (mailbox.ErrSignInNeeded) gets the reason "sign-in needed". The returned
// error wraps err and, once the lock is recorded, ErrLocked.
func lockAfterAuthFailure(ctx context.Context, st *store.Store, cfg *store.MailConfig, emp *store.Employee, err error, now func() time.Time) error {
	if now == nil {
		now = time.Now
	}
	at := now().UTC().Format(time.RFC3339)
	reason := fmt.Sprintf("authentication failed at %s: %v", at, err)
	if errors.Is(err, mailbox.ErrSignInNeeded) {
		reason = fmt.Sprintf("%s: the identity provider refused the stored token at %s; run wfe oauth login", ReasonSignInNeeded, at)
	}
	lctx := context.WithoutCancel(ctx)
	if usesEmployee(cfg, emp) {
		if lerr := st.LockEmployee(lctx, emp.ID, reason); lerr != nil {
			return fmt.Errorf("mail configuration %s: %w (locking employee %s failed: %v)", cfg.MatchCode, err, emp.Login, lerr)
		}
		return fmt.Errorf("mail configuration %s: %w; employee %s's login is locked until it signs in again or its password changes (%w)", cfg.MatchCode, err, emp.Login, ErrLocked)
	}
	if lerr := st.SetAutoLock(lctx, cfg.ID, reason); lerr != nil {
		return fmt.Errorf("mail configuration %s: %w (locking the configuration failed: %v)", cfg.MatchCode, err, lerr)
	}
	return fmt.Errorf("mail configuration %s: %w; the configuration is locked until its credentials change or it signs in again (%w)", cfg.MatchCode, err, ErrLocked)
}
