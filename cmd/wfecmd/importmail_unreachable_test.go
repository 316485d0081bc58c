package wfecmd

import (
	"net"
	"strings"
	"testing"
)

// An import that cannot reach its server prints no misleading summary
// ("0 unseen", "no unseen mail") on stdout: only the error, on stderr,
// naming the configuration and the server; exit 1. --json carries the
// error on the configuration's object.
func TestImportMailUnreachableServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // a closed port: connection refused

	c := newStoreCLI(t)
	c.env["PW"] = testPassword
	c.ok("mailconfig", "set", "123", "--user", "info", "--password-env", "PW", "--imap", addr, "--imap-security", "none")
	for _, args := range [][]string{{"import-mail", "123"}, {"import-mail", "123", "--dry-run"}} {
		out, errs, code := c.run(args...)
		if code != 1 {
			t.Fatalf("%v: exit %d", args, code)
		}
		if strings.Contains(out, "unseen") {
			t.Errorf("%v: misleading summary on stdout:\n%s", args, out)
		}
		if !strings.Contains(errs, "mail configuration 123") || !strings.Contains(errs, addr) {
			t.Errorf("%v: error does not name the configuration and server:\n%s", args, errs)
		}
	}
	out, _, code := c.run("import-mail", "123", "--json")
	if code != 1 || !strings.Contains(out, `"error": "mail configuration 123`) {
		t.Fatalf("--json: exit %d\n%s", code, out)
	}
}
