package mailconn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"golang.org/x/oauth2"

	"github.com/wfehq/wfe/mailbox"
	"github.com/wfehq/wfe/store"
)

// ReasonSignInNeeded starts the lock reason recorded when the identity
// provider refuses the stored refresh token (invalid_grant): somebody has
// to sign in again with `wfe oauth login`.
const ReasonSignInNeeded = "sign-in needed"

// ErrNotSignedIn: the configuration uses OAuth2 but neither it nor the
// employee holds a token yet.
var ErrNotSignedIn = errors.New("not signed in")

// TokenOwner says whose OAuth2 sign-in a configuration uses for an
// employee (docs/REQUIREMENTS.md R51): the configuration's own token wins (shared
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
		b, err := json.Marshal(t)
		if err != nil {
			return err
		}
		// The refresh token rotates: whoever builds credentials from this
		// cfg or emp next must start from the new one.
		if owner == TokenConfig {
			cfg.OAuthToken = string(b)
		} else {
			emp.OAuthToken = string(b)
		}
		if st == nil {
			return nil
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

// SignInOptions tune SignIn.
type SignInOptions struct {
	// Listen is the address the callback is served on (default
	// 127.0.0.1:8400).
	Listen string
	// RedirectURL overrides http://<listen address>/oauth/authorization/callback
	// (it must be registered with the app and reach Listen).
	RedirectURL string
	// Show receives the URL the user has to open.
	Show func(authURL string)
}

// DefaultOAuthListen is where `wfe oauth login` serves the callback.
const DefaultOAuthListen = "127.0.0.1:8400"

// SignInResult tells what SignIn stored.
type SignInResult struct {
	// Owner is TokenConfig or TokenEmployee.
	Owner TokenOwner
	// Expiry of the access token.
	Expiry time.Time
	// Warnings: no refresh token (offline_access missing), or the
	// employee's sign-in is not used because the configuration has its own.
	Warnings []string
}

// SignIn runs the interactive OAuth2 sign-in with the app registration of
// cfg and stores the token (encrypted): in cfg when emp is nil (shared
// mailboxes), else in emp. Storing it clears the automatic lock of cfg,
// or the lock of emp. cfg and emp are updated in memory too.
func SignIn(ctx context.Context, st *store.Store, cfg *store.MailConfig, emp *store.Employee, opts SignInOptions) (*SignInResult, error) {
	if !cfg.HasOAuth() {
		return nil, fmt.Errorf("mail configuration %s has no OAuth2 app registration: set it with wfe mailconfig set %s --oauth-client-id ID --oauth-tenant TENANT --oauth-client-secret-env VAR", cfg.MatchCode, cfg.MatchCode)
	}
	if opts.Listen == "" {
		opts.Listen = DefaultOAuthListen
	}
	if opts.Show == nil {
		opts.Show = func(string) {}
	}
	oc := OAuthConfig(cfg)
	oc.RedirectURL = opts.RedirectURL
	tok, err := mailbox.OAuthLogin(ctx, oc, opts.Listen, opts.Show)
	if err != nil {
		return nil, fmt.Errorf("mail configuration %s: %w", cfg.MatchCode, err)
	}
	return StoreSignIn(ctx, st, cfg, emp, tok)
}

// StoreSignIn stores the token of a completed sign-in with the app
// registration of cfg (encrypted): in cfg when emp is nil, else in emp,
// clearing the automatic lock of cfg or the lock of emp (cfg and emp are
// updated in memory too), as SignIn does.
func StoreSignIn(ctx context.Context, st *store.Store, cfg *store.MailConfig, emp *store.Employee, tok *oauth2.Token) (*SignInResult, error) {
	b, err := json.Marshal(tok)
	if err != nil {
		return nil, err
	}
	res := &SignInResult{Owner: TokenConfig, Expiry: tok.Expiry}
	if emp != nil {
		res.Owner = TokenEmployee
		if err := st.SaveEmployeeOAuthToken(ctx, emp.ID, string(b)); err != nil {
			return nil, err
		}
		emp.OAuthToken, emp.Locked, emp.LockedReason, emp.LockedAt = string(b), false, "", nil
		if cfg.OAuthToken != "" {
			res.Warnings = append(res.Warnings, fmt.Sprintf("mail configuration %s holds a sign-in of its own, which takes precedence over employee %s's", cfg.MatchCode, emp.Login))
		}
	} else {
		if err := st.SaveOAuthToken(ctx, cfg.ID, string(b)); err != nil {
			return nil, err
		}
		cfg.OAuthToken, cfg.AutoLocked, cfg.AutoLockedReason, cfg.AutoLockedAt = string(b), false, "", nil
	}
	if tok.RefreshToken == "" {
		res.Warnings = append(res.Warnings, "the provider gave no refresh token (scope offline_access missing?): background jobs need a new sign-in once the access token expires")
	}
	return res, nil
}

// RefreshOAuth forces a refresh of the token cfg uses when run as emp
// (checking that the stored refresh token still works), saves the new
// one and returns the new access token's expiry. It locks nothing; a
// refused refresh token is an error matching mailbox.ErrSignInNeeded.
func RefreshOAuth(ctx context.Context, st *store.Store, cfg *store.MailConfig, emp *store.Employee) (time.Time, error) {
	owner := OAuthTokenOwner(cfg, emp)
	raw := cfg.OAuthToken
	if owner == TokenEmployee {
		raw = emp.OAuthToken
	}
	if _, err := oauthAuth(ctx, nil, cfg, emp); err != nil {
		return time.Time{}, err
	}
	var tok oauth2.Token
	if err := json.Unmarshal([]byte(raw), &tok); err != nil {
		return time.Time{}, err
	}
	tok.Expiry = time.Now().Add(-time.Minute) // expired: the next Token() refreshes
	tok.AccessToken = ""
	forced, err := json.Marshal(&tok)
	if err != nil {
		return time.Time{}, err
	}
	c, e := *cfg, emp
	if owner == TokenEmployee {
		ec := *emp
		ec.OAuthToken = string(forced)
		e = &ec
	} else {
		c.OAuthToken = string(forced)
	}
	auth, err := oauthAuth(ctx, st, &c, e)
	if err != nil {
		return time.Time{}, err
	}
	src := auth.TokenSource.(*mailbox.OAuthTokenSource)
	fresh, err := src.Token()
	if err != nil {
		return time.Time{}, fmt.Errorf("mail configuration %s: %w", cfg.MatchCode, err)
	}
	// hand the new token to the caller's copies as well
	if owner == TokenEmployee {
		emp.OAuthToken = e.OAuthToken
	} else {
		cfg.OAuthToken = c.OAuthToken
	}
	return fresh.Expiry, nil
}
