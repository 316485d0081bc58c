// Package mailbox is wfe's mail transport: IMAP (the only place that uses
// go-imap), SMTP sending and checks, OAuth2 tokens, TLS and error
// classification. It knows nothing of the store: callers fill a Config from a
// mail configuration.
package mailbox

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// Security is the transport security of one direction.
type Security string

const (
	SecurityNone     Security = "none"     // plain text
	SecuritySTARTTLS Security = "starttls" // upgrade with STARTTLS
	SecurityTLS      Security = "tls"      // implicit TLS (IMAPS, SMTPS)
)

// ParseSecurity accepts none, starttls or tls (also "ssl" for tls).
func ParseSecurity(s string) (Security, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "none", "plain":
		return SecurityNone, nil
	case "starttls":
		return SecuritySTARTTLS, nil
	case "tls", "ssl", "imaps", "smtps":
		return SecurityTLS, nil
	}
	return "", fmt.Errorf("unknown security %q (want none, starttls or tls)", s)
}

// Default ports (docs/REQUIREMENTS.md R21): IMAP and IMAP+STARTTLS 143, IMAPS 993; SMTP 25,
// SMTPS 465, submission (STARTTLS) 587.
const (
	PortIMAP       = 143
	PortIMAPS      = 993
	PortSMTP       = 25
	PortSMTPS      = 465
	PortSubmission = 587
)

// Auth is how a client authenticates.
type Auth struct {
	Username string
	Password string // basic auth (PLAIN/LOGIN); never logged
	// Token, when set, selects SASL XOAUTH2 with this bearer access token
	// (Microsoft 365). TokenSource wins over Token when both are set.
	Token       string
	TokenSource TokenSource
}

// TokenSource yields a valid OAuth2 access token (refreshing as needed).
type TokenSource interface {
	AccessToken() (string, error)
}

// Endpoint is one server of a mail configuration.
type Endpoint struct {
	Addr     string   // host or host:port (docs/REQUIREMENTS.md R21); default port by Security
	Security Security // none, starttls, tls
	// CAFile is a PEM file of extra CA certificates to trust (docs/REQUIREMENTS.md R22).
	CAFile string
	// InsecureSkipVerify turns certificate verification off; for tests only.
	InsecureSkipVerify bool
	Timeout            time.Duration // dial + each command; 0 means 30s
}

// HostPort returns host and port, filling the default port for the
// security mode: imap=true for IMAP, false for SMTP.
func (e Endpoint) HostPort(imap bool) (host string, port int, err error) {
	addr := strings.TrimSpace(e.Addr)
	if addr == "" {
		return "", 0, fmt.Errorf("no server address")
	}
	h, p, splitErr := net.SplitHostPort(addr)
	if splitErr != nil {
		// no port given
		h = strings.Trim(addr, "[]")
		switch {
		case imap && e.Security == SecurityTLS:
			return h, PortIMAPS, nil
		case imap:
			return h, PortIMAP, nil
		case e.Security == SecurityTLS:
			return h, PortSMTPS, nil
		case e.Security == SecuritySTARTTLS:
			return h, PortSubmission, nil
		default:
			return h, PortSMTP, nil
		}
	}
	n, err := strconv.Atoi(p)
	if err != nil || n <= 0 || n > 65535 {
		return "", 0, fmt.Errorf("server %q: port %q is not a number from 1 to 65535", addr, p)
	}
	return h, n, nil
}

func (e Endpoint) timeout() time.Duration {
	if e.Timeout <= 0 {
		return 30 * time.Second
	}
	return e.Timeout
}
