package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wfehq/wfe/console"
)

// concrete turns a route pattern into a path to request.
func concrete(path string) string {
	path = strings.ReplaceAll(path, "{$}", "")
	path = strings.ReplaceAll(path, "{id}", "SomeWorkflow")
	path = strings.ReplaceAll(path, "{name}", "some-timer")
	path = strings.ReplaceAll(path, "{rule}", "some-rule")
	if path == "/static/" {
		path = "/static/console.css"
	}
	return path
}

// Every route of the table gets the checks of its access level: without
// sign-in 401 (API, changes) or a redirect to the sign-in page (pages);
// every state-changing route refuses a missing or wrong CSRF token and a
// cross-origin request; a viewer, signed in or by token, gets 403 on
// every change.
func TestRouteTable(t *testing.T) {
	f := newFixture(t)
	admin, adminCSRF := f.signIn("anna", adminPassword)
	viewer, viewerCSRF := f.signIn("victor", viewerPassword)
	anon := f.client()
	routes := f.console.Routes()
	if len(routes) < 20 {
		t.Fatalf("only %d routes", len(routes))
	}
	for _, rt := range routes {
		path := concrete(rt.Path)
		name := rt.Method + " " + rt.Path
		req := func(c *http.Client, csrf string, hdr ...string) int {
			v := url.Values{}
			if csrf != "" {
				v.Set("csrf_token", csrf)
			}
			r := mustRequest(t, rt.Method, f.srv.URL+path, strings.NewReader(v.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for i := 0; i+1 < len(hdr); i += 2 {
				r.Header.Set(hdr[i], hdr[i+1])
			}
			resp, _ := f.do(c, r)
			return resp.StatusCode
		}
		switch rt.Access {
		case console.Public:
			// POST /login without credentials is a failed sign-in
			// (TestSignIn); the OAuth callback without a started
			// sign-in's state is refused (TestOAuthSignIn).
			code := req(anon, "")
			if rt.Path == "/oauth/authorization/callback" {
				if code != http.StatusBadRequest {
					t.Errorf("%s without a sign-in's state: %d, want 400", name, code)
				}
				continue
			}
			if rt.Method == "GET" && code != http.StatusOK {
				t.Errorf("%s: public route answers %d without sign-in", name, code)
			}
			continue
		}
		code := req(anon, "")
		if rt.Method == "GET" && code != http.StatusSeeOther && !strings.HasPrefix(path, "/api/") {
			t.Errorf("%s without sign-in: %d, want a redirect to /login", name, code)
		}
		if (rt.Method != "GET" || strings.HasPrefix(path, "/api/")) && code != http.StatusUnauthorized {
			t.Errorf("%s without sign-in: %d, want 401", name, code)
		}
		if code := req(f.client(), "", "Authorization", "Bearer wfe_not-a-token"); code != http.StatusUnauthorized {
			t.Errorf("%s with an unknown token: %d, want 401", name, code)
		}
		if rt.Access < console.Session {
			continue
		}
		if code := req(admin, ""); code != http.StatusForbidden {
			t.Errorf("%s without CSRF token: %d, want 403", name, code)
		}
		if code := req(admin, "wrong"+adminCSRF); code != http.StatusForbidden {
			t.Errorf("%s with a wrong CSRF token: %d, want 403", name, code)
		}
		if code := req(admin, adminCSRF, "Sec-Fetch-Site", "cross-site"); code != http.StatusForbidden {
			t.Errorf("%s cross-site: %d, want 403", name, code)
		}
		if code := req(admin, adminCSRF, "Origin", "https://evil.example"); code != http.StatusForbidden {
			t.Errorf("%s from another origin: %d, want 403", name, code)
		}
		if rt.Access == console.Change {
			if code := req(viewer, viewerCSRF); code != http.StatusForbidden {
				t.Errorf("%s as viewer: %d, want 403", name, code)
			}
			if code := req(f.client(), "", "Authorization", "Bearer "+f.viewerToken); code != http.StatusForbidden {
				t.Errorf("%s with a viewer token: %d, want 403", name, code)
			}
		}
	}
	if entries, _ := f.st.Console().ListAudit(context.Background(), 0, 0); len(entries) != 2 {
		t.Errorf("refused requests must change nothing; audit log: %+v", entries)
	}
}

func TestSignIn(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	resp, body := f.get(c, "/runs?status=failed")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next="+url.QueryEscape("/runs?status=failed") {
		t.Fatalf("page without session: %s %q", resp.Status, resp.Header.Get("Location"))
	}
	resp, body = f.get(c, "/login?next=/runs")
	if resp.StatusCode != 200 || !strings.Contains(body, `name="username"`) || !strings.Contains(body, `name="password"`) {
		t.Fatalf("sign-in page: %s", resp.Status)
	}
	resp, body = f.postForm(c, "/login", "", url.Values{"username": {"anna"}, "password": {"not the password"}})
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Wrong user name or password") {
		t.Fatalf("wrong password: %s", resp.Status)
	}
	resp, _ = f.postForm(c, "/login", "", url.Values{"username": {"anna"}, "password": {adminPassword}, "next": {"//evil.example/x"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("sign in: %s to %q (an off-site next must become /)", resp.Status, resp.Header.Get("Location"))
	}
	var cookie *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == "wfe_session" {
			cookie = ck
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || cookie.Secure || cookie.Path != "/" {
		t.Fatalf("session cookie %+v", cookie)
	}
	if resp, _ := f.get(c, "/"); resp.StatusCode != 200 {
		t.Fatalf("dashboard after sign-in: %s", resp.Status)
	}
	_, body = f.get(c, "/")
	csrf := regexpCSRF(body)
	if resp, _ := f.postForm(c, "/logout", csrf, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out: %s", resp.Status)
	}
	if resp, _ := f.get(c, "/"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("dashboard after sign-out: %s", resp.Status)
	}
	if resp, _ := f.do(f.client(), withCookie(mustRequest(t, "GET", f.srv.URL+"/", nil), cookie)); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the old cookie still works after sign-out: %s", resp.Status)
	}
}

func withCookie(r *http.Request, c *http.Cookie) *http.Request { r.AddCookie(c); return r }

func regexpCSRF(body string) string {
	const marker = `name="csrf_token" value="`
	i := strings.Index(body, marker)
	if i < 0 {
		return ""
	}
	rest := body[i+len(marker):]
	return rest[:strings.IndexByte(rest, '"')]
}

// After five failures for a user name, even the right password is refused
// (429 with Retry-After) until the window has passed; other users are not
// affected unless the failures came from their address too.
func TestSignInThrottle(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	for i := 0; i < 5; i++ {
		if resp, _ := f.postForm(c, "/login", "", url.Values{"username": {"anna"}, "password": {"guess " + string(rune('a'+i))}}); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d: %s", i+1, resp.Status)
		}
	}
	resp, body := f.postForm(c, "/login", "", url.Values{"username": {"anna"}, "password": {adminPassword}})
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, "Too many failed sign-ins") {
		t.Fatalf("sixth attempt: %s Retry-After %q", resp.Status, resp.Header.Get("Retry-After"))
	}
	// The same client address is throttled for every name.
	if resp, _ := f.postForm(c, "/login", "", url.Values{"username": {"victor"}, "password": {viewerPassword}}); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("same address, other user: %s", resp.Status)
	}
	f.clock.Add(15*time.Minute + time.Second)
	if resp, _ := f.postForm(c, "/login", "", url.Values{"username": {"anna"}, "password": {adminPassword}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("after the window: %s", resp.Status)
	}
}

// Under TLS the cookie is Secure and bound to the host (__Host- prefix).
func TestSecureCookieUnderTLS(t *testing.T) {
	f := newFixture(t, func(o *console.Options) { o.TLS = true })
	tlsSrv := httptestTLS(t, f.console)
	c := tlsSrv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	v := url.Values{"username": {"anna"}, "password": {adminPassword}}
	resp, err := c.PostForm(tlsSrv.URL+"/login", v)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var found bool
	for _, ck := range resp.Cookies() {
		if ck.Name == "__Host-wfe_session" && ck.Secure && ck.HttpOnly && ck.Path == "/" {
			found = true
		}
	}
	if resp.StatusCode != http.StatusSeeOther || !found {
		t.Fatalf("TLS sign-in: %s cookies %v", resp.Status, resp.Cookies())
	}
}
