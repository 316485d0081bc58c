// Package mailtest holds mail servers for tests and benchmarks: the
// in-process IMAP server of package mailserver with helpers that fail the
// test, an in-process SMTP server, a private Dovecot instance, an OAuth
// provider, and a throw-away certificate authority whose CA file plays the
// part of a mail configuration's trusted CA file.
package mailtest

import (
	"testing"

	"github.com/wfehq/wfe/mailbox/mailserver"
)

// CA is a certificate authority with one server certificate for loopback
// (see mailserver.CA).
type CA = mailserver.CA

// CA subject and server certificate subject, so tests can look for them in
// error messages.
const (
	CAName     = mailserver.CAName
	ServerName = mailserver.ServerName
)

// NewCA creates a CA and a server certificate in dir.
func NewCA(dir string) (*CA, error) { return mailserver.NewCA(dir) }

// NewTestCA is NewCA in a temporary directory of t.
func NewTestCA(t testing.TB) *CA {
	t.Helper()
	ca, err := NewCA(t.TempDir())
	if err != nil {
		t.Fatalf("test CA: %v", err)
	}
	return ca
}
