package wfecmd

import (
	"strings"
	"testing"
	"time"

	"github.com/wfehq/wfe/mailbox/mailtest"
	"github.com/wfehq/wfe/store"
)

// TestServePushesMail: serve watches a configuration set with --push
// through IMAP IDLE (on a private Dovecot): a mail appended is imported
// without a timer tick (the automatic import timer runs every 10 minutes),
// and 'wfe timer list' shows the source as pushed, the other one as
// polled.
func TestServePushesMail(t *testing.T) {
	d := mailtest.StartDovecot(t, mailtest.DovecotOptions{Users: map[string]string{"info": testPassword, "sales": testPassword}})
	c := newStoreCLI(t)
	c.env["PW"] = testPassword
	c.ok("mailconfig", "set", "123", "--user", "info", "--password-env", "PW", "--imap", d.Addr, "--imap-security", "starttls",
		"--ca-file", d.CAFile, "--auto-import", "--push")
	c.ok("mailconfig", "set", "456", "--user", "sales", "--password-env", "PW", "--imap", d.Addr, "--imap-security", "starttls",
		"--ca-file", d.CAFile, "--auto-import")
	if list := c.ok("mailconfig", "list"); !strings.Contains(list, "push") {
		t.Errorf("mailconfig list does not show the push flag:\n%s", list)
	}
	c.startServe()
	st := c.store()
	waitFor(t, "configuration 123 watched", func() bool {
		states, err := st.MailPushStates(t.Context())
		return err == nil && len(states) == 1 && firstState(states) == store.PushWatching
	})
	d.Append(t, "info", "INBOX", crashTestMail(1))
	start := time.Now()
	waitFor(t, "the mail imported", func() bool { return countActivities(t, c) == 1 })
	t.Logf("imported %s after it was appended", time.Since(start).Round(time.Millisecond))

	list := c.ok("timer", "list")
	if !lineHas(list, "123", store.PushWatching) || !lineHas(list, "456", "push is off") {
		t.Errorf("timer list does not show 123 pushed and 456 polled:\n%s", list)
	}
}

func firstState(states map[int64]store.MailPushState) string {
	for _, s := range states {
		return s.State
	}
	return ""
}

func lineHas(text, first, want string) bool {
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, first+" ") && strings.Contains(l, want) {
			return true
		}
	}
	return false
}

// waitFor checks cond every 50 ms until it holds; a minute without it
// fails the test (the happy path takes well under a second).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
