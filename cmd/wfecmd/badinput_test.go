package wfecmd

import (
	"context"
	"encoding/json"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/mailbox/mailtest"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/storetest"
)

// A batch with a broken, an empty, a missing file and a directory among a
// good one: every problem is printed, as FILE:LINE:COL where there is a
// position, and nothing is stored.
func TestWorkflowImportBadFilesStoreNothing(t *testing.T) {
	c := newStoreCLI(t)
	dir := t.TempDir()
	orig, err := os.ReadFile("../../testdata/workflows/ImportMails.xml")
	if err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "good.xml")
	broken := filepath.Join(dir, "broken.xml")
	empty := filepath.Join(dir, "empty.xml")
	sub := filepath.Join(dir, "dir.xml")
	missing := filepath.Join(dir, "missing.xml")
	mustWrite(t, good, strings.Replace(string(orig), `WorkFlowID="ImportMails"`, `WorkFlowID="Mine"`, 1))
	mustWrite(t, broken, "<WorkFlowMapping WorkFlowID=\"x\">\n<Step No=\"1\">\n</WorkFlowMapping>\n")
	mustWrite(t, empty, "")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}

	out, errs, code := c.run("workflow", "import", good, broken, empty, sub, missing)
	if code != 1 {
		t.Fatalf("exit %d, want 1\nstdout: %s\nstderr: %s", code, out, errs)
	}
	for _, want := range []string{
		broken + ":3:19: XML syntax error",
		empty + ":1:1: document has no root element",
		sub + ": cannot read: is a directory",
		missing + ": cannot open: no such file or directory",
		"nothing was imported: 4 file(s) have problems",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	if strings.Contains(errs, good) || out != "" {
		t.Errorf("the good file is reported or something was printed on stdout:\nstdout: %s\nstderr: %s", out, errs)
	}
	if list := c.ok("workflow", "list"); strings.Contains(list, "Mine") {
		t.Fatalf("a workflow was stored although the batch had problems:\n%s", list)
	}
	// alone, the good file imports
	if out := c.ok("workflow", "import", good); !strings.Contains(out, "created Mine version 1") {
		t.Fatalf("good file alone: %s", out)
	}
}

func mustWrite(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A mail server that cannot be reached (closed port, unknown host) or
// whose certificate is not trusted: the run record's error names the
// server and what to do, the class is retryable for the network and
// permanent for TLS, and the configuration is not locked. Only a rejected
// login locks it.
func TestImportServerFailuresInRunRecord(t *testing.T) {
	tlsSrv := mailtest.StartIMAP(t, mailtest.IMAPOptions{TLS: mailtest.TLSImplicit, Users: map[string]string{"info": testPassword}})
	plainSrv := mailtest.StartIMAP(t, mailtest.IMAPOptions{Users: map[string]string{"info": testPassword}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	// a CA file that is good when it is set and damaged afterwards
	// (mailconfig set refuses a bad one)
	junkCA := filepath.Join(t.TempDir(), "ca.pem")
	goodCA, err := os.ReadFile(tlsSrv.CAFile)
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name, addr, security, password string
		class                          engine.ErrorClass
		want                           []string
		locked                         bool
		ca                             string
	}{
		{"closed port", closed, "none", testPassword, engine.ClassRetryable,
			[]string{"network " + closed, "connection refused", "check that the server is running", "wfe mailconfig set 123 --imap HOST:PORT"}, false, ""},
		{"unknown host", "mail.wfe-test.invalid:993", "tls", testPassword, engine.ClassRetryable,
			[]string{"network mail.wfe-test.invalid:993", "wfe mailconfig set 123 --imap HOST:PORT"}, false, ""},
		{"unknown CA", tlsSrv.Addr, "tls", testPassword, engine.ClassPermanent,
			[]string{"tls " + tlsSrv.Addr, mailtest.CAName, "add the issuing CA to the CA file"}, false, ""},
		{"TLS to a plain port", plainSrv.Addr, "tls", testPassword, engine.ClassPermanent,
			[]string{"tls " + plainSrv.Addr, "wfe mailconfig set 123 --imap-security none|starttls|tls"}, false, ""},
		{"CA file without a certificate", tlsSrv.Addr, "tls", testPassword, engine.ClassPermanent,
			[]string{"tls " + tlsSrv.Addr, "CA file " + junkCA + ": no PEM certificate found", "wfe mailconfig set 123 --ca-file FILE"}, false, junkCA},
		{"wrong password", plainSrv.Addr, "none", "wrong-" + testPassword, engine.ClassPermanent,
			[]string{"authentication " + plainSrv.Addr}, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newStoreCLI(t)
			c.env["PW"] = tc.password
			c.ok("employee", "add", "anna", "--email", "anna@firma.example")
			args := []string{"mailconfig", "set", "123", "--user", "info", "--password-env", "PW", "--imap", tc.addr, "--imap-security", tc.security}
			if tc.ca != "" {
				mustWrite(t, tc.ca, string(goodCA))
				args = append(args, "--ca-file", tc.ca)
			}
			c.ok(args...)
			if tc.ca != "" {
				mustWrite(t, tc.ca, "not a certificate\n")
			}
			out, errs, code := c.run("run", "ImportMails", "--as", "anna")
			if code != 1 {
				t.Fatalf("exit %d, want 1\nstdout: %s\nstderr: %s", code, out, errs)
			}
			var runs []store.Run
			if err := json.Unmarshal([]byte(c.ok("runs", "list", "--json")), &runs); err != nil || len(runs) != 1 {
				t.Fatalf("runs list: %v %d", err, len(runs))
			}
			var rec engine.RunRecord
			if err := json.Unmarshal(runs[0].Record, &rec); err != nil {
				t.Fatal(err)
			}
			if runs[0].Status != "failed" || rec.ErrorClass != tc.class {
				t.Errorf("run %s, class %q; want failed, %q: %s", runs[0].Status, rec.ErrorClass, tc.class, rec.Error)
			}
			for _, want := range tc.want {
				if !strings.Contains(runs[0].Error, want) || !strings.Contains(rec.Error, want) {
					t.Errorf("run error lacks %q:\n%s", want, runs[0].Error)
				}
			}
			if strings.Contains(out+errs+runs[0].Error, testPassword) {
				t.Errorf("the password appears in the output or run record")
			}
			var cfgs []struct {
				AutoLocked bool `json:"auto_locked"`
			}
			if err := json.Unmarshal([]byte(c.ok("mailconfig", "list", "--json")), &cfgs); err != nil || len(cfgs) != 1 {
				t.Fatalf("mailconfig list: %v", err)
			}
			if cfgs[0].AutoLocked != tc.locked {
				t.Errorf("configuration auto-locked %v, want %v", cfgs[0].AutoLocked, tc.locked)
			}
		})
	}
}

// A wrong WFE_SECRET_KEY, a malformed one and a key file deleted after
// secrets were stored: every command that needs a secret fails naming
// the key's source, nothing is decrypted with the wrong key, no new key
// file appears and the stored password is not overwritten.
func TestWrongOrMissingSecretKey(t *testing.T) {
	c := newStoreCLI(t)
	delete(c.env, "WFE_SECRET_KEY") // the key file beside the database
	c.env["PW"] = testPassword
	c.ok("employee", "add", "anna", "--email", "anna@firma.example")
	c.ok("mailconfig", "set", "123", "--user", "info", "--password-env", "PW", "--imap", "127.0.0.1:1", "--imap-security", "none")
	keyFile := c.db + ".key"
	key, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatalf("key file: %v", err)
	}
	c.env["PW"] = "a-new-password"

	try := func(want string) {
		t.Helper()
		for _, args := range [][]string{
			{"import-mail", "123", "--as", "anna"},
			{"mailconfig", "set", "123", "--password-env", "PW"},
			{"mailconfig", "set", "123", "--imap", "127.0.0.1:2"},
			{"employee", "add", "bob", "--email", "bob@firma.example", "--groupware-password-env", "PW"},
		} {
			out, errs, code := c.run(args...)
			if code != 1 || !strings.Contains(errs, want) {
				t.Errorf("wfe %s: exit %d, stderr lacks %q:\n%s%s", strings.Join(args, " "), code, want, out, errs)
			}
		}
	}
	c.env["WFE_SECRET_KEY"] = "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=" // 32 other bytes
	try("WFE_SECRET_KEY is not the key this database's secrets were written with")
	c.env["WFE_SECRET_KEY"] = "not-a-key"
	try("WFE_SECRET_KEY: secret key: the key must be base64 or hex of 32 bytes")
	delete(c.env, "WFE_SECRET_KEY")
	if err := os.Remove(keyFile); err != nil {
		t.Fatal(err)
	}
	try("key file " + keyFile + " is missing but the database holds encrypted secrets")
	if _, err := os.Stat(keyFile); !os.IsNotExist(err) {
		t.Fatalf("a new key file was created: %v", err)
	}

	// the right key back: the configuration is as it was
	if err := os.WriteFile(keyFile, key, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(context.Background(), c.db, store.WithGetenv(func(string) string { return "" }))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cfg, err := s.MailConfigByMatchCode(context.Background(), "123")
	if err != nil || cfg.Password != testPassword || cfg.IMAPAddr != "127.0.0.1:1" {
		t.Fatalf("configuration after the refused changes: %v %+v", err, cfg)
	}
	if _, err := s.EmployeeByLogin(context.Background(), "bob"); err == nil {
		t.Fatal("employee bob was created without his password")
	}
}

// An unreachable PostgreSQL (a closed port): the error names host:port,
// and the password of the URL (user part or query parameter) appears
// neither there nor in the help showing WFE_DB as the default.
func TestUnreachablePostgresHidesPassword(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	const pw = "Pg-S3cret-Pass"
	for _, dsn := range []string{
		"postgres://wfe:" + pw + "@" + closed + "/wfe?sslmode=disable",
		"postgresql://wfe@" + closed + "/wfe?password=" + pw + "&sslmode=disable",
	} {
		var out, errb strings.Builder
		env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
			Getenv: func(k string) string { return map[string]string{"WFE_SECRET_KEY": storetest.TestKey}[k] }}
		code := Execute(context.Background(), root, env, []string{"--db", dsn, "runs", "list"})
		if code != 1 || !strings.Contains(errb.String(), "open store") || !strings.Contains(errb.String(), closed) {
			t.Errorf("%s: exit %d, stderr does not name %s:\n%s", closed, code, closed, errb.String())
		}
		if strings.Contains(out.String()+errb.String(), pw) {
			t.Errorf("the database password is printed:\n%s%s", out.String(), errb.String())
		}

		out.Reset()
		errb.Reset()
		env.Getenv = func(k string) string { return map[string]string{"WFE_DB": dsn}[k] }
		if code := Execute(context.Background(), root, env, []string{"runs", "list", "--help"}); code != 0 {
			t.Fatalf("runs list --help: exit %d", code)
		}
		if !strings.Contains(out.String(), closed) || strings.Contains(out.String(), pw) {
			t.Errorf("help with WFE_DB=%s shows the password or no default:\n%s", dsn, out.String())
		}
	}
}

// A contacts CSV with wrong field counts and bad quoting, among them a
// quote that is never closed: every bad row is reported with its line,
// exit 1, and every good row is imported, also those after the quote.
func TestContactsImportBadRows(t *testing.T) {
	c := newStoreCLI(t)
	file := filepath.Join(t.TempDir(), "contacts.csv")
	mustWrite(t, file, "partner;partner_roles;partner_fax;first_name;last_name;email;fax\n"+
		"ACME AG;Kunde;;Erika;Muster;erika@acme.example;\n"+
		"ACME AG;Ku\"nde;;Bad;Quote;bad@acme.example;\n"+ // 3: bare quote
		"ACME AG;Kunde;;Too;Few\n"+ // 4: 5 fields
		"\"ACME AG;Kunde;;Open;Quote;open@acme.example;\n"+ // 5: quote never closed
		"Beta GmbH;Kunde;;Max;Gut;max@beta.example;\n"+
		"\"Gamma\";Kunde;;\"Zwei\nZeilen\";Ok;zz@gamma.example;\n"+ // 7-8: one record
		"Delta;Kunde;;Eva;\"Ok\"x;eva@delta.example;\n"+ // 9: text after the closing quote
		"Eps;Kunde;;Eva;Ok;eva@eps.example;\n")
	out, errs, code := c.run("contacts", "import", file)
	if code != 1 {
		t.Fatalf("exit %d, want 1\nstdout: %s\nstderr: %s", code, out, errs)
	}
	if !strings.Contains(out, "4 contacts created, 0 updated, 0 unchanged, 4 rows rejected; 4 business partners created") {
		t.Errorf("summary: %s", out)
	}
	for _, want := range []string{
		file + ":3: bare \" in non-quoted-field",
		file + ":4: 5 fields, the header has 7",
		file + ":5: extraneous or missing \" in quoted-field",
		file + ":9: extraneous or missing \" in quoted-field",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	list := c.ok("contacts", "list")
	for _, email := range []string{"erika@acme.example", "max@beta.example", "zz@gamma.example", "eva@eps.example"} {
		if !strings.Contains(list, email) {
			t.Errorf("good row %s was not imported:\n%s", email, list)
		}
	}
	for _, email := range []string{"bad@acme.example", "open@acme.example", "eva@delta.example"} {
		if strings.Contains(list, email) {
			t.Errorf("bad row %s was imported", email)
		}
	}
}

// Mail passwords, an OAuth client secret and a groupware password set
// through the command line, an import that fails on the wrong password
// and a serve tick that fails again: no secret appears in any output,
// --json listing, export, run record, log line, blob or database file.
func TestSecretsAbsentEverywhere(t *testing.T) {
	srv := mailtest.StartIMAP(t, mailtest.IMAPOptions{Users: map[string]string{"info": "the-servers-own-password"}})
	srv.Append(t, "info", "INBOX", simpleTestMail())
	c := newStoreCLI(t)
	secrets := []string{"Mail-Pass-One-7781", "Mail-Pass-Two-9902", "OAuth-Client-Secret-5523", "Groupware-Pass-3318"}
	c.env["PW1"], c.env["PW2"], c.env["CS"], c.env["GW"] = secrets[0], secrets[1], secrets[2], secrets[3]
	var all strings.Builder
	run := func(wantCode int, args ...string) string {
		t.Helper()
		out, errs, code := c.run(args...)
		if code != wantCode {
			t.Fatalf("wfe %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, wantCode, out, errs)
		}
		all.WriteString(out + errs)
		return out + errs
	}
	run(0, "employee", "add", "anna", "--email", "anna@firma.example", "--groupware-login", "anna", "--groupware-password-env", "GW")
	run(0, "mailconfig", "set", "123", "--user", "info", "--password-env", "PW1", "--imap", srv.Addr, "--imap-security", "none")
	run(0, "mailconfig", "set", "456", "--user", "info", "--password-env", "PW1", "--imap", srv.Addr, "--imap-security", "none",
		"--oauth-tenant", "t1", "--oauth-client-id", "app-1", "--oauth-client-secret-env", "CS", "--oauth-token-url", "http://127.0.0.1:1/token")

	if out := run(1, "import-mail", "123", "--as", "anna", "--verbose", "--json"); !strings.Contains(out, "authentication "+srv.Addr) {
		t.Fatalf("import with the wrong password:\n%s", out)
	}
	run(1, "import-mail", "456", "--as", "anna", "--verbose")
	run(1, "run", "ImportMails", "--as", "anna", "--json")
	// a new (still wrong) password clears the lock; serve fails on it once more
	run(0, "mailconfig", "set", "123", "--password-env", "PW2")
	run(0, "timer", "add", "Imp", "--workflow", "ImportMails", "--as", "anna", "--every", "1s")
	st := c.store()
	for i, format := range []string{"text", "json"} {
		srvd := c.startServe("--log-format", format, "--reload", "100ms")
		c.waitRuns(st, "a failed serve run", store.RunFilter{Timer: "Imp"}, func(r []store.Run) bool {
			return len(r) > i && r[0].Status == store.RunFailed
		})
		if code := srvd.stop(t); code != 0 {
			t.Fatalf("serve exit %d", code)
		}
		all.WriteString(srvd.stderr.String())
	}
	if !strings.Contains(all.String(), "authentication") {
		t.Fatal("no authentication failure was produced: the check proves little")
	}
	for _, args := range [][]string{
		{"mailconfig", "list"}, {"mailconfig", "list", "--json"}, {"runs", "list"}, {"runs", "list", "--json"},
		{"employee", "list", "--json"}, {"timer", "list", "--json"}, {"settings", "list", "--json"},
		{"activity", "list", "--json"}, {"workflow", "export", "ImportMails"}, {"workflow", "list", "--json"},
	} {
		run(0, args...)
	}
	runs, err := st.ListRuns(context.Background(), store.RunFilter{})
	if err != nil || len(runs) < 3 {
		t.Fatalf("%d runs: %v", len(runs), err)
	}
	for _, r := range runs {
		all.WriteString(r.Error)
		all.Write(r.Record)
	}
	text := all.String()
	for _, s := range secrets {
		if strings.Contains(text, s) {
			t.Errorf("a secret (%s...) appears in output, logs or run records", s[:8])
		}
	}
	files := []string{c.db, c.db + "-wal", c.db + "-shm"}
	filepath.WalkDir(st.BlobDir(), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	for _, f := range files {
		b, _ := os.ReadFile(f)
		for _, s := range secrets {
			if strings.Contains(string(b), s) {
				t.Errorf("%s holds a secret (%s...) in plain text", f, s[:8])
			}
		}
	}
}

func simpleTestMail() []byte {
	return []byte("From: kunde@kunde.example\r\nTo: info@firma.example\r\nSubject: Hallo\r\n" +
		"Message-ID: <hallo@kunde.example>\r\nDate: Mon, 04 Mar 2024 09:15:00 +0100\r\n\r\nText\r\n")
}

// --db naming a directory, a file that is no database or a path in a
// missing directory: exit 1 with the path and the problem.
func TestBadSQLitePath(t *testing.T) {
	dir := t.TempDir()
	notDB := filepath.Join(dir, "notes.txt")
	mustWrite(t, notDB, "not a database\n")
	for db, want := range map[string]string{
		dir:                                   "open store " + dir + ": is a directory, not a SQLite database file",
		notDB:                                 "open store " + notDB + ": file is not a database",
		filepath.Join(dir, "missing", "x.db"): "no database at " + filepath.Join(dir, "missing", "x.db") + " (create one with 'wfe init --db " + filepath.Join(dir, "missing", "x.db") + "')",
	} {
		c := &storeCLI{t: t, db: db, env: map[string]string{"WFE_SECRET_KEY": storetest.TestKey}}
		if _, errs, code := c.run("runs", "list"); code != 1 || !strings.Contains(errs, want) {
			t.Errorf("--db %s: exit %d, stderr lacks %q:\n%s", db, code, want, errs)
		}
	}
}
