package console_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/console"
	"github.com/wfehq/wfe/store/storetest"
)

const goodPassword = "correct horse battery"

func TestUsersAndSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c := s.Console()
		u, err := c.CreateUser(ctx, "anna", console.RoleAdmin, goodPassword)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(u.PasswordHash, goodPassword) || !strings.HasPrefix(u.PasswordHash, "$argon2id$") {
			t.Fatalf("stored hash %q", u.PasswordHash)
		}
		if _, err := c.CreateUser(ctx, "anna", console.RoleViewer, goodPassword); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("second anna: %v", err)
		}
		for _, bad := range []struct{ name, role, pw string }{
			{"", console.RoleAdmin, goodPassword}, {"bob", "root", goodPassword}, {"bob", console.RoleViewer, "short"},
		} {
			if _, err := c.CreateUser(ctx, bad.name, bad.role, bad.pw); !errors.Is(err, store.ErrInvalid) {
				t.Errorf("CreateUser(%q, %q): %v, want ErrInvalid", bad.name, bad.role, err)
			}
		}
		if got, err := c.Authenticate(ctx, "anna", goodPassword); err != nil || got.ID != u.ID {
			t.Fatalf("sign in: %v %v", got, err)
		}
		for _, bad := range [][2]string{{"anna", "wrong password!!"}, {"nobody", goodPassword}} {
			if _, err := c.Authenticate(ctx, bad[0], bad[1]); !errors.Is(err, console.ErrBadCredentials) {
				t.Errorf("Authenticate(%q): %v", bad[0], err)
			}
		}
	})
}

func TestSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c := s.Console()
		u, err := c.CreateUser(ctx, "anna", console.RoleViewer, goodPassword)
		if err != nil {
			t.Fatal(err)
		}
		sess, err := c.CreateSession(ctx, u.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if sess.IDHash == sess.ID || sess.CSRFToken == "" {
			t.Fatalf("session %+v", sess)
		}
		got, err := c.SessionByID(ctx, sess.ID)
		if err != nil || got.User.Name != "anna" || got.CSRFToken != sess.CSRFToken {
			t.Fatalf("load session: %+v %v", got, err)
		}
		if _, err := c.SessionByID(ctx, sess.IDHash); !errors.Is(err, console.ErrNoSession) {
			t.Fatalf("the stored digest must not work as a cookie: %v", err)
		}
		if err := c.SetPassword(ctx, "anna", "another good password"); err != nil {
			t.Fatal(err)
		}
		if _, err := c.SessionByID(ctx, sess.ID); !errors.Is(err, console.ErrNoSession) {
			t.Fatalf("a password change must end the sessions: %v", err)
		}
		expired, err := c.CreateSession(ctx, u.ID, -time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.SessionByID(ctx, expired.ID); !errors.Is(err, console.ErrNoSession) {
			t.Fatalf("expired session: %v", err)
		}
	})
}

func TestTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c := s.Console()
		tok, secret, err := c.CreateToken(ctx, "backup-script", console.RoleViewer)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret, console.TokenPrefix) || tok.TokenHash == secret || tok.TokenHash != console.Digest(secret) {
			t.Fatalf("token %+v", tok)
		}
		got, err := c.TokenBySecret(ctx, secret)
		if err != nil || got.Name != "backup-script" || got.Role != console.RoleViewer || got.LastUsedAt == nil {
			t.Fatalf("lookup: %+v %v", got, err)
		}
		for _, bad := range []string{"", tok.TokenHash, console.TokenPrefix + "x", secret + "x"} {
			if _, err := c.TokenBySecret(ctx, bad); !errors.Is(err, console.ErrBadToken) {
				t.Errorf("TokenBySecret(%q): %v", bad, err)
			}
		}
		if err := c.DeleteToken(ctx, "backup-script"); err != nil {
			t.Fatal(err)
		}
		if _, err := c.TokenBySecret(ctx, secret); !errors.Is(err, console.ErrBadToken) {
			t.Fatalf("revoked token still works: %v", err)
		}
	})
}

func TestAuditLog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c := s.Console()
		for i, what := range []string{"workflow.import", "timer.disable", "mailconfig.update"} {
			err := c.Audit(ctx, console.AuditEntry{Actor: "anna", ActorKind: console.ActorUser, Action: what, Target: string(rune('a' + i))})
			if err != nil {
				t.Fatal(err)
			}
		}
		if err := c.Audit(ctx, console.AuditEntry{Action: "x"}); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("entry without actor: %v", err)
		}
		all, err := c.ListAudit(ctx, 0, 0)
		if err != nil || len(all) != 3 || all[0].Action != "mailconfig.update" || all[0].At.IsZero() {
			t.Fatalf("audit %+v %v", all, err)
		}
		older, err := c.ListAudit(ctx, all[0].ID, 1)
		if err != nil || len(older) != 1 || older[0].Action != "timer.disable" {
			t.Fatalf("page %+v %v", older, err)
		}
	})
}
