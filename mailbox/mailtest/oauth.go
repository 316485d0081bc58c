package mailtest

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// OAuthProvider is an OAuth2 authorization server in the manner of the
// Microsoft identity platform, on an httptest server:
//
//   - /authorize approves at once: it redirects to redirect_uri with a code
//     and the state (the test plays the browser);
//   - /token serves authorization_code (PKCE S256 checked) and
//     refresh_token; every refresh ROTATES the refresh token and the old one
//     is invalid from then on (invalid_grant), as is a revoked one.
//
// The client secret is checked in the form or in HTTP basic auth.
type OAuthProvider struct {
	URL          string // base URL
	AuthURL      string // URL + "/authorize"
	TokenURL     string // URL + "/token"
	ClientID     string
	ClientSecret string

	srv *httptest.Server

	mu        sync.Mutex
	expiresIn int // seconds
	codes     map[string]oauthCode
	refresh   map[string]bool      // valid refresh tokens
	access    map[string]time.Time // access token → expiry
	refreshes int
	exchanges int
}

type oauthCode struct {
	clientID, redirectURI, challenge, scope string
}

// StartOAuthProvider starts a provider closed at the end of the test.
// Access tokens live one hour unless SetExpiresIn says otherwise.
func StartOAuthProvider(t testing.TB) *OAuthProvider {
	t.Helper()
	p := &OAuthProvider{
		ClientID:     "wfe-test-client",
		ClientSecret: "client-secret-" + oauthRandom(),
		expiresIn:    3600,
		codes:        map[string]oauthCode{},
		refresh:      map[string]bool{},
		access:       map[string]time.Time{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/authorize", p.authorize)
	mux.HandleFunc("/token", p.token)
	p.srv = httptest.NewServer(mux)
	p.URL = p.srv.URL
	p.AuthURL = p.URL + "/authorize"
	p.TokenURL = p.URL + "/token"
	t.Cleanup(p.srv.Close)
	return p
}

// SetExpiresIn sets the lifetime of access tokens issued from now on.
func (p *OAuthProvider) SetExpiresIn(seconds int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.expiresIn = seconds
}

// Revoke invalidates a refresh token.
func (p *OAuthProvider) Revoke(refreshToken string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.refresh, refreshToken)
}

// ValidAccessToken tells whether tok was issued here and has not expired;
// use it as the XOAUTH2 check of a test IMAP or SMTP server.
func (p *OAuthProvider) ValidAccessToken(tok string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	exp, ok := p.access[tok]
	return ok && time.Now().Before(exp)
}

// Refreshes is the number of successful refresh_token grants.
func (p *OAuthProvider) Refreshes() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.refreshes
}

// Exchanges is the number of successful authorization_code grants.
func (p *OAuthProvider) Exchanges() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.exchanges
}

func (p *OAuthProvider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect, err := url.Parse(q.Get("redirect_uri"))
	switch {
	case q.Get("client_id") != p.ClientID:
		http.Error(w, "unknown client_id", http.StatusBadRequest)
		return
	case err != nil || redirect.Scheme == "" || redirect.Host == "":
		http.Error(w, "redirect_uri missing or not absolute", http.StatusBadRequest)
		return
	}
	back := redirect.Query()
	back.Set("state", q.Get("state"))
	switch {
	case q.Get("response_type") != "code":
		back.Set("error", "unsupported_response_type")
	case q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256":
		back.Set("error", "invalid_request")
		back.Set("error_description", "PKCE with S256 is required")
	default:
		code := oauthRandom()
		p.mu.Lock()
		p.codes[code] = oauthCode{clientID: p.ClientID, redirectURI: q.Get("redirect_uri"),
			challenge: q.Get("code_challenge"), scope: q.Get("scope")}
		p.mu.Unlock()
		back.Set("code", code)
	}
	redirect.RawQuery = back.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

func (p *OAuthProvider) token(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthFail(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	id, secret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if u, pw, ok := r.BasicAuth(); ok {
		id, _ = url.QueryUnescape(u)
		secret, _ = url.QueryUnescape(pw)
	}
	if id != p.ClientID || subtle.ConstantTimeCompare([]byte(secret), []byte(p.ClientSecret)) != 1 {
		// Real providers do not echo the secret; this one does, so that
		// tests can prove a client keeps response bodies out of its errors.
		oauthFail(w, http.StatusUnauthorized, "invalid_client", "client authentication failed for secret "+secret)
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		code := r.PostForm.Get("code")
		c, ok := p.codes[code]
		delete(p.codes, code) // single use
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		switch {
		case !ok:
			oauthFail(w, http.StatusBadRequest, "invalid_grant", "unknown or used code "+code)
		case c.redirectURI != r.PostForm.Get("redirect_uri"):
			oauthFail(w, http.StatusBadRequest, "invalid_grant", "redirect_uri differs from the authorization request")
		case base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge:
			oauthFail(w, http.StatusBadRequest, "invalid_grant", "PKCE verification failed")
		default:
			p.exchanges++
			p.issue(w, c.scope)
		}
	case "refresh_token":
		rt := r.PostForm.Get("refresh_token")
		if !p.refresh[rt] {
			oauthFail(w, http.StatusBadRequest, "invalid_grant",
				"AADSTS70008: the refresh token "+rt+" has expired or been revoked\nTrace ID: 0000")
			return
		}
		delete(p.refresh, rt) // rotation: the old token is spent
		p.refreshes++
		p.issue(w, r.PostForm.Get("scope"))
	default:
		oauthFail(w, http.StatusBadRequest, "unsupported_grant_type", r.PostForm.Get("grant_type"))
	}
}

// issue answers with a new access and refresh token; p.mu is held.
func (p *OAuthProvider) issue(w http.ResponseWriter, scope string) {
	at, rt := "at-"+oauthRandom(), "rt-"+oauthRandom()
	p.access[at] = time.Now().Add(time.Duration(p.expiresIn) * time.Second)
	p.refresh[rt] = true
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"access_token": at, "refresh_token": rt, "token_type": "Bearer",
		"expires_in": p.expiresIn, "scope": strings.TrimSpace(scope),
	})
}

func oauthFail(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

func oauthRandom() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
