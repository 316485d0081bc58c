package console_test

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"

	"github.com/wfehq/wfe/console"
	"github.com/wfehq/wfe/store"
)

// Secrets are write-only: the password is never in the page, an empty
// password field keeps it, a typed one replaces it, and the audit log
// names the changed fields without values.
func TestMailConfigSecretsAreWriteOnly(t *testing.T) {
	const secret = "imap-secret-Passw0rd"
	var tested []string
	f := newFixture(t, func(o *console.Options) {
		o.TestMailConfig = func(ctx context.Context, matchCode string, w io.Writer) error {
			tested = append(tested, matchCode)
			fmt.Fprintln(w, "ok imap login")
			return nil
		}
	})
	ctx := context.Background()
	cfg := &store.MailConfig{MatchCode: "info", UserName: "info@firma.example", Password: secret, IMAPAddr: "imap.firma.example:993"}
	if err := f.st.CreateMailConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	admin, csrf := f.signIn("anna", adminPassword)
	page := fmt.Sprintf("/mailconfigs/%d", cfg.ID)
	for _, path := range []string{"/mailconfigs", page} {
		if resp, body := f.get(admin, path); resp.StatusCode != 200 || strings.Contains(body, secret) {
			t.Fatalf("%s: %s (or shows the password)", path, resp.Status)
		}
	}
	form := url.Values{"user_name": {"info@firma.example"}, "imap_addr": {"imap.firma.example:143"}, "imap_security": {"starttls"}, "password": {""}}
	if resp, _ := f.postForm(admin, page, csrf, form); resp.StatusCode != 303 {
		t.Fatalf("save: %s", resp.Status)
	}
	got, _ := f.st.GetMailConfig(ctx, cfg.ID)
	if got.Password != secret || got.IMAPAddr != "imap.firma.example:143" {
		t.Fatalf("after a save with an empty password field: password kept %v, imap %q", got.Password == secret, got.IMAPAddr)
	}
	form.Set("password", "a-new-Passw0rd")
	f.postForm(admin, page, csrf, form)
	if got, _ := f.st.GetMailConfig(ctx, cfg.ID); got.Password != "a-new-Passw0rd" {
		t.Fatal("a typed password was not saved")
	}
	resp, body := f.postForm(admin, page+"/test", csrf, nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "ok imap login") || len(tested) != 1 || tested[0] != "info" {
		t.Fatalf("test account: %s %v", resp.Status, tested)
	}
	audit, _ := f.st.Console().ListAudit(ctx, 0, 0)
	var lines []string
	for _, e := range audit {
		if strings.Contains(e.Detail, secret) || strings.Contains(e.Detail, "a-new-Passw0rd") {
			t.Fatalf("the audit log holds a password: %+v", e)
		}
		lines = append(lines, e.Action+" "+e.Detail)
	}
	want := []string{"mailconfig.test ok", "mailconfig.update changed: password", "mailconfig.update changed: imap_addr, imap_security"}
	if strings.Join(lines[:3], "|") != strings.Join(want, "|") {
		t.Fatalf("audit %q", lines)
	}
	viewer, _ := f.signIn("victor", viewerPassword)
	if _, body := f.get(viewer, page); strings.Contains(body, `name="password"`) || strings.Contains(body, "Test account") {
		t.Fatal("a viewer gets the edit form")
	}
}
