package mailbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"

	"golang.org/x/oauth2"
)

// OAuthCallbackPath is the redirect URI path of the sign-in (docs/REQUIREMENTS.md R51).
const OAuthCallbackPath = "/oauth/authorization/callback"

// DefaultOAuthScopes are the Microsoft 365 scopes for IMAP and SMTP access;
// offline_access yields the refresh token background jobs need (docs/REQUIREMENTS.md R51).
var DefaultOAuthScopes = []string{
	"https://outlook.office.com/IMAP.AccessAsUser.All",
	"https://outlook.office.com/SMTP.Send",
	"offline_access",
}

// ErrSignInNeeded matches (errors.Is) a refused refresh token
// (invalid_grant): the user has to sign in again, and the mail
// configuration should be locked with "sign-in needed" until then.
// The error is also an *Error of KindAuth.
var ErrSignInNeeded = errors.New("sign-in needed")

// OAuthConfig is the app registration of a mail configuration.
// Empty URLs and scopes select the Microsoft identity platform.
type OAuthConfig struct {
	TenantID     string // Microsoft tenant; empty means "common"
	ClientID     string
	ClientSecret string // never logged
	AuthURL      string
	TokenURL     string
	Scopes       []string
	RedirectURL  string // empty: http://<listen address>/oauth/authorization/callback
}

// OAuth2 returns the golang.org/x/oauth2 configuration, with the Microsoft
// endpoints and scopes filled in where c leaves them empty.
func (c OAuthConfig) OAuth2() *oauth2.Config {
	tenant := c.TenantID
	if tenant == "" {
		tenant = "common"
	}
	base := "https://login.microsoftonline.com/" + url.PathEscape(tenant) + "/oauth2/v2.0"
	authURL, tokenURL := c.AuthURL, c.TokenURL
	if authURL == "" {
		authURL = base + "/authorize"
	}
	if tokenURL == "" {
		tokenURL = base + "/token"
	}
	scopes := c.Scopes
	if len(scopes) == 0 {
		scopes = DefaultOAuthScopes
	}
	return &oauth2.Config{
		ClientID:     c.ClientID,
		ClientSecret: c.ClientSecret,
		Endpoint:     oauth2.Endpoint{AuthURL: authURL, TokenURL: tokenURL, AuthStyle: oauth2.AuthStyleInParams},
		Scopes:       append([]string(nil), scopes...),
		RedirectURL:  c.RedirectURL,
	}
}

// OAuthTokenSource yields access tokens for XOAUTH2, refreshing them with
// the refresh token when fewer than 10 seconds remain, and hands every new
// token (a rotated refresh token included) to its save function.
type OAuthTokenSource struct {
	mu      sync.Mutex
	src     oauth2.TokenSource
	last    *oauth2.Token
	save    func(*oauth2.Token) error
	server  string
	secrets []string
}

var (
	_ TokenSource        = (*OAuthTokenSource)(nil)
	_ oauth2.TokenSource = (*OAuthTokenSource)(nil)
)

// NewTokenSource returns a token source starting from tok (as stored after
// the sign-in). ctx is used for every refresh and should live as long as
// the source. save is called with each token that differs from the
// previous one; it may be nil.
func NewTokenSource(ctx context.Context, c OAuthConfig, tok *oauth2.Token, save func(*oauth2.Token) error) *OAuthTokenSource {
	cfg := c.OAuth2()
	if tok == nil {
		tok = &oauth2.Token{}
	}
	return &OAuthTokenSource{
		src:     cfg.TokenSource(ctx, tok),
		last:    tok,
		save:    save,
		server:  endpointHost(cfg.Endpoint.TokenURL),
		secrets: []string{c.ClientSecret, tok.AccessToken, tok.RefreshToken},
	}
}

// AccessToken returns a valid access token, refreshing it when needed.
func (s *OAuthTokenSource) AccessToken() (string, error) {
	tok, err := s.Token()
	if err != nil {
		return "", err
	}
	return tok.AccessToken, nil
}

// Token returns a valid token, refreshing it when needed.
func (s *OAuthTokenSource) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tok, err := s.src.Token()
	if err != nil {
		return nil, oauthError(s.server, "token refresh", err, s.secrets...)
	}
	if tok.AccessToken != s.last.AccessToken || tok.RefreshToken != s.last.RefreshToken {
		s.secrets = append(s.secrets, tok.AccessToken, tok.RefreshToken)
		s.last = tok
		if s.save != nil {
			if err := s.save(tok); err != nil {
				return nil, &Error{Kind: KindOther, Server: s.server, Op: "token save",
					Err: redactSecrets(fmt.Errorf("saving the refreshed token: %w", err), s.secrets...)}
			}
		}
	}
	return tok, nil
}

// oauthError classifies a token endpoint failure without its secrets: the
// body of an oauth2.RetrieveError is not kept, only status, error code and
// description, with every known secret removed.
func oauthError(server, op string, err error, secrets ...string) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		kind := classify(err)
		if kind == KindOther {
			kind = KindAuth
		}
		return &Error{Kind: kind, Server: server, Op: op, Err: redactSecrets(err, secrets...)}
	}
	status := 0
	if re.Response != nil {
		status = re.Response.StatusCode
	}
	desc := re.ErrorCode
	if desc == "" {
		desc = "no error code"
	}
	if re.ErrorDescription != "" {
		// Microsoft puts trace and correlation ids on further lines.
		first, _, _ := strings.Cut(re.ErrorDescription, "\n")
		desc += ": " + strings.TrimSpace(first)
	}
	msg := fmt.Sprintf("token endpoint answered %d (%s)", status, desc)
	msg = redactSecrets(errors.New(msg), secrets...).Error()
	switch {
	case re.ErrorCode == "invalid_grant":
		return &Error{Kind: KindAuth, Server: server, Op: op,
			Err: fmt.Errorf("%w: %s; sign in again (wfe oauth login)", ErrSignInNeeded, msg)}
	case status >= 500 || status == 429 || re.ErrorCode == "temporarily_unavailable":
		return &Error{Kind: KindTemp, Server: server, Op: op, Err: errors.New(msg)}
	}
	return &Error{Kind: KindAuth, Server: server, Op: op, Err: errors.New(msg)}
}

// endpointHost is host:port of an endpoint URL, for error messages.
func endpointHost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	if u.Port() != "" {
		return u.Host
	}
	port := "443"
	if u.Scheme == "http" {
		port = "80"
	}
	return net.JoinHostPort(u.Hostname(), port)
}
