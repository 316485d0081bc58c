package mailbox_test

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wfehq/wfe/mailbox"
	"github.com/wfehq/wfe/mailbox/mailtest"
)

func dovecotEndpoint(d *mailtest.Dovecot, sec mailbox.Security) mailbox.Endpoint {
	ep := mailbox.Endpoint{Addr: d.Addr, Security: sec, CAFile: d.CAFile, Timeout: 10 * time.Second}
	if sec == mailbox.SecurityTLS {
		ep.Addr = d.TLSAddr
	}
	return ep
}

// One Dovecot serves all subtests: starting it costs ~100 ms.
func TestDovecot(t *testing.T) {
	d := mailtest.StartDovecot(t, mailtest.DovecotOptions{})
	ctx := context.Background()

	t.Run("login and security modes", func(t *testing.T) {
		for _, sec := range []mailbox.Security{mailbox.SecurityNone, mailbox.SecuritySTARTTLS, mailbox.SecurityTLS} {
			c := dial(t, dovecotEndpoint(d, sec), alice)
			if !slices.Contains(c.Capabilities(), "MOVE") {
				t.Errorf("%s: capabilities %v lack MOVE", sec, c.Capabilities())
			}
			if err := c.Logout(ctx); err != nil {
				t.Errorf("%s: logout: %v", sec, err)
			}
		}
	})

	t.Run("wrong password", func(t *testing.T) {
		_, err := mailbox.DialIMAP(ctx, dovecotEndpoint(d, mailbox.SecuritySTARTTLS),
			mailbox.Auth{Username: "alice", Password: "nope-1234"})
		if !errors.Is(err, mailbox.ErrAuth) || strings.Contains(err.Error(), "nope-1234") {
			t.Fatalf("err = %v, want authentication failure without the password", err)
		}
	})

	t.Run("untrusted certificate", func(t *testing.T) {
		for _, sec := range []mailbox.Security{mailbox.SecuritySTARTTLS, mailbox.SecurityTLS} {
			ep := dovecotEndpoint(d, sec)
			ep.CAFile = ""
			_, err := mailbox.DialIMAP(ctx, ep, alice)
			if mailbox.KindOf(err) != mailbox.KindTLS || !strings.Contains(err.Error(), mailtest.CAName) {
				t.Errorf("%s without CA file: err = %v (kind %v)", sec, err, mailbox.KindOf(err))
			}
		}
	})

	t.Run("fetch peek and move with umlaut folder", func(t *testing.T) {
		raws := make([][]byte, 120)
		for i := range raws {
			raws[i] = testMail(i + 1)
		}
		if err := d.AppendMany("alice", "INBOX", raws); err != nil {
			t.Fatal(err)
		}
		c := dial(t, dovecotEndpoint(d, mailbox.SecurityTLS), alice)
		if _, err := c.Select(ctx, "INBOX"); err != nil {
			t.Fatal(err)
		}
		uids, err := c.SearchUnseen(ctx, time.Now().Add(-24*time.Hour))
		if err != nil || len(uids) != 120 {
			t.Fatalf("unseen = %d UIDs, %v; want 120", len(uids), err)
		}
		n := 0
		err = c.FetchStream(ctx, uids, func(m *mailbox.Message) error {
			b, err := io.ReadAll(m.Body)
			if err != nil {
				return err
			}
			if string(b) != string(testMail(int(m.UID))) {
				t.Errorf("UID %d: body differs", m.UID)
			}
			n++
			return nil
		})
		if err != nil || n != 120 {
			t.Fatalf("fetched %d, %v", n, err)
		}
		if again, _ := c.SearchUnseen(ctx, time.Time{}); len(again) != 120 {
			t.Fatalf("after fetch %d unseen, want 120 (Peek)", len(again))
		}
		// Missing folder with umlaut: TRYCREATE, create, retry.
		if err := c.Move(ctx, uids[:100], umlautFolder); err != nil {
			t.Fatal(err)
		}
		if err := c.Move(ctx, uids[100:], umlautFolder); err != nil {
			t.Fatal(err)
		}
		if got := d.Folders(t, "alice"); !slices.Equal(got, []string{"CRM", umlautFolder, "INBOX"}) {
			t.Errorf("folders = %q", got)
		}
		moved := d.Folder(t, "alice", umlautFolder)
		if len(moved) != 120 || moved[0].Seen() || moved[0].MessageID != "m1@example.com" {
			t.Errorf("moved %d, first %+v", len(moved), moved[0])
		}
		if left := d.Folder(t, "alice", "INBOX"); len(left) != 0 {
			t.Errorf("INBOX keeps %d", len(left))
		}
	})

	t.Run("copy fallback", func(t *testing.T) {
		c := dial(t, dovecotEndpoint(d, mailbox.SecurityNone), alice, mailbox.WithoutMove())
		if _, err := c.Select(ctx, umlautFolder); err != nil {
			t.Fatal(err)
		}
		if err := c.Move(ctx, []uint32{1, 2, 3}, "Archiv/Ältere"); err != nil {
			t.Fatal(err)
		}
		if n := len(d.Folder(t, "alice", "Archiv/Ältere")); n != 3 {
			t.Errorf("fallback moved %d, want 3", n)
		}
		if n := len(d.Folder(t, "alice", umlautFolder)); n != 117 {
			t.Errorf("source keeps %d, want 117", n)
		}
	})

	t.Run("append create status", func(t *testing.T) {
		c := dial(t, dovecotEndpoint(d, mailbox.SecuritySTARTTLS), alice)
		for range 2 {
			if err := c.CreateFolder(ctx, "Geschäftlich/Übersicht"); err != nil {
				t.Fatal(err)
			}
		}
		if err := c.Append(ctx, "Gesendet", testMail(7), []string{`\Seen`}, time.Now()); err != nil {
			t.Fatal(err)
		}
		st, err := c.Status(ctx, "Gesendet")
		if err != nil || st.Messages != 1 || st.Unseen != 0 {
			t.Errorf("status = %+v, %v", st, err)
		}
		names := folderNames(t, c)
		for _, want := range []string{"Geschäftlich/Übersicht", "Gesendet", "Archiv/Ältere"} {
			if !slices.Contains(names, want) {
				t.Errorf("folders %q lack %q", names, want)
			}
		}
	})

	t.Run("maildir bulk load", func(t *testing.T) {
		if err := d.WriteMaildir("alice", [][]byte{testMail(1), testMail(2)}); err != nil {
			t.Fatal(err)
		}
		if n, err := d.Count("alice", "INBOX"); err != nil || n != 2 {
			t.Errorf("INBOX after bulk load = %d, %v; want 2", n, err)
		}
	})
}
