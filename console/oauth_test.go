package console_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wfehq/wfe/mailbox/mailtest"
	"github.com/wfehq/wfe/store"
)

// oauthStart posts the sign-in form of cfg (employee: "" for the
// configuration's own) and follows the test provider's approval: it
// returns the callback URL the provider sends the browser back to.
func (f *fixture) oauthStart(c *http.Client, csrf string, cfgID int64, employee string) string {
	f.t.Helper()
	resp, _ := f.postForm(c, "/mailconfigs/"+itoa(cfgID)+"/oauth", csrf, url.Values{"employee": {employee}})
	if resp.StatusCode != http.StatusSeeOther {
		f.t.Fatalf("start sign-in: %s", resp.Status)
	}
	auth := resp.Header.Get("Location")
	u, _ := url.Parse(auth)
	if u.Query().Get("code_challenge_method") != "S256" || !strings.HasPrefix(u.Query().Get("redirect_uri"), f.srv.URL+"/oauth/authorization/callback") {
		f.t.Fatalf("authorization URL %s", auth)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	presp, err := noFollow.Get(auth)
	if err != nil {
		f.t.Fatal(err)
	}
	presp.Body.Close()
	back := presp.Header.Get("Location")
	if !strings.HasPrefix(back, f.srv.URL+"/oauth/authorization/callback?") {
		f.t.Fatalf("provider redirect %s %s", presp.Status, back)
	}
	return strings.TrimPrefix(back, f.srv.URL)
}

// An admin signs a mail configuration, then an employee, in with OAuth2
// from the console: PKCE and a state bound to the browser; the tokens are
// stored encrypted and work at the provider; a used, foreign or missing
// state is refused; the client secret never reaches a page.
func TestOAuthSignIn(t *testing.T) {
	p := mailtest.StartOAuthProvider(t)
	f := newFixture(t)
	ctx := context.Background()
	cfg := &store.MailConfig{MatchCode: "m365", UserName: "info@firma.example", OAuthClientID: p.ClientID, OAuthClientSecret: p.ClientSecret,
		OAuthAuthURL: p.AuthURL, OAuthTokenURL: p.TokenURL, OAuthScopes: "offline_access https://outlook.office.com/IMAP.AccessAsUser.All"}
	if err := f.st.CreateMailConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	emp := &store.Employee{Login: "mm", Email: "mm@firma.example"}
	if err := f.st.CreateEmployee(ctx, emp); err != nil {
		t.Fatal(err)
	}
	admin, csrf := f.signIn("anna", adminPassword)
	if _, body := f.get(admin, "/mailconfigs/"+itoa(cfg.ID)); !strings.Contains(body, `id="oauth-signin"`) || strings.Contains(body, p.ClientSecret) {
		t.Fatalf("configuration page: no sign-in button, or the secret shown")
	}

	// another browser cannot complete anna's sign-in (no binding cookie)
	stolen := f.oauthStart(admin, csrf, cfg.ID, "")
	if resp, _ := f.get(f.client(), stolen); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("callback from another browser: %s", resp.Status)
	}
	if resp, _ := f.get(admin, stolen); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("callback with a state already spent: %s", resp.Status)
	}

	cb := f.oauthStart(admin, csrf, cfg.ID, "")
	resp, body := f.get(admin, cb)
	if resp.StatusCode != 200 || !strings.Contains(body, "mail configuration m365 is stored") || strings.Contains(body, p.ClientSecret) {
		t.Fatalf("callback: %s\n%s", resp.Status, body)
	}
	got, err := f.st.GetMailConfig(ctx, cfg.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !validToken(t, p, got.OAuthToken) || !strings.Contains(got.OAuthToken, "refresh_token") {
		t.Fatalf("stored token does not work at the provider")
	}
	if got.SealedOAuthToken == got.OAuthToken {
		t.Error("token stored in the clear")
	}
	if resp, _ := f.get(admin, cb); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("callback replayed: %s", resp.Status)
	}

	if resp, body := f.get(admin, f.oauthStart(admin, csrf, cfg.ID, "mm")); resp.StatusCode != 200 || !strings.Contains(body, "employee mm") {
		t.Fatalf("employee callback: %s\n%s", resp.Status, body)
	}
	e, err := f.st.GetEmployee(ctx, emp.ID)
	if err != nil || !validToken(t, p, e.OAuthToken) {
		t.Fatalf("employee token: %v", err)
	}
	audit, _ := f.st.Console().ListAudit(ctx, 0, 0)
	var signins []string
	for _, a := range audit {
		if a.Action == "oauth.signin" && a.Actor == "anna" {
			signins = append(signins, a.Target)
		}
	}
	if strings.Join(signins, ",") != "employee mm,mail configuration m365" {
		t.Errorf("sign-ins audited: %v", signins)
	}
}

func validToken(t *testing.T, p *mailtest.OAuthProvider, raw string) bool {
	t.Helper()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal([]byte(raw), &tok); err != nil {
		t.Fatalf("stored token %v", err)
	}
	return p.ValidAccessToken(tok.AccessToken)
}
