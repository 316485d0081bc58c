package wfecmd

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"

	"github.com/wfehq/wfe/groupware/groupwaretest"
)

// jwtGraph fronts the Graph fake as the Microsoft identity platform does:
// its token endpoint hands out JWTs whose "roles" claim lists the
// application permissions granted; Graph requests carry them and reach
// the fake with the fake's own token.
func jwtGraph(t *testing.T, fake *groupwaretest.GraphFake, roles ...string) (root, tokenURL string) {
	enc := base64.RawURLEncoding
	target, _ := url.Parse(fake.Server.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/token" {
			_ = r.ParseForm()
			resp, err := http.PostForm(fake.TokenURL, r.PostForm)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			defer resp.Body.Close()
			var tok map[string]any
			body, _ := io.ReadAll(resp.Body)
			if json.Unmarshal(body, &tok) == nil && tok["access_token"] != nil {
				claims, _ := json.Marshal(map[string]any{"roles": roles, "inner": tok["access_token"]})
				tok["access_token"] = enc.EncodeToString([]byte(`{"alg":"none"}`)) + "." + enc.EncodeToString(claims) + ".sig"
				body, _ = json.Marshal(tok)
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(resp.StatusCode)
			_, _ = w.Write(body)
			return
		}
		if parts := strings.Split(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), "."); len(parts) == 3 {
			var claims struct{ Inner string }
			b, _ := enc.DecodeString(parts[1])
			_ = json.Unmarshal(b, &claims)
			r.Header.Set("Authorization", "Bearer "+claims.Inner)
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, srv.URL + "/token"
}

// TestMailconfigTestGraphPermissions: `mailconfig test --as` signs in as
// the app registration, names a missing Contacts.ReadWrite, lists the
// contact folders, and with the permission granted passes; it creates
// nothing in the mailbox.
func TestMailconfigTestGraphPermissions(t *testing.T) {
	c, fake := graphSyncCLI(t)
	c.ok("sync", "rule", "add", "customers")
	root, tokenURL := jwtGraph(t, fake, "Contacts.Read", "User.Read.All")
	c.ok("mailconfig", "set", "M365", "--groupware-url", root, "--oauth-token-url", tokenURL)

	out, _, code := c.run("mailconfig", "test", "M365", "--as", "anna")
	if code != 1 || !strings.Contains(out, "ok   graph sign-in: as the app registration") ||
		!strings.Contains(out, "FAIL graph permission Contacts.ReadWrite: missing") ||
		!strings.Contains(out, "ok   graph sign-in as anna@example.com: contact folders (1): Contacts") {
		t.Fatalf("exit %d:\n%s", code, out)
	}

	root, tokenURL = jwtGraph(t, fake, "Contacts.ReadWrite")
	c.ok("mailconfig", "set", "M365", "--groupware-url", root, "--oauth-token-url", tokenURL)
	out = c.ok("mailconfig", "test", "M365", "--as", "anna")
	if !strings.Contains(out, "ok   graph permission Contacts.ReadWrite: granted") || !strings.Contains(out, "ok   sync rule customers: 1 folder(s) found") {
		t.Fatalf("with the permission:\n%s", out)
	}
	if strings.Contains(out, "imap") || fake.ContactCount("anna@example.com") != 0 {
		t.Fatalf("a groupware-only configuration tested IMAP, or the test wrote contacts:\n%s", out)
	}
}

// TestMailconfigTestCardDAV: on Radicale the test lists the address
// books and names a rule's missing folder; a wrong password is reported
// and locks nobody.
func TestMailconfigTestCardDAV(t *testing.T) {
	d := newDAVSync(t)
	d.ok("sync", "rule", "add", "customers", "--folder", "contacts")
	d.ok("sync", "rule", "add", "archive", "--folder", "Archiv")
	out, _, code := d.run("mailconfig", "test", "DAV", "--as", "anna")
	if code != 1 || !strings.Contains(out, "ok   dav sign-in as alice: contact folders (1): contacts") ||
		!strings.Contains(out, "ok   sync rule customers") || !strings.Contains(out, `FAIL sync rule archive: folder "Archiv"`) {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	d.ok("sync", "rule", "remove", "archive")
	d.ok("mailconfig", "test", "DAV", "--as", "anna")
	if out, _, _ := d.run("mailconfig", "test", "DAV"); !strings.Contains(out, "not tested: give --as LOGIN") {
		t.Fatalf("without --as:\n%s", out)
	}

	d.okIn("wrong", "employee", "set", "anna", "--groupware-password-stdin")
	out, _, code = d.run("mailconfig", "test", "DAV", "--as", "anna")
	if code != 1 || !strings.Contains(out, "FAIL dav sign-in") || d.groupwareLocked()["anna"] {
		t.Fatalf("wrong password: exit %d, locked %v:\n%s", code, d.groupwareLocked(), out)
	}
	if len(d.cards()) != 0 {
		t.Fatal("the test wrote to the address book")
	}
}
