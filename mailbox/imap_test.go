package mailbox_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wfehq/wfe/mailbox"
	"github.com/wfehq/wfe/mailbox/mailtest"
)

func testMail(i int) []byte {
	return []byte(fmt.Sprintf("From: Kunde %d <kunde%d@example.com>\r\n"+
		"To: crm@example.com\r\n"+
		"Subject: Anfrage Nr. %d\r\n"+
		"Message-ID: <m%d@example.com>\r\n"+
		"Date: Mon, 02 Jan 2006 15:04:05 +0100\r\n"+
		"Content-Type: text/plain; charset=utf-8\r\n"+
		"\r\n"+
		"Guten Tag, bitte um ein Angebot (%d).\r\n", i, i, i, i, i))
}

func endpoint(s *mailtest.IMAPServer) mailbox.Endpoint {
	return mailbox.Endpoint{Addr: s.Addr, Security: mailbox.Security(s.Security), CAFile: s.CAFile, Timeout: 10 * time.Second}
}

func dial(t *testing.T, ep mailbox.Endpoint, auth mailbox.Auth, opts ...mailbox.IMAPOption) *mailbox.IMAP {
	t.Helper()
	c, err := mailbox.DialIMAP(context.Background(), ep, auth, opts...)
	if err != nil {
		t.Fatalf("DialIMAP: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

var alice = mailbox.Auth{Username: "alice", Password: "secret"}

func TestIMAPLoginAndList(t *testing.T) {
	srv := mailtest.StartIMAP(t, mailtest.IMAPOptions{})
	c := dial(t, endpoint(srv), alice)
	if !slices.Contains(c.Capabilities(), "IMAP4rev2") {
		t.Errorf("capabilities %v lack IMAP4rev2", c.Capabilities())
	}
	folders, err := c.ListFolders(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(folders) != 1 || folders[0].Name != "INBOX" {
		t.Fatalf("folders = %+v, want only INBOX", folders)
	}
	if err := c.Logout(context.Background()); err != nil {
		t.Fatalf("Logout: %v", err)
	}
	if got := srv.LoginAttempts(); got != 1 {
		t.Errorf("login attempts = %d, want 1", got)
	}
}

func TestIMAPWrongPassword(t *testing.T) {
	srv := mailtest.StartIMAP(t, mailtest.IMAPOptions{})
	_, err := mailbox.DialIMAP(context.Background(), endpoint(srv),
		mailbox.Auth{Username: "alice", Password: "wrong-pw-4711"})
	if err == nil {
		t.Fatal("login with a wrong password succeeded")
	}
	if mailbox.KindOf(err) != mailbox.KindAuth || !errors.Is(err, mailbox.ErrAuth) {
		t.Fatalf("err = %v (kind %v), want authentication", err, mailbox.KindOf(err))
	}
	if mailbox.IsRetryable(err) {
		t.Error("auth failure must not be retryable")
	}
	msg := err.Error()
	if !strings.Contains(msg, srv.Addr) || !strings.Contains(msg, `"alice"`) {
		t.Errorf("message %q does not name server %s and user", msg, srv.Addr)
	}
	if strings.Contains(msg, "wrong-pw-4711") {
		t.Errorf("message %q leaks the password", msg)
	}
}

func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestIMAPUnreachable(t *testing.T) {
	addr := freePort(t)
	_, err := mailbox.DialIMAP(context.Background(), mailbox.Endpoint{Addr: addr}, alice)
	if mailbox.KindOf(err) != mailbox.KindNetwork || !mailbox.IsRetryable(err) {
		t.Fatalf("err = %v (kind %v), want network", err, mailbox.KindOf(err))
	}
	if !strings.Contains(err.Error(), addr) {
		t.Errorf("message %q does not name %s", err, addr)
	}
}

// A server that accepts and then stays silent runs into the timeout.
func TestIMAPSilentServerTimesOut(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	ep := mailbox.Endpoint{Addr: ln.Addr().String(), Timeout: 200 * time.Millisecond}
	_, err = mailbox.DialIMAP(context.Background(), ep, alice)
	if mailbox.KindOf(err) != mailbox.KindNetwork {
		t.Fatalf("err = %v (kind %v), want network timeout", err, mailbox.KindOf(err))
	}
}

func TestIMAPTLS(t *testing.T) {
	for _, mode := range []mailtest.TLSMode{mailtest.TLSStartTLS, mailtest.TLSImplicit} {
		t.Run(mode.Security(), func(t *testing.T) {
			srv := mailtest.StartIMAP(t, mailtest.IMAPOptions{TLS: mode})
			c := dial(t, endpoint(srv), alice)
			if _, err := c.Select(context.Background(), "INBOX"); err != nil {
				t.Fatal(err)
			}

			ep := endpoint(srv)
			ep.CAFile = ""
			_, err := mailbox.DialIMAP(context.Background(), ep, alice)
			if mailbox.KindOf(err) != mailbox.KindTLS {
				t.Fatalf("without CA file: err = %v (kind %v), want tls", err, mailbox.KindOf(err))
			}
			for _, want := range []string{mailtest.ServerName, mailtest.CAName, srv.Addr} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("message %q lacks %q", err, want)
				}
			}
			var ce *mailbox.CertError
			if !errors.As(err, &ce) || !strings.Contains(ce.Issuer, mailtest.CAName) {
				t.Errorf("err %v carries no CertError with the issuer", err)
			}
		})
	}
}

func TestTLSConfigCAFile(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.pem")
	if _, err := mailbox.TLSConfig(mailbox.Endpoint{CAFile: missing}, "h"); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing CA file: err = %v, want one naming %s", err, missing)
	}
	junk := filepath.Join(dir, "junk.pem")
	os.WriteFile(junk, []byte("not a certificate"), 0o644)
	if _, err := mailbox.TLSConfig(mailbox.Endpoint{CAFile: junk}, "h"); err == nil || !strings.Contains(err.Error(), junk) {
		t.Errorf("invalid CA file: err = %v, want one naming %s", err, junk)
	}
	ca := mailtest.NewTestCA(t)
	cfg, err := mailbox.TLSConfig(mailbox.Endpoint{CAFile: ca.CAFile}, "mail.example.com")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ServerName != "mail.example.com" || cfg.InsecureSkipVerify || cfg.RootCAs == nil {
		t.Errorf("config: ServerName %q, skip %v, roots %v", cfg.ServerName, cfg.InsecureSkipVerify, cfg.RootCAs != nil)
	}
}

type tokenFunc func() (string, error)

func (f tokenFunc) AccessToken() (string, error) { return f() }

func TestIMAPXOAUTH2(t *testing.T) {
	var (
		mu   sync.Mutex
		seen []string
	)
	srv := mailtest.StartIMAP(t, mailtest.IMAPOptions{
		TLS: mailtest.TLSImplicit,
		OAuth: func(user, token string) bool {
			mu.Lock()
			defer mu.Unlock()
			seen = append(seen, user+":"+token)
			return user == "alice" && token == "good-token"
		},
	})
	c := dial(t, endpoint(srv), mailbox.Auth{Username: "alice", Token: "good-token"})
	if _, err := c.Select(context.Background(), "INBOX"); err != nil {
		t.Fatal(err)
	}
	dial(t, endpoint(srv), mailbox.Auth{Username: "alice", Token: "stale",
		TokenSource: tokenFunc(func() (string, error) { return "good-token", nil })})

	_, err := mailbox.DialIMAP(context.Background(), endpoint(srv), mailbox.Auth{Username: "alice", Token: "bad-token-0815"})
	if !errors.Is(err, mailbox.ErrAuth) {
		t.Fatalf("bad token: err = %v, want authentication failure", err)
	}
	if strings.Contains(err.Error(), "bad-token-0815") {
		t.Errorf("message %q leaks the token", err)
	}
	// Password login is refused by an OAuth-only server.
	if _, err := mailbox.DialIMAP(context.Background(), endpoint(srv), alice); !errors.Is(err, mailbox.ErrAuth) {
		t.Errorf("password on OAuth server: err = %v, want authentication failure", err)
	}
	want := []string{"alice:good-token", "alice:good-token", "alice:bad-token-0815"}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(seen, want) {
		t.Errorf("server saw %q, want %q", seen, want)
	}
	if got := srv.LoginAttempts(); got != 4 {
		t.Errorf("login attempts = %d, want 4", got)
	}
}

func TestIMAPTokenSourceError(t *testing.T) {
	srv := mailtest.StartIMAP(t, mailtest.IMAPOptions{OAuth: func(string, string) bool { return true }})
	_, err := mailbox.DialIMAP(context.Background(), endpoint(srv), mailbox.Auth{Username: "alice",
		TokenSource: tokenFunc(func() (string, error) { return "", errors.New("refresh token revoked") })})
	if !errors.Is(err, mailbox.ErrAuth) || !strings.Contains(err.Error(), "refresh token revoked") {
		t.Fatalf("err = %v, want authentication failure naming the cause", err)
	}
}

func TestIMAPSearchFetchKeepsUnseen(t *testing.T) {
	srv := mailtest.StartIMAP(t, mailtest.IMAPOptions{})
	for i := 1; i <= 3; i++ {
		var flags []string
		if i == 2 {
			flags = []string{`\Seen`}
		}
		srv.Append(t, "alice", "INBOX", testMail(i), flags...)
	}
	c := dial(t, endpoint(srv), alice)
	ctx := context.Background()
	st, err := c.Select(ctx, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	if st.Messages != 3 || st.Unseen != 2 || st.UIDValidity == 0 || st.UIDNext != 4 {
		t.Errorf("status = %+v, want 3 messages, 2 unseen, UIDNext 4", st)
	}
	uids, err := c.SearchUnseen(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(uids, []uint32{1, 3}) {
		t.Fatalf("unseen = %v, want [1 3]", uids)
	}
	if uids, err := c.SearchUnseen(ctx, time.Now().Add(48*time.Hour)); err != nil || len(uids) != 0 {
		t.Errorf("unseen since the day after tomorrow = %v, %v; want none", uids, err)
	}
	var got []uint32
	err = c.FetchStream(ctx, uids, func(m *mailbox.Message) error {
		body, err := io.ReadAll(m.Body)
		if err != nil {
			return err
		}
		want := testMail(int(m.UID))
		if !bytes.Equal(body, want) || m.Size != int64(len(want)) {
			t.Errorf("UID %d: body %q size %d, want %q", m.UID, body, m.Size, want)
		}
		if m.InternalDate.IsZero() || slices.Contains(m.Flags, `\Seen`) {
			t.Errorf("UID %d: date %v flags %v", m.UID, m.InternalDate, m.Flags)
		}
		got = append(got, m.UID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, uids) {
		t.Errorf("fetched %v, want %v", got, uids)
	}
	for _, m := range srv.Folder(t, "alice", "INBOX") {
		if m.Seen() != (m.UID == 2) {
			t.Errorf("UID %d: seen = %v after fetch (Peek must not set \\Seen)", m.UID, m.Seen())
		}
	}

	// A callback error stops delivery and is returned; the connection stays usable.
	stop := errors.New("stop")
	calls := 0
	err = c.FetchStream(ctx, uids, func(m *mailbox.Message) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("FetchStream with failing callback: err %v after %d calls", err, calls)
	}
	var headers int
	err = c.FetchHeaders(ctx, uids, func(uid uint32, h []byte) error {
		if !bytes.Contains(h, []byte(fmt.Sprintf("Message-ID: <m%d@example.com>", uid))) || bytes.Contains(h, []byte("Guten Tag")) {
			t.Errorf("UID %d: header %q", uid, h)
		}
		headers++
		return nil
	})
	if err != nil || headers != 2 {
		t.Errorf("FetchHeaders: %v, %d headers", err, headers)
	}
	if err := c.SetFlags(ctx, []uint32{1}, []string{`\Seen`}, true); err != nil {
		t.Fatal(err)
	}
	if uids, _ := c.SearchUnseen(ctx, time.Time{}); !slices.Equal(uids, []uint32{3}) {
		t.Errorf("after SetFlags unseen = %v, want [3]", uids)
	}
}

const umlautFolder = "CRM/Aktivitäten"

func fill(t *testing.T, srv *mailtest.IMAPServer, n int) []uint32 {
	uids := make([]uint32, n)
	for i := range n {
		srv.Append(t, "alice", "INBOX", testMail(i+1))
		uids[i] = uint32(i + 1)
	}
	return uids
}

func TestIMAPMoveBatchCreatesFolder(t *testing.T) {
	srv := mailtest.StartIMAP(t, mailtest.IMAPOptions{})
	uids := fill(t, srv, 150)
	c := dial(t, endpoint(srv), alice)
	ctx := context.Background()
	if _, err := c.Select(ctx, "INBOX"); err != nil {
		t.Fatal(err)
	}
	srv.ResetCounts()
	// The folder is missing: MOVE answers TRYCREATE, the client creates it
	// (parent first) and moves again.
	if err := c.Move(ctx, uids[:100], umlautFolder); err != nil {
		t.Fatal(err)
	}
	if got := srv.Commands("MOVE"); got != 2 {
		t.Errorf("MOVE commands for a batch into a missing folder = %d, want 2 (TRYCREATE, retry)", got)
	}
	srv.ResetCounts()
	if err := c.Move(ctx, uids[100:], umlautFolder); err != nil {
		t.Fatal(err)
	}
	if got := srv.Commands("MOVE"); got != 1 {
		t.Errorf("MOVE commands for one batch = %d, want 1", got)
	}
	if n := len(srv.Folder(t, "alice", "INBOX")); n != 0 {
		t.Errorf("INBOX keeps %d messages", n)
	}
	moved := srv.Folder(t, "alice", umlautFolder)
	if len(moved) != 150 || moved[0].MessageID != "m1@example.com" || moved[0].Seen() {
		t.Errorf("moved folder: %d messages, first %+v", len(moved), moved[0])
	}
	if got := srv.Folders(t, "alice"); !slices.Equal(got, []string{"CRM", umlautFolder, "INBOX"}) {
		t.Errorf("folders = %q", got)
	}
}

func TestIMAPMoveFallback(t *testing.T) {
	cases := []struct {
		name   string
		opts   mailtest.IMAPOptions
		client []mailbox.IMAPOption
	}{
		{"server without MOVE", mailtest.IMAPOptions{NoMove: true}, nil},
		{"client WithoutMove", mailtest.IMAPOptions{}, []mailbox.IMAPOption{mailbox.WithoutMove()}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := mailtest.StartIMAP(t, tc.opts)
			fill(t, srv, 5)
			srv.Append(t, "alice", umlautFolder, testMail(99))
			c := dial(t, endpoint(srv), alice, tc.client...)
			ctx := context.Background()
			if _, err := c.Select(ctx, "INBOX"); err != nil {
				t.Fatal(err)
			}
			srv.ResetCounts()
			if err := c.Move(ctx, []uint32{1, 2, 4}, umlautFolder); err != nil {
				t.Fatal(err)
			}
			for cmd, want := range map[string]int{"MOVE": 0, "COPY": 1, "STORE": 1, "EXPUNGE": 1} {
				if got := srv.Commands(cmd); got != want {
					t.Errorf("%s commands = %d, want %d", cmd, got, want)
				}
			}
			var left []uint32
			for _, m := range srv.Folder(t, "alice", "INBOX") {
				left = append(left, m.UID)
			}
			if !slices.Equal(left, []uint32{3, 5}) {
				t.Errorf("INBOX keeps %v, want [3 5]", left)
			}
			if n := len(srv.Folder(t, "alice", umlautFolder)); n != 4 {
				t.Errorf("destination holds %d, want 4", n)
			}
			// TRYCREATE on COPY creates the folder as well.
			if err := c.Move(ctx, []uint32{3}, "Fehler"); err != nil {
				t.Fatal(err)
			}
			if n := len(srv.Folder(t, "alice", "Fehler")); n != 1 {
				t.Errorf("Fehler holds %d, want 1", n)
			}
		})
	}
}

func TestIMAPFoldersWithUmlauts(t *testing.T) {
	srv := mailtest.StartIMAP(t, mailtest.IMAPOptions{})
	c := dial(t, endpoint(srv), alice)
	ctx := context.Background()
	for range 2 { // idempotent
		if err := c.CreateFolder(ctx, umlautFolder); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Append(ctx, "Geschäftlich/Übersicht", testMail(1), []string{`\Seen`}, time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	names := folderNames(t, c)
	want := []string{"CRM", umlautFolder, "Geschäftlich", "Geschäftlich/Übersicht", "INBOX"}
	if !slices.Equal(names, want) {
		t.Errorf("folders = %q, want %q", names, want)
	}
	st, err := c.Status(ctx, "Geschäftlich/Übersicht")
	if err != nil || st.Messages != 1 || st.Unseen != 0 {
		t.Errorf("status = %+v, %v; want 1 seen message", st, err)
	}
	if _, err := c.Select(ctx, "Gibt es nicht"); mailbox.KindOf(err) != mailbox.KindRejected || !strings.Contains(err.Error(), "Gibt es nicht") {
		t.Errorf("select missing folder: %v (kind %v)", err, mailbox.KindOf(err))
	}
}

func TestIMAPContextCancel(t *testing.T) {
	srv := mailtest.StartIMAP(t, mailtest.IMAPOptions{})
	c := dial(t, endpoint(srv), alice)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.ListFolders(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("ListFolders with a cancelled context: %v", err)
	}
}

// folderNames lists the folders over c, sorted, and checks the delimiter.
func folderNames(t *testing.T, c *mailbox.IMAP) []string {
	t.Helper()
	folders, err := c.ListFolders(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range folders {
		names = append(names, f.Name)
		if f.Delim != "/" {
			t.Errorf("folder %q delimiter %q", f.Name, f.Delim)
		}
	}
	slices.Sort(names)
	return names
}
