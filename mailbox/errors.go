package mailbox

import (
	"errors"
	"fmt"

	"github.com/wfehq/wfe/errclass"
)

// Kind says what went wrong in a transport failure. Each kind maps to one
// class of wfe's error classification (Class); an *Error carries that
// class, so engine.ClassOf and the run record see it.
type Kind int

const (
	KindOther    Kind = iota // not recognised: unclassified
	KindAuth                 // authentication failed: permanent, do not retry the login
	KindTLS                  // TLS handshake or certificate problem: permanent
	KindNetwork              // connection refused/reset, DNS, timeout: retryable
	KindTemp                 // the server said "try later" (SMTP 4xx, IMAP [UNAVAILABLE]...): retryable
	KindRejected             // the server refused the request for good (SMTP 5xx other than auth): permanent
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

// Class maps the kind into wfe's error classification: network and
// "try later" failures are retryable; authentication, TLS and refusals are
// permanent; an unrecognised failure stays unclassified.
func (k Kind) Class() errclass.Class {
	switch k {
	case KindNetwork, KindTemp:
		return errclass.Retryable
	case KindAuth, KindTLS, KindRejected:
		return errclass.Permanent
	}
	return errclass.Unclassified
}

// Retryable tells whether an operation that failed with this kind may
// succeed when tried again later.
func (k Kind) Retryable() bool { return k.Class() == errclass.Retryable }

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

// ErrorClass is the class of the error's kind (errclass.Classifier).
func (e *Error) ErrorClass() errclass.Class { return e.Kind.Class() }

var _ errclass.Classifier = (*Error)(nil)

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

// IsRetryable reports whether err is worth retrying later: its class
// (errclass.Of) is retryable.
func IsRetryable(err error) bool { return errclass.Of(err) == errclass.Retryable }
