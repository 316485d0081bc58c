// Package sendmailtest has test servers for the sending of mail: an SMTP
// server that refuses the first messages it is given, then accepts, to
// show that the outbox retries.
package sendmailtest

import (
	"bytes"
	"io"
	"log"
	"net"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"
)

// FlakySMTP is an in-process SMTP server (go-smtp) on 127.0.0.1 without
// TLS or AUTH. It answers DATA of the first FailFirst messages with Code
// (451: try again later, 550: refused for good), then accepts every
// message.
type FlakySMTP struct {
	Addr string // 127.0.0.1:port
	// OnData, when set, is called as each message arrives, before the
	// server answers it (to act while a client waits for the answer).
	OnData func()

	mu       sync.Mutex
	failLeft int
	code     int
	attempts int
	received []Received
}

// Received is one message the server accepted.
type Received struct {
	From string
	To   []string
	Data []byte
}

// StartFlakySMTP starts a server closed at the end of the test.
func StartFlakySMTP(t testing.TB, failFirst, code int) *FlakySMTP {
	t.Helper()
	s := &FlakySMTP{failLeft: failFirst, code: code}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("flaky smtp server: %v", err)
	}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{srv: s}, nil }))
	srv.Domain = "localhost"
	srv.ErrorLog = log.New(io.Discard, "", 0)
	s.Addr = ln.Addr().String()
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

// Attempts is how many messages clients tried to deliver (DATA commands).
func (s *FlakySMTP) Attempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts
}

// Received returns the messages accepted so far.
func (s *FlakySMTP) Received() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.received...)
}

// FailNext makes the server refuse the next n messages with code.
func (s *FlakySMTP) FailNext(n, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failLeft, s.code = n, code
}

type session struct {
	srv  *FlakySMTP
	from string
	to   []string
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error { ss.from = from; return nil }

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, r); err != nil {
		return err
	}
	s := ss.srv
	if s.OnData != nil {
		s.OnData()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.attempts++
	if s.failLeft > 0 {
		s.failLeft--
		return &smtp.SMTPError{Code: s.code, EnhancedCode: smtp.EnhancedCode{s.code / 100, 0, 0}, Message: "refused by the test server"}
	}
	s.received = append(s.received, Received{From: ss.from, To: append([]string(nil), ss.to...), Data: buf.Bytes()})
	return nil
}

func (ss *session) Reset() { ss.from, ss.to = "", nil }

func (ss *session) Logout() error { return nil }
