package mailbox_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/wfehq/wfe/mailbox"
	"github.com/wfehq/wfe/mailbox/mailtest"
)

func providerConfig(p *mailtest.OAuthProvider) mailbox.OAuthConfig {
	return mailbox.OAuthConfig{
		ClientID: p.ClientID, ClientSecret: p.ClientSecret,
		AuthURL: p.AuthURL, TokenURL: p.TokenURL,
	}
}

// browse plays the browser: it opens url and follows the redirects to the
// callback, returning the final status and page.
func browse(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Errorf("browser: %v", err)
		return 0, ""
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// signIn runs OAuthLogin with a browser that follows the auth URL.
func signIn(t *testing.T, cfg mailbox.OAuthConfig) *oauth2.Token {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	var status int
	var page, shown string
	tok, err := mailbox.OAuthLogin(ctx, cfg, "127.0.0.1:0", func(u string) {
		shown = u
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, page = browse(t, u)
		}()
	})
	wg.Wait()
	if err != nil {
		t.Fatalf("OAuthLogin: %v", err)
	}
	if status != http.StatusOK || !strings.Contains(page, "Signed in") {
		t.Errorf("browser got %d %q", status, page)
	}
	for _, want := range []string{"code_challenge_method=S256", "code_challenge=", "state=",
		"redirect_uri=http%3A%2F%2F127.0.0.1%3A", "%2Foauth%2Fauthorization%2Fcallback"} {
		if !strings.Contains(shown, want) {
			t.Errorf("auth URL %s lacks %s", shown, want)
		}
	}
	return tok
}

func TestOAuthLoginAndRefreshRotation(t *testing.T) {
	p := mailtest.StartOAuthProvider(t)
	cfg := providerConfig(p)
	tok := signIn(t, cfg)
	if tok.AccessToken == "" || tok.RefreshToken == "" || p.Exchanges() != 1 {
		t.Fatalf("token %+v after %d exchanges", tok, p.Exchanges())
	}
	if !p.ValidAccessToken(tok.AccessToken) {
		t.Fatal("provider does not know the access token")
	}

	// A token with less than 10 s left is refreshed; the new pair is saved.
	stored := *tok
	stored.Expiry = time.Now().Add(5 * time.Second)
	var saved []*oauth2.Token
	ts := mailbox.NewTokenSource(context.Background(), cfg, &stored, func(t *oauth2.Token) error {
		saved = append(saved, t)
		return nil
	})
	at, err := ts.AccessToken()
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if at == tok.AccessToken || !p.ValidAccessToken(at) || p.Refreshes() != 1 {
		t.Fatalf("access token not refreshed (refreshes %d)", p.Refreshes())
	}
	if len(saved) != 1 || saved[0].AccessToken != at || saved[0].RefreshToken == "" || saved[0].RefreshToken == tok.RefreshToken {
		t.Fatalf("save got %d tokens; want one with the rotated refresh token", len(saved))
	}
	// A still valid token is reused: no refresh, no save.
	if again, err := ts.AccessToken(); err != nil || again != at || p.Refreshes() != 1 || len(saved) != 1 {
		t.Errorf("second AccessToken: %v, refreshes %d, saves %d", err, p.Refreshes(), len(saved))
	}

	// The old refresh token is spent: whoever still holds it must sign in again.
	old := *tok
	old.Expiry = time.Now().Add(-time.Minute)
	_, err = mailbox.NewTokenSource(context.Background(), cfg, &old, nil).AccessToken()
	if !errors.Is(err, mailbox.ErrSignInNeeded) || !errors.Is(err, mailbox.ErrAuth) || mailbox.KindOf(err) != mailbox.KindAuth {
		t.Fatalf("reused refresh token: want sign-in needed, got %v", err)
	}
	assertNoSecrets(t, err, p.ClientSecret, tok.RefreshToken, tok.AccessToken)

	// Revoking the current refresh token has the same effect.
	p.Revoke(saved[0].RefreshToken)
	cur := *saved[0]
	cur.Expiry = time.Now().Add(-time.Minute)
	_, err = mailbox.NewTokenSource(context.Background(), cfg, &cur, nil).AccessToken()
	if !errors.Is(err, mailbox.ErrSignInNeeded) {
		t.Fatalf("revoked refresh token: %v", err)
	}
	assertNoSecrets(t, err, p.ClientSecret, cur.RefreshToken, cur.AccessToken)
}

func assertNoSecrets(t *testing.T, err error, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Errorf("error shows a secret (%.6s...): %v", s, err)
		}
	}
}

func TestOAuthWrongClientSecretIsSanitized(t *testing.T) {
	p := mailtest.StartOAuthProvider(t)
	tok := signIn(t, providerConfig(p))
	tok.Expiry = time.Now().Add(-time.Minute)

	bad := providerConfig(p)
	bad.ClientSecret = "wrong-secret-" + p.ClientSecret
	_, err := mailbox.NewTokenSource(context.Background(), bad, tok, nil).AccessToken()
	if err == nil || mailbox.KindOf(err) != mailbox.KindAuth || errors.Is(err, mailbox.ErrSignInNeeded) {
		t.Fatalf("want an authentication error that is not invalid_grant, got %v", err)
	}
	if !strings.Contains(err.Error(), "invalid_client") {
		t.Errorf("error does not say what the provider said: %v", err)
	}
	assertNoSecrets(t, err, bad.ClientSecret, tok.RefreshToken, tok.AccessToken)
}

func TestOAuthSaveFailureIsReported(t *testing.T) {
	p := mailtest.StartOAuthProvider(t)
	cfg := providerConfig(p)
	tok := signIn(t, cfg)
	tok.Expiry = time.Now().Add(-time.Minute)
	_, err := mailbox.NewTokenSource(context.Background(), cfg, tok, func(*oauth2.Token) error {
		return errors.New("database is locked")
	}).AccessToken()
	if err == nil || !strings.Contains(err.Error(), "database is locked") {
		t.Fatalf("want the save error, got %v", err)
	}
}

func TestOAuthLoginIgnoresForgedStateAndHonoursContext(t *testing.T) {
	p := mailtest.StartOAuthProvider(t)
	cfg := providerConfig(p)
	ctx, cancel := context.WithCancel(context.Background())
	var forged int
	var wg sync.WaitGroup
	_, err := mailbox.OAuthLogin(ctx, cfg, "127.0.0.1:0", func(u string) {
		redirect := u[strings.Index(u, "redirect_uri=")+len("redirect_uri="):]
		redirect, _, _ = strings.Cut(redirect, "&")
		redirect = strings.NewReplacer("%3A", ":", "%2F", "/").Replace(redirect)
		wg.Add(1)
		go func() {
			defer wg.Done()
			forged, _ = browse(t, redirect+"?code=stolen&state=guess")
			cancel() // the user gives up
		}()
	})
	wg.Wait()
	if forged != http.StatusBadRequest {
		t.Errorf("forged callback answered %d", forged)
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want the context's end, got %v", err)
	}
	if p.Exchanges() != 0 {
		t.Errorf("a forged code was exchanged")
	}
}

func TestOAuthConfigMicrosoftDefaults(t *testing.T) {
	c := mailbox.OAuthConfig{TenantID: "contoso.onmicrosoft.com", ClientID: "id", ClientSecret: "s"}.OAuth2()
	if c.Endpoint.AuthURL != "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize" ||
		c.Endpoint.TokenURL != "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token" {
		t.Errorf("endpoints %+v", c.Endpoint)
	}
	want := "https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send offline_access"
	if got := strings.Join(c.Scopes, " "); got != want {
		t.Errorf("scopes %q", got)
	}
}

func TestSendXOAUTH2(t *testing.T) {
	p := mailtest.StartOAuthProvider(t)
	cfg := providerConfig(p)
	tok := signIn(t, cfg)
	tok.Expiry = time.Now().Add(-time.Minute) // force a refresh right before the dial
	srv := mailtest.StartSMTP(t, mailtest.SMTPOptions{Security: "tls", XOAUTH2: func(user, token string) bool {
		return user == "vertrieb@example.com" && p.ValidAccessToken(token)
	}})
	var saved int
	ts := mailbox.NewTokenSource(context.Background(), cfg, tok, func(*oauth2.Token) error { saved++; return nil })
	auth := mailbox.Auth{Username: "vertrieb@example.com", TokenSource: ts}
	if _, err := mailbox.Send(context.Background(), smtpEndpoint(srv), auth, testOutgoing()); err != nil {
		t.Fatalf("Send with XOAUTH2: %v", err)
	}
	if got := srv.Messages(); len(got) != 1 || got[0].User != "vertrieb@example.com" {
		t.Fatalf("received %+v", got)
	}
	if saved != 1 || p.Refreshes() != 1 {
		t.Errorf("saved %d, refreshes %d", saved, p.Refreshes())
	}
	checks := mailbox.CheckSMTP(context.Background(), smtpEndpoint(srv), auth)
	if l := checks[len(checks)-1]; l.Name != "AUTH" || !l.OK || !strings.Contains(l.Detail, "XOAUTH2") {
		t.Errorf("check lines %+v", checks)
	}

	// A token the server does not accept is an authentication failure
	// that does not show the token.
	static := mailbox.Auth{Username: "vertrieb@example.com", Token: "at-made-up-token-123"}
	_, err := mailbox.Send(context.Background(), smtpEndpoint(srv), static, testOutgoing())
	if mailbox.KindOf(err) != mailbox.KindAuth {
		t.Fatalf("bad token: %v", err)
	}
	assertNoSecrets(t, err, static.Token)

	// A refresh token that is refused stops the send before dialing.
	p.Revoke(func() string { tk, _ := ts.Token(); return tk.RefreshToken }())
	expired := mailbox.NewTokenSource(context.Background(), cfg, &oauth2.Token{RefreshToken: "rt-revoked"}, nil)
	_, err = mailbox.Send(context.Background(), smtpEndpoint(srv), mailbox.Auth{Username: "vertrieb@example.com", TokenSource: expired}, testOutgoing())
	if !errors.Is(err, mailbox.ErrSignInNeeded) {
		t.Fatalf("revoked: %v", err)
	}
	assertNoSecrets(t, err, "rt-revoked", p.ClientSecret)
}
