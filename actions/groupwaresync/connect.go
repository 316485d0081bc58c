package groupwaresync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"golang.org/x/oauth2"

	"github.com/wfehq/wfe/actions/mailconn"
	"github.com/wfehq/wfe/groupware"
	"github.com/wfehq/wfe/groupware/dav"
	"github.com/wfehq/wfe/groupware/graph"
	"github.com/wfehq/wfe/mailbox"
	"github.com/wfehq/wfe/store"
)

// The groupware systems of a mail configuration (its calendar system,
// NewsSystem.MailConfig, R55).
const (
	SystemNone  = "none"
	SystemGraph = "graph"
	SystemDAV   = "dav"
)

// DefaultGraphRoot is Graph's service root; wfe appends /v1.0.
const DefaultGraphRoot = "https://graph.microsoft.com"

// ParseSystem checks a calendar system name ("" is none).
func ParseSystem(s string) (string, error) {
	switch strings.ToLower(s) {
	case "", SystemNone:
		return SystemNone, nil
	case SystemGraph, SystemDAV:
		return strings.ToLower(s), nil
	}
	return "", fmt.Errorf("calendar system %q: want none, graph or dav", s)
}

// Whose credentials an account signs in with; an authentication failure
// locks that owner (R50, R56).
const (
	ownerEmployee = "employee"
	ownerConfig   = "mail configuration"
)

// session is one employee signed in (lazily: the first request signs in)
// to the groupware of their mail configuration.
type session struct {
	conn   groupware.Connector
	system string
	// owner is whose credentials are used: the employee's or the
	// configuration's (app registration, shared sign-in).
	owner string
	// account names the server and the account signed in to (system, URL,
	// user): resolved folders are kept for it only.
	account string
}

// Connect builds the connector of an employee on a mail configuration's
// groupware. hc carries the requests (nil: http.DefaultClient). It makes
// no request; the first call signs in.
func Connect(ctx context.Context, st *store.Store, cfg *store.MailConfig, emp *store.Employee, hc *http.Client) (*session, error) {
	system, err := ParseSystem(cfg.CalendarSystem)
	if err != nil {
		return nil, fmt.Errorf("mail configuration %s: %w", cfg.MatchCode, err)
	}
	url, err := st.Sync().GroupwareURL(ctx, cfg.ID)
	if err != nil {
		return nil, err
	}
	switch system {
	case SystemGraph:
		return connectGraph(ctx, st, cfg, emp, url, hc)
	case SystemDAV:
		if url == "" {
			return nil, fmt.Errorf("mail configuration %s: CardDAV needs --groupware-url", cfg.MatchCode)
		}
		user := firstNonEmpty(emp.GroupwareLogin, emp.Email)
		conn, err := dav.New(dav.Config{URL: url, Username: user, Password: emp.GroupwarePassword, HTTPClient: hc})
		if err != nil {
			return nil, err
		}
		return &session{conn: conn, system: system, owner: ownerEmployee, account: system + " " + url + " " + user}, nil
	}
	return nil, fmt.Errorf("mail configuration %s names no groupware system (set --calendar-system graph or dav)", cfg.MatchCode)
}

// connectGraph signs in as the app registration acting for the
// employee's mailbox when the configuration holds a client secret, and
// with the stored delegated sign-in otherwise (the configuration's own
// token wins over the employee's, R51).
func connectGraph(ctx context.Context, st *store.Store, cfg *store.MailConfig, emp *store.Employee, root string, hc *http.Client) (*session, error) {
	if root == "" {
		root = DefaultGraphRoot
	}
	base := strings.TrimRight(root, "/") + "/v1.0"
	ts, owner, err := graphTokenSource(ctx, st, cfg, emp, hc)
	if err != nil {
		return nil, err
	}
	mailbox := ""
	if owner == ownerConfig && cfg.OAuthClientSecret != "" {
		mailbox = firstNonEmpty(emp.GroupwareLogin, emp.Email)
	}
	conn, err := graph.New(graph.Config{BaseURL: base, Mailbox: mailbox, TokenSource: ts, HTTPClient: hc})
	account := SystemGraph + " " + base + " " + firstNonEmpty(mailbox, "me:"+emp.Login)
	return &session{conn: conn, system: SystemGraph, owner: owner, account: account}, err
}

// graphTokenSource is the Graph sign-in of a configuration: the app
// registration's client credentials when it holds a client secret, else
// the stored delegated sign-in; owner says whose credentials they are.
func graphTokenSource(ctx context.Context, st *store.Store, cfg *store.MailConfig, emp *store.Employee, hc *http.Client) (oauth2.TokenSource, string, error) {
	if cfg.OAuthClientSecret == "" {
		return delegatedSource(ctx, st, cfg, emp)
	}
	app := graph.AppSignIn{TenantID: cfg.OAuthTenantID, ClientID: cfg.OAuthClientID,
		ClientSecret: cfg.OAuthClientSecret, TokenURL: cfg.OAuthTokenURL}
	ts, err := app.TokenSource(context.WithoutCancel(ctx), hc)
	if err != nil {
		return nil, "", fmt.Errorf("mail configuration %s: %w", cfg.MatchCode, err)
	}
	return ts, ownerConfig, nil
}

// delegatedSource is the stored OAuth sign-in; every refreshed (rotated)
// token is saved where it came from.
func delegatedSource(ctx context.Context, st *store.Store, cfg *store.MailConfig, emp *store.Employee) (oauth2.TokenSource, string, error) {
	raw, owner := cfg.OAuthToken, ownerConfig
	save := func(ctx context.Context, js string) error { return st.SaveOAuthToken(ctx, cfg.ID, js) }
	if raw == "" {
		raw, owner = emp.OAuthToken, ownerEmployee
		save = func(ctx context.Context, js string) error { return st.SaveEmployeeOAuthToken(ctx, emp.ID, js) }
	}
	if raw == "" {
		return nil, "", fmt.Errorf("mail configuration %s uses Microsoft Graph without a client secret, and neither it nor employee %s holds a sign-in (wfe oauth login): %w",
			cfg.MatchCode, emp.Login, mailconn.ErrNotSignedIn)
	}
	var tok oauth2.Token
	if err := json.Unmarshal([]byte(raw), &tok); err != nil {
		return nil, "", fmt.Errorf("the stored OAuth sign-in of the %s is not readable (sign in again): %w", owner, err)
	}
	bg := context.WithoutCancel(ctx)
	persist := func(t *oauth2.Token) error {
		b, err := json.Marshal(t)
		if err != nil {
			return err
		}
		return save(bg, string(b))
	}
	return mailbox.NewTokenSource(bg, mailconn.OAuthConfig(cfg), &tok, persist), owner, nil
}

// lockAfterAuth records an authentication failure of the session's
// credentials, so no further sign-in is tried with them until they
// change: the employee's lock (AutoImpPwEx) or the configuration's.
func lockAfterAuth(ctx context.Context, st *store.Store, s *session, cfg *store.MailConfig, emp *store.Employee, cause error) error {
	reason := "groupware sign-in refused: " + groupware.ErrAuth.Error()
	if errors.Is(cause, mailbox.ErrSignInNeeded) {
		reason = mailconn.ReasonSignInNeeded
	}
	if s != nil && s.owner == ownerConfig {
		return st.SetAutoLock(ctx, cfg.ID, reason)
	}
	return st.LockEmployee(ctx, emp.ID, reason)
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
