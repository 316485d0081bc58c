package mailtest

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// SMTPOptions configure StartSMTP.
type SMTPOptions struct {
	// Security is "none" (default), "starttls" (STARTTLS offered) or "tls"
	// (implicit TLS on the listening port), as mailbox.Security spells it.
	Security string
	// CA signs the server certificate; nil creates one when TLS is used.
	CA *CA
	// Users are the accounts for AUTH PLAIN and LOGIN (name → password).
	Users map[string]string
	// XOAUTH2, when set, offers AUTH XOAUTH2 and decides whether the
	// bearer token is good for the user (see OAuthProvider.ValidAccessToken).
	XOAUTH2 func(user, token string) bool
	// FailRcpt and FailData, when not 0, are the reply codes every RCPT TO
	// or every DATA gets (451 for a temporary, 550 for a permanent failure).
	FailRcpt, FailData int
	// DiscardData keeps the envelope of received mails but not their data
	// (for benchmarks).
	DiscardData bool
}

// Received is one mail the server accepted.
type Received struct {
	From string   // envelope sender
	To   []string // envelope recipients
	Data []byte   // the message as transmitted
	User string   // the authenticated user, "" without AUTH
	TLS  bool     // the session was encrypted
}

// SMTPServer is an in-process SMTP server on 127.0.0.1 (go-smtp). When
// Users or XOAUTH2 are set, MAIL FROM needs a successful AUTH first.
type SMTPServer struct {
	Addr     string // 127.0.0.1:port
	Host     string // 127.0.0.1
	Port     int
	Security string
	CA       *CA // nil without TLS
	CAFile   string

	opts SMTPOptions
	srv  *smtp.Server

	mu       sync.Mutex
	received []Received
	failRcpt int
	failData int
	logins   int // successful AUTH exchanges
}

// StartSMTP starts a server closed at the end of the test.
func StartSMTP(t testing.TB, opts SMTPOptions) *SMTPServer {
	t.Helper()
	if opts.Security == "" {
		opts.Security = "none"
	}
	s := &SMTPServer{opts: opts, Security: opts.Security, failRcpt: opts.FailRcpt, failData: opts.FailData}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtp test server: %v", err)
	}
	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true // clients decide what they send in clear
	srv.ErrorLog = log.New(io.Discard, "", 0)
	switch opts.Security {
	case "none":
	case "starttls", "tls":
		if opts.CA == nil {
			opts.CA = NewTestCA(t)
		}
		s.CA, s.CAFile = opts.CA, opts.CA.CAFile
		if opts.Security == "starttls" {
			srv.TLSConfig = opts.CA.ServerTLSConfig()
		} else {
			ln = tls.NewListener(ln, opts.CA.ServerTLSConfig())
		}
	default:
		_ = ln.Close()
		t.Fatalf("smtp test server: unknown security %q", opts.Security)
	}
	s.srv = srv
	s.Addr = ln.Addr().String()
	host, port, _ := net.SplitHostPort(s.Addr)
	s.Host = host
	s.Port, _ = strconv.Atoi(port)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

// Messages returns the mails received so far.
func (s *SMTPServer) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.received...)
}

// SetFailures changes the forced reply codes for RCPT TO and DATA (0: none).
func (s *SMTPServer) SetFailures(rcpt, data int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failRcpt, s.failData = rcpt, data
}

// Logins is the number of successful AUTH exchanges.
func (s *SMTPServer) Logins() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logins
}

func (s *SMTPServer) authRequired() bool { return len(s.opts.Users) > 0 || s.opts.XOAUTH2 != nil }

func (s *SMTPServer) newSession(c *smtp.Conn) (smtp.Session, error) {
	return &smtpSession{srv: s, conn: c}, nil
}

// smtpSession is one client connection.
type smtpSession struct {
	srv  *SMTPServer
	conn *smtp.Conn
	user string
	from string
	to   []string
}

var _ smtp.AuthSession = (*smtpSession)(nil)

func (ss *smtpSession) AuthMechanisms() []string {
	var mechs []string
	if len(ss.srv.opts.Users) > 0 {
		mechs = append(mechs, sasl.Plain, sasl.Login)
	}
	if ss.srv.opts.XOAUTH2 != nil {
		mechs = append(mechs, "XOAUTH2")
	}
	return mechs
}

func (ss *smtpSession) Auth(mech string) (sasl.Server, error) {
	check := func(user, pass string) error {
		if want, ok := ss.srv.opts.Users[user]; !ok || want != pass {
			return smtp.ErrAuthFailed
		}
		ss.loggedIn(user)
		return nil
	}
	switch {
	case mech == sasl.Plain && len(ss.srv.opts.Users) > 0:
		return sasl.NewPlainServer(func(_, user, pass string) error { return check(user, pass) }), nil
	case mech == sasl.Login && len(ss.srv.opts.Users) > 0:
		return &loginServer{check: check}, nil
	case mech == "XOAUTH2" && ss.srv.opts.XOAUTH2 != nil:
		return &smtpXOAUTH2{check: func(user, token string) error {
			if !ss.srv.opts.XOAUTH2(user, token) {
				return smtp.ErrAuthFailed
			}
			ss.loggedIn(user)
			return nil
		}}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (ss *smtpSession) loggedIn(user string) {
	ss.user = user
	ss.srv.mu.Lock()
	ss.srv.logins++
	ss.srv.mu.Unlock()
}

func (ss *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if ss.srv.authRequired() && ss.user == "" {
		return errAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.srv.mu.Lock()
	code := ss.srv.failRcpt
	ss.srv.mu.Unlock()
	if code != 0 {
		return forcedFailure(code, "recipient "+to)
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *smtpSession) Data(r io.Reader) error {
	var buf bytes.Buffer
	dst := io.Writer(&buf)
	if ss.srv.opts.DiscardData {
		dst = io.Discard
	}
	if _, err := io.Copy(dst, r); err != nil {
		return err
	}
	ss.srv.mu.Lock()
	defer ss.srv.mu.Unlock()
	if code := ss.srv.failData; code != 0 {
		return forcedFailure(code, "message")
	}
	_, isTLS := ss.conn.TLSConnectionState()
	ss.srv.received = append(ss.srv.received, Received{
		From: ss.from, To: append([]string(nil), ss.to...), Data: buf.Bytes(), User: ss.user, TLS: isTLS,
	})
	return nil
}

func (ss *smtpSession) Reset() { ss.from, ss.to = "", nil }

func (ss *smtpSession) Logout() error { return nil }

// errAuthRequired is what submission servers answer to MAIL FROM before AUTH.
var errAuthRequired = &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}

// forcedFailure is the reply for SMTPOptions.FailRcpt/FailData.
func forcedFailure(code int, what string) error {
	class := code / 100
	return &smtp.SMTPError{
		Code:         code,
		EnhancedCode: smtp.EnhancedCode{class, 0, 0},
		Message:      fmt.Sprintf("%s refused by test server (forced %d)", what, code),
	}
}

// loginServer is the server side of AUTH LOGIN (go-sasl has only the client).
type loginServer struct {
	step  int
	user  string
	check func(user, pass string) error
}

func (l *loginServer) Next(resp []byte) ([]byte, bool, error) {
	switch l.step {
	case 0:
		if len(resp) == 0 {
			l.step = 1
			return []byte("Username:"), false, nil
		}
		l.user, l.step = string(resp), 2
		return []byte("Password:"), false, nil
	case 1:
		l.user, l.step = string(resp), 2
		return []byte("Password:"), false, nil
	}
	return nil, true, l.check(l.user, string(resp))
}

// smtpXOAUTH2 is the server side of AUTH XOAUTH2 for SMTP.
type smtpXOAUTH2 struct {
	check func(user, token string) error
}

func (x *smtpXOAUTH2) Next(resp []byte) ([]byte, bool, error) {
	if len(resp) == 0 {
		return []byte{}, false, nil // ask for the initial response
	}
	user, token := parseXOAUTH2(resp)
	if user == "" || token == "" {
		return nil, true, &smtp.SMTPError{Code: 501, EnhancedCode: smtp.EnhancedCode{5, 5, 2}, Message: "malformed XOAUTH2 response"}
	}
	return nil, true, x.check(user, token)
}

// parseXOAUTH2 splits a SASL XOAUTH2 client response,
// "user=" U ^A "auth=Bearer " T ^A ^A, into user and token.
func parseXOAUTH2(resp []byte) (user, token string) {
	for _, f := range strings.Split(string(resp), "\x01") {
		switch {
		case strings.HasPrefix(f, "user="):
			user = strings.TrimPrefix(f, "user=")
		case strings.HasPrefix(f, "auth="):
			auth := strings.TrimPrefix(f, "auth=")
			if len(auth) > 7 && strings.EqualFold(auth[:7], "Bearer ") {
				token = auth[7:]
			}
		}
	}
	return user, token
}
