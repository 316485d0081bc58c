package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/storetest"
)

var ctx = context.Background()

func TestMigrationsUp(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		v, err := s.CurrentSchemaVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if v != store.SchemaVersion() || v < 1 {
			t.Fatalf("schema version %d, want %d", v, store.SchemaVersion())
		}
	})
}

func TestReopenIsIdempotent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wfe.db")
	s := storetest.OpenPath(t, path)
	if err := s.CreateEmployee(ctx, &store.Employee{Login: "anna"}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2 := storetest.OpenPath(t, path)
	if _, err := s2.EmployeeByLogin(ctx, "anna"); err != nil {
		t.Fatalf("after reopen: %v", err)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wfe.db")
	s := storetest.OpenPath(t, path)
	future := store.SchemaVersion() + 1
	if err := s.DB(ctx).Exec("INSERT INTO schema_version (version, name, applied_at) VALUES (?, 'future.sql', 'x')", future).Error; err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err := store.Open(ctx, path, store.WithSecretKey(storetest.TestKey))
	if !errors.Is(err, store.ErrSchemaTooNew) {
		t.Fatalf("open: %v, want ErrSchemaTooNew", err)
	}
	want := fmt.Sprintf("database schema version %d is newer than this wfe (knows up to %d): upgrade wfe", future, store.SchemaVersion())
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("message %q does not contain %q", err, want)
	}
}

func TestSQLitePragmas(t *testing.T) {
	s := storetest.Open(t)
	for pragma, want := range map[string]string{"foreign_keys": "1", "journal_mode": "wal", "busy_timeout": "10000"} {
		var got string
		if err := s.DB(ctx).Raw("PRAGMA " + pragma).Scan(&got).Error; err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %q, want %q", pragma, got, want)
		}
	}
}

func TestContactNeedsPartner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		err := s.CreateContact(ctx, &store.Contact{PartnerID: 999, Email: "x@example.com"})
		if !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("contact without partner: %v, want ErrNotFound (foreign key)", err)
		}
		p := &store.BusinessPartner{Name: "ACME", Roles: store.StringList{"Kunde"}}
		if err := s.CreatePartner(ctx, p); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateContact(ctx, &store.Contact{PartnerID: p.ID, Email: "Max@Example.com"}); err != nil {
			t.Fatal(err)
		}
		ms, err := s.ContactsByEmail(ctx, "max@EXAMPLE.com")
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != 1 || ms[0].Partner.Name != "ACME" || !ms[0].Partner.Roles.Has("Kunde") {
			t.Fatalf("contacts by e-mail: %+v", ms)
		}
	})
}

func TestEmployeeLoginUnique(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		if err := s.CreateEmployee(ctx, &store.Employee{Login: "anna", Email: "Anna@Firma.de"}); err != nil {
			t.Fatal(err)
		}
		err := s.CreateEmployee(ctx, &store.Employee{Login: "anna"})
		if !errors.Is(err, store.ErrConflict) {
			t.Fatalf("second anna: %v, want ErrConflict", err)
		}
		e, err := s.EmployeeByEmail(ctx, "anna@firma.DE")
		if err != nil || e.Login != "anna" {
			t.Fatalf("by e-mail: %v %v", e, err)
		}
		if _, err := s.EmployeeByLogin(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown login: %v", err)
		}
	})
}

const secretPW = "S3cr3t-pw-XYZ"

func TestSecretsEncryptedAtRest(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "wfe.db")
	s := storetest.OpenPath(t, path)
	emp := &store.Employee{Login: "anna", GroupwareLogin: "anna@firma.de", GroupwarePassword: secretPW}
	if err := s.CreateEmployee(ctx, emp); err != nil {
		t.Fatal(err)
	}
	cfg := &store.MailConfig{MatchCode: "123", UserName: "info", Password: secretPW,
		OAuthClientSecret: secretPW + "-client", OAuthToken: `{"access_token":"` + secretPW + `-token"}`}
	if err := s.CreateMailConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetMailConfig(ctx, cfg.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Password != secretPW || got.OAuthClientSecret != secretPW+"-client" || !strings.Contains(got.OAuthToken, secretPW) {
		t.Fatalf("secrets do not read back: %+v", got)
	}
	e, err := s.EmployeeByLogin(ctx, "anna")
	if err != nil || e.GroupwarePassword != secretPW {
		t.Fatalf("employee password does not read back: %v", err)
	}
	// the database files (main file and WAL) never hold the plain secret
	for _, f := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(f)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(secretPW)) || bytes.Contains(b, []byte("S3cr3t")) {
			t.Fatalf("%s holds the plain secret", f)
		}
	}
	s.Close()
	// the same database with another key: a clear error, never garbage
	other, err := store.Open(ctx, path, store.WithSecretKey(store.GenerateSecretKey()))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.GetMailConfig(ctx, cfg.ID); !errors.Is(err, store.ErrSecretKey) {
		t.Fatalf("wrong key: %v, want ErrSecretKey", err)
	}
	if err := other.CreateMailConfig(ctx, &store.MailConfig{MatchCode: "x", Password: "p"}); !errors.Is(err, store.ErrSecretKey) {
		t.Fatalf("write with wrong key: %v, want ErrSecretKey", err)
	}
}

func TestSecretKeyFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "wfe.db")
	noEnv := store.WithGetenv(func(string) string { return "" })
	s, err := store.Open(ctx, path, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateMailConfig(ctx, &store.MailConfig{MatchCode: "a", Password: secretPW}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	fi, err := os.Stat(path + ".key")
	if err != nil {
		t.Fatalf("key file not created: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	s, err = store.Open(ctx, path, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := s.MailConfigByMatchCode(ctx, "a"); err != nil || c.Password != secretPW {
		t.Fatalf("reopen with key file: %v", err)
	}
	s.Close()
	// key file gone: refuse, do not create a new key
	if err := os.Remove(path + ".key"); err != nil {
		t.Fatal(err)
	}
	s, err = store.Open(ctx, path, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = s.MailConfigByMatchCode(ctx, "a")
	if !errors.Is(err, store.ErrSecretKey) || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("missing key file: %v", err)
	}
	if _, err := os.Stat(path + ".key"); !os.IsNotExist(err) {
		t.Fatalf("a new key file was created for a database with secrets")
	}
}

func TestLedgerConcurrentInsert(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		key := store.LedgerKey{MailConfigID: 1, Mailbox: "INBOX", UIDValidity: 42, UID: 7}
		const n = 2
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				e := &store.LedgerEntry{MailConfigID: key.MailConfigID, Mailbox: key.Mailbox, UIDValidity: int64(key.UIDValidity),
					UID: int64(key.UID), Outcome: store.OutcomeImported, MessageID: "<m@x>"}
				errs[i] = s.RecordLedger(ctx, e)
			}()
		}
		close(start)
		wg.Wait()
		wins, conflicts := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				wins++
			case errors.Is(err, store.ErrConflict):
				conflicts++
			default:
				t.Fatalf("unexpected error: %v", err)
			}
		}
		if wins != 1 || conflicts != 1 {
			t.Fatalf("wins %d conflicts %d, want 1 and 1", wins, conflicts)
		}
		e, err := s.LedgerByKey(ctx, key)
		if err != nil || e.MessageID != "<m@x>" {
			t.Fatalf("ledger by key: %v %v", e, err)
		}
	})
}

func TestClaimTickExclusive(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		at := time.Date(2026, 3, 1, 12, 10, 0, 123456000, time.FixedZone("CET", 3600))
		const n = 8
		var wg sync.WaitGroup
		results := make([]bool, n)
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i], errs[i] = s.ClaimTick(ctx, "ImportMails", at, "node"+string(rune('a'+i)))
			}()
		}
		wg.Wait()
		won := 0
		for i := range n {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			if results[i] {
				won++
			}
		}
		if won != 1 {
			t.Fatalf("%d claims won, want 1", won)
		}
		// the same instant in another zone is the same tick
		if ok, err := s.ClaimTick(ctx, "ImportMails", at.UTC(), "late"); err != nil || ok {
			t.Fatalf("same tick in UTC claimed again: %v %v", ok, err)
		}
		if ok, err := s.ClaimTick(ctx, "ImportMails", at.Add(10*time.Minute), "x"); err != nil || !ok {
			t.Fatalf("next tick: %v %v", ok, err)
		}
		if ok, err := s.ClaimTick(ctx, "Other", at, "x"); err != nil || !ok {
			t.Fatalf("other timer: %v %v", ok, err)
		}
	})
}

func TestLeaseExclusive(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		const n = 8
		var wg sync.WaitGroup
		results := make([]bool, n)
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i], errs[i] = s.AcquireLease(ctx, "scheduler", "node"+string(rune('a'+i)), time.Minute)
			}()
		}
		wg.Wait()
		winner := ""
		for i := range n {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			if results[i] {
				if winner != "" {
					t.Fatalf("two winners: %s and node%c", winner, 'a'+i)
				}
				winner = "node" + string(rune('a'+i))
			}
		}
		if winner == "" {
			t.Fatal("nobody won the lease")
		}
		loser := "nodeZ"
		if ok, _ := s.AcquireLease(ctx, "scheduler", loser, time.Minute); ok {
			t.Fatal("lease taken while held")
		}
		if ok, err := s.RenewLease(ctx, "scheduler", winner, time.Minute); err != nil || !ok {
			t.Fatalf("renew by holder: %v %v", ok, err)
		}
		if ok, _ := s.RenewLease(ctx, "scheduler", loser, time.Minute); ok {
			t.Fatal("renewed by non-holder")
		}
		if err := s.ReleaseLease(ctx, "scheduler", winner); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.AcquireLease(ctx, "scheduler", loser, time.Minute); err != nil || !ok {
			t.Fatalf("acquire after release: %v %v", ok, err)
		}
	})
}

func TestLeaseExpires(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s := storetest.Open(t, store.WithClock(clock))
	if ok, err := s.AcquireLease(ctx, "k", "dead-node", 30*time.Second); err != nil || !ok {
		t.Fatalf("acquire: %v %v", ok, err)
	}
	if ok, _ := s.AcquireLease(ctx, "k", "other", 30*time.Second); ok {
		t.Fatal("acquired a live lease")
	}
	mu.Lock()
	now = now.Add(31 * time.Second)
	mu.Unlock()
	if ok, err := s.AcquireLease(ctx, "k", "other", 30*time.Second); err != nil || !ok {
		t.Fatalf("expired lease not taken over: %v %v", ok, err)
	}
	if ok, _ := s.RenewLease(ctx, "k", "dead-node", time.Minute); ok {
		t.Fatal("dead node renewed a lease it lost")
	}
}
