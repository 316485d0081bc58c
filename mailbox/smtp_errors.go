package mailbox

import (
	"context"
	"errors"
	"net/textproto"
	"strings"
)

// smtpError classifies err of operation op on server as an *Error whose
// text holds none of auth's secrets. An error that is already an *Error
// keeps its kind.
func smtpError(server, op string, err error, auth Auth, secrets ...string) error {
	secrets = append(secrets, auth.Password, auth.Token)
	var e *Error
	if errors.As(err, &e) && e == err {
		c := *e
		if c.Server == "" {
			c.Server = server
		}
		c.Err = redactSecrets(c.Err, secrets...)
		return &c
	}
	if ce := certError(err); ce != nil {
		err = ce
	}
	return &Error{Kind: smtpKind(op, err), Server: server, Op: op, Err: redactSecrets(err, secrets...)}
}

// smtpKind maps an SMTP client failure to a Kind: reply codes first
// (530/534/535/538 mean the login is missing or refused, 4xx try later,
// 5xx refused), then TLS, then network conditions.
func smtpKind(op string, err error) Kind {
	var known *Error
	if errors.As(err, &known) {
		return known.Kind
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return KindNetwork
	case errors.Is(err, context.Canceled):
		return KindOther
	case isTLSError(err):
		return KindTLS
	}
	var pe *textproto.Error
	if errors.As(err, &pe) {
		switch {
		case pe.Code == 530 || pe.Code == 534 || pe.Code == 535 || pe.Code == 538:
			return KindAuth
		case pe.Code >= 400 && pe.Code < 500:
			return KindTemp
		case pe.Code >= 500:
			return KindRejected
		}
	}
	return classify(err)
}

// redactSecrets returns err, or when its text contains one of the secrets
// an error with the same chain whose text shows "[redacted]" instead.
func redactSecrets(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	changed := false
	for _, s := range secrets {
		if s != "" && strings.Contains(msg, s) {
			msg = strings.ReplaceAll(msg, s, "[redacted]")
			changed = true
		}
	}
	if !changed {
		return err
	}
	return &redactedError{msg: msg, err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
