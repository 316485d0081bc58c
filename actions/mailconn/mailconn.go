// Package mailconn turns a stored mail configuration (and the employee a
// job runs as) into the mail transport's endpoint and credentials, and
// dials IMAP with the account protection of DESIGN invariant 4: a
// configuration that is locked by hand or after an authentication failure
// is never dialled, and a rejected login locks it so retries cannot lock
// the server account.
package mailconn

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/wfehq/wfe/errclass"
	"github.com/wfehq/wfe/mailbox"
	"github.com/wfehq/wfe/store"
)

// ErrLocked matches (errors.Is) the refusal to use a locked configuration
// or a locked employee account. It is permanent: retrying changes nothing
// until someone unlocks the account.
var ErrLocked = errclass.Mark(errclass.Permanent, errors.New("mail account is locked"))

// configError is a fault of the stored configuration: permanent until the
// configuration is changed.
func configError(format string, args ...any) error {
	return errclass.Mark(errclass.Permanent, fmt.Errorf(format, args...))
}

// Usable returns nil when cfg may be used, else an error wrapping ErrLocked
// that says why and since when. emp (may be nil) is the employee whose
// groupware login would be used; its AutoImpPwEx lock counts only when the
// configuration leaves the credentials to the employee (docs/REQUIREMENTS.md R23, R50).
func Usable(cfg *store.MailConfig, emp *store.Employee) error {
	switch {
	case cfg.IsLocked:
		return fmt.Errorf("mail configuration %s is locked by hand (\"is locked\"): %w", cfg.MatchCode, ErrLocked)
	case cfg.AutoLocked:
		return fmt.Errorf("mail configuration %s was locked automatically%s: %s; change its credentials to unlock it: %w",
			cfg.MatchCode, since(cfg.AutoLockedAt), cfg.AutoLockedReason, ErrLocked)
	}
	if usesEmployee(cfg, emp) && emp.Locked {
		return fmt.Errorf("mail configuration %s uses the login of employee %s, which was locked%s: %s; change the employee's groupware password or sign in again to unlock it: %w",
			cfg.MatchCode, emp.Login, since(emp.LockedAt), emp.LockedReason, ErrLocked)
	}
	return nil
}

func since(t *time.Time) string {
	if t == nil {
		return ""
	}
	return " at " + t.UTC().Format(time.RFC3339)
}

// IMAP returns the IMAP endpoint and credentials of cfg run as emp (nil
// when no employee is known): the configuration's user name and password,
// or when they are empty the employee's groupware login (docs/REQUIREMENTS.md R23). An
// OAuth configuration signs in with XOAUTH2 using its own token, else the
// employee's (docs/REQUIREMENTS.md R51), and saves every refreshed token back where it
// came from in st.
func IMAP(ctx context.Context, st *store.Store, cfg *store.MailConfig, emp *store.Employee) (mailbox.Endpoint, mailbox.Auth, error) {
	sec, err := mailbox.ParseSecurity(cfg.IMAPSecurity)
	if err != nil {
		return mailbox.Endpoint{}, mailbox.Auth{}, configError("mail configuration %s: IMAP: %w", cfg.MatchCode, err)
	}
	if strings.TrimSpace(cfg.IMAPAddr) == "" {
		return mailbox.Endpoint{}, mailbox.Auth{}, configError("mail configuration %s has no incoming (IMAP) server", cfg.MatchCode)
	}
	ep := mailbox.Endpoint{Addr: cfg.IMAPAddr, Security: sec, CAFile: cfg.CAFile}
	auth, err := credentials(ctx, st, cfg, emp)
	return ep, auth, err
}

// SMTP returns the SMTP endpoint and credentials of cfg run as emp. With
// "authentication for outgoing mail" off the credentials are empty.
func SMTP(ctx context.Context, st *store.Store, cfg *store.MailConfig, emp *store.Employee) (mailbox.Endpoint, mailbox.Auth, error) {
	sec, err := mailbox.ParseSecurity(cfg.SMTPSecurity)
	if err != nil {
		return mailbox.Endpoint{}, mailbox.Auth{}, configError("mail configuration %s: SMTP: %w", cfg.MatchCode, err)
	}
	if strings.TrimSpace(cfg.SMTPAddr) == "" {
		return mailbox.Endpoint{}, mailbox.Auth{}, configError("mail configuration %s has no outgoing (SMTP) server", cfg.MatchCode)
	}
	ep := mailbox.Endpoint{Addr: cfg.SMTPAddr, Security: sec, CAFile: cfg.CAFile}
	if !cfg.SMTPAuth {
		return ep, mailbox.Auth{}, nil
	}
	auth, err := credentials(ctx, st, cfg, emp)
	return ep, auth, err
}

func credentials(ctx context.Context, st *store.Store, cfg *store.MailConfig, emp *store.Employee) (mailbox.Auth, error) {
	if cfg.HasOAuth() {
		return oauthAuth(ctx, st, cfg, emp)
	}
	cred := store.EffectiveCredentials(cfg, emp)
	auth := mailbox.Auth{Username: cred.UserName, Password: cred.Password}
	if auth.Username == "" {
		who := "the configuration"
		if emp != nil {
			who += " nor the groupware login of employee " + emp.Login
		}
		return mailbox.Auth{}, configError("mail configuration %s: no user name: neither %s gives one", cfg.MatchCode, who)
	}
	return auth, nil
}

// OAuthConfig returns the app registration stored in cfg.
func OAuthConfig(cfg *store.MailConfig) mailbox.OAuthConfig {
	return mailbox.OAuthConfig{
		TenantID:     cfg.OAuthTenantID,
		ClientID:     cfg.OAuthClientID,
		ClientSecret: cfg.OAuthClientSecret,
		AuthURL:      cfg.OAuthAuthURL,
		TokenURL:     cfg.OAuthTokenURL,
		Scopes:       strings.Fields(cfg.OAuthScopes),
	}
}

// DialOptions tune DialIMAP.
type DialOptions struct {
	// Now stamps the lock reason; nil means time.Now.
	Now func() time.Time
	// NoLock: do not record an authentication failure (a dry run changes
	// nothing in the database).
	NoLock bool
	// IMAP are passed to mailbox.DialIMAP.
	IMAP []mailbox.IMAPOption
	// Timeout overrides the endpoint's dial and command timeout.
	Timeout time.Duration
}

// DialIMAP checks that cfg is usable (no connection is made otherwise),
// connects and logs in. A rejected login (mailbox.ErrAuth) locks the
// configuration with SetAutoLock, or the employee with LockEmployee when
// the credentials were the employee's, with the time and the server's
// answer as reason; the error then wraps both mailbox.ErrAuth and
// ErrLocked. Other errors are mailbox's classified errors.
func DialIMAP(ctx context.Context, st *store.Store, cfg *store.MailConfig, emp *store.Employee, opts DialOptions) (*mailbox.IMAP, error) {
	if err := Usable(cfg, emp); err != nil {
		return nil, err
	}
	ep, auth, err := IMAP(ctx, st, cfg, emp)
	if err != nil {
		return nil, err
	}
	if opts.Timeout > 0 {
		ep.Timeout = opts.Timeout
	}
	c, err := mailbox.DialIMAP(ctx, ep, auth, opts.IMAP...)
	if err == nil {
		return c, nil
	}
	if !errors.Is(err, mailbox.ErrAuth) || opts.NoLock || st == nil {
		return nil, withHint(cfg, "--imap", "--imap-security", err)
	}
	return nil, lockAfterAuthFailure(ctx, st, cfg, emp, err, opts.Now)
}

// withHint names the configuration in a failed connection's error and
// tells what to do about a network or TLS failure. Such failures never
// lock the configuration: only a rejected login does.
func withHint(cfg *store.MailConfig, addrFlag, securityFlag string, err error) error {
	var hint string
	var dns *net.DNSError
	var notTLS tls.RecordHeaderError
	switch kind := mailbox.KindOf(err); {
	case kind == mailbox.KindNetwork && errors.As(err, &dns) && dns.IsNotFound:
		hint = fmt.Sprintf("check the server's host name (wfe mailconfig set %s %s HOST:PORT)", cfg.MatchCode, addrFlag)
	case kind == mailbox.KindNetwork:
		hint = fmt.Sprintf("check that the server is running and reachable from here and its address is right (wfe mailconfig set %s %s HOST:PORT)", cfg.MatchCode, addrFlag)
	case kind == mailbox.KindTLS && errors.As(err, &notTLS):
		hint = fmt.Sprintf("check that the transport security matches the server's port (wfe mailconfig set %s %s none|starttls|tls)", cfg.MatchCode, securityFlag)
	case kind == mailbox.KindTLS && cfg.CAFile != "" && strings.Contains(err.Error(), "CA file"):
		hint = fmt.Sprintf("fix or replace the CA file (wfe mailconfig set %s --ca-file FILE)", cfg.MatchCode)
	}
	if hint == "" {
		return fmt.Errorf("mail configuration %s: %w", cfg.MatchCode, err)
	}
	return fmt.Errorf("mail configuration %s: %w; %s", cfg.MatchCode, err, hint)
}
