package mailbox

import (
	"errors"
	"fmt"
)

// Kind classifies a transport failure.
type Kind int

const (
	KindOther    Kind = iota // unclassified: treated as permanent
	KindAuth                 // authentication failed: permanent, do not retry the login
	KindTLS                  // TLS handshake or certificate problem: permanent
	KindNetwork              // connection refused/reset, DNS, timeout: retryable
	KindTemp                 // the server said "try later" (SMTP 4xx, IMAP [UNAVAILABLE]...): retryable
	KindRejected             // the server refused the request for good (SMTP 5xx other than auth)
)

func (k Kind) String() string {
	switch k {
	case KindAuth:
		return "authentication"
	case KindTLS:
		return "tls"
	case KindNetwork:
		return "network"
	case KindTemp:
		return "temporary"
	case KindRejected:
		return "rejected"
	}
	return "other"
}

// Retryable tells whether an operation that failed with this kind may
// succeed when tried again later.
func (k Kind) Retryable() bool { return k == KindNetwork || k == KindTemp }

// Error is a classified transport error. Its message names the server and
// the operation; it never holds a password or token.
type Error struct {
	Kind   Kind
	Server string // host:port
	Op     string // "connect", "login", "fetch", "move", "send", ...
	Err    error
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s %s: %s failed: %v", e.Kind, e.Server, e.Op, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// ErrAuth matches (errors.Is) every authentication failure.
var ErrAuth = errors.New("authentication failed")

// Is lets errors.Is(err, ErrAuth) match an Error of KindAuth.
func (e *Error) Is(target error) bool { return target == ErrAuth && e.Kind == KindAuth }

// KindOf returns the classification of err (KindOther when unclassified).
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindOther
}

// IsRetryable reports whether err is worth retrying later.
func IsRetryable(err error) bool { return KindOf(err).Retryable() }
