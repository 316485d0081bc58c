package mailbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	netmail "net/mail"
	"net/textproto"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	mail "github.com/wneessen/go-mail"
)

// Outgoing is one mail to send over SMTP.
type Outgoing struct {
	FromName string // display name of the sender (SPEC R24); may be empty
	From     string // sender address, also the envelope sender
	To       []string
	Cc       []string
	Bcc      []string // envelope only, never written into the header
	Subject  string
	Text     string // text/plain body
	HTML     string // text/html body; with Text both go out as multipart/alternative
	// Attachments are opened right before sending and streamed into the
	// connection; they are closed when Send returns.
	Attachments []Attachment
	// MessageID is used as the Message-ID (with or without angle brackets);
	// when empty one is generated. Send returns it.
	MessageID string
	// Headers are extra header fields such as Auto-Submitted, In-Reply-To
	// or References. Address, structure and identity fields (From, To,
	// Subject, Message-ID, Content-*...) are refused here.
	Headers map[string]string
}

// Attachment is one attached file.
type Attachment struct {
	Name        string // file name shown to the recipient
	ContentType string // empty: guessed from the name's extension
	Open        func() (io.ReadCloser, error)
}

// smtpReservedHeaders may not be set through Outgoing.Headers: they are
// written from the Outgoing fields or by the MIME writer.
var smtpReservedHeaders = map[string]bool{
	"From": true, "Sender": true, "To": true, "Cc": true, "Bcc": true,
	"Subject": true, "Message-Id": true, "Date": true, "Mime-Version": true,
	"Content-Type": true, "Content-Transfer-Encoding": true,
	"Content-Disposition": true,
}

// Send delivers msg over SMTP to the server ep and returns its Message-ID
// without angle brackets (the form go-message's Header.MessageID returns).
//
// The security mode decides the transport: none (plain text), starttls
// (STARTTLS is mandatory) or tls (implicit TLS, port 465 by default). When
// auth carries a token or token source, SASL XOAUTH2 is used (the token is
// fetched right before dialing); otherwise, when a user name is set, PLAIN
// or LOGIN. Credentials are never sent unencrypted to a host other than the
// loopback.
//
// Failures are *Error values: KindTemp for 4xx answers (retry later),
// KindAuth for a refused login, KindRejected for other 5xx answers,
// KindNetwork and KindTLS for transport problems.
func Send(ctx context.Context, ep Endpoint, auth Auth, msg *Outgoing) (messageID string, err error) {
	host, port, err := ep.HostPort(false)
	if err != nil {
		return "", &Error{Kind: KindOther, Server: ep.Addr, Op: "send", Err: err}
	}
	server := net.JoinHostPort(host, strconv.Itoa(port))
	fail := func(op string, err error) error {
		return smtpError(server, op, err, auth)
	}
	if msg == nil {
		return "", fail("compose", errors.New("no message"))
	}
	m, id, err := composeSMTP(msg)
	if err != nil {
		return "", fail("compose", err)
	}

	atts, err := openAttachments(msg.Attachments)
	defer atts.close()
	if err != nil {
		return "", fail("attachment", err)
	}

	sess, err := smtpConnect(ctx, ep, host, port, auth, nil)
	if err != nil {
		return "", err
	}
	defer sess.abort()
	m.SetAttachments(atts.files(sess))

	mc, err := mail.NewClient(host, mail.WithTimeout(ep.timeout()), mail.WithoutNoop())
	if err != nil {
		return "", fail("send", err)
	}
	if err := mc.SendWithSMTPClient(sess.c, m); err != nil {
		if aerr := atts.failure(); aerr != nil {
			return "", fail("attachment", aerr)
		}
		if cerr := ctx.Err(); cerr != nil {
			return "", fail("send", cerr)
		}
		return "", fail("send", err)
	}
	// The server has accepted the mail: a failing QUIT changes nothing.
	sess.quit()
	return id, nil
}

// composeSMTP builds the go-mail message (without attachments) and
// returns it with its Message-ID.
func composeSMTP(o *Outgoing) (*mail.Msg, string, error) {
	m := mail.NewMsg()
	from, err := netmail.ParseAddress(o.From)
	if err != nil {
		return nil, "", fmt.Errorf("sender %q: %w", o.From, err)
	}
	from.Name = o.FromName
	m.FromMailAddress(from)
	if len(o.To)+len(o.Cc)+len(o.Bcc) == 0 {
		return nil, "", errors.New("no recipient")
	}
	for _, f := range []struct {
		name  string
		addrs []string
		set   func(...string) error
	}{{"To", o.To, m.To}, {"Cc", o.Cc, m.Cc}, {"Bcc", o.Bcc, m.Bcc}} {
		if len(f.addrs) == 0 {
			continue
		}
		if err := f.set(f.addrs...); err != nil {
			return nil, "", fmt.Errorf("%s %q: %w", f.name, f.addrs, err)
		}
	}
	if strings.ContainsAny(o.Subject, "\r\n") {
		return nil, "", errors.New("subject contains a line break")
	}
	m.Subject(o.Subject)
	switch {
	case o.HTML == "":
		m.SetBodyString(mail.TypeTextPlain, o.Text)
	case o.Text == "":
		m.SetBodyString(mail.TypeTextHTML, o.HTML)
	default:
		m.SetBodyString(mail.TypeTextPlain, o.Text)
		m.AddAlternativeString(mail.TypeTextHTML, o.HTML)
	}
	m.SetDate()

	id := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(o.MessageID), "<"), ">")
	if id == "" {
		id = newMessageID(from.Address)
	} else if strings.ContainsAny(id, " \t\r\n<>") || !strings.Contains(id, "@") {
		return nil, "", fmt.Errorf("Message-ID %q is not of the form local@domain", o.MessageID)
	}
	m.SetMessageIDWithValue(id)

	names := make([]string, 0, len(o.Headers))
	for k := range o.Headers {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v := o.Headers[k]
		canon := textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(k))
		switch {
		case canon == "" || strings.ContainsAny(canon, " \t:\r\n"):
			return nil, "", fmt.Errorf("header name %q is not valid", k)
		case smtpReservedHeaders[canon] || strings.HasPrefix(canon, "Content-"):
			return nil, "", fmt.Errorf("header %s cannot be set as an extra header", canon)
		case strings.ContainsAny(v, "\r\n"):
			return nil, "", fmt.Errorf("header %s: value contains a line break", canon)
		}
		m.SetGenHeader(mail.Header(canon), v)
	}
	return m, id, nil
}

// newMessageID returns local@domain with 128 random bits and the domain of
// the sender address.
func newMessageID(from string) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	domain := "wfe.localdomain"
	if i := strings.LastIndexByte(from, '@'); i >= 0 && i < len(from)-1 {
		domain = from[i+1:]
	}
	return hex.EncodeToString(b[:]) + "@" + domain
}

// smtpAttachments are the opened attachments of one Send.
type smtpAttachments struct {
	list    []Attachment
	readers []io.ReadCloser
	mu      sync.Mutex
	err     error // first read failure while streaming
}

// openAttachments opens every attachment before the connection is made, so
// that a missing file fails fast and never leaves a half-sent DATA.
func openAttachments(list []Attachment) (*smtpAttachments, error) {
	a := &smtpAttachments{list: list}
	for i, at := range list {
		if at.Name == "" {
			return a, fmt.Errorf("attachment %d has no name", i+1)
		}
		if at.Open == nil {
			return a, fmt.Errorf("attachment %q has nothing to open", at.Name)
		}
		rc, err := at.Open()
		if err != nil {
			return a, fmt.Errorf("attachment %q: %w", at.Name, err)
		}
		a.readers = append(a.readers, rc)
	}
	return a, nil
}

func (a *smtpAttachments) close() {
	for _, rc := range a.readers {
		_ = rc.Close()
	}
}

func (a *smtpAttachments) failure() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err
}

// files turns the opened readers into go-mail files that stream their
// content and keep the connection's deadline moving while they do.
func (a *smtpAttachments) files(s *smtpSession) []*mail.File {
	files := make([]*mail.File, len(a.readers))
	for i, rc := range a.readers {
		at := a.list[i]
		files[i] = &mail.File{
			Name:        at.Name,
			ContentType: mail.ContentType(at.ContentType),
			Header:      textproto.MIMEHeader{},
			Writer: func(w io.Writer) (int64, error) {
				n, err := io.Copy(&deadlineWriter{w: w, s: s}, markReader{rc})
				s.extend() // the server's answer to the end of DATA gets a full timeout
				var rerr *readError
				if errors.As(err, &rerr) {
					a.mu.Lock()
					if a.err == nil {
						a.err = fmt.Errorf("attachment %q: %w", at.Name, rerr.err)
					}
					a.mu.Unlock()
				}
				return n, err
			},
		}
	}
	return files
}

// markReader marks read errors so that they can be told apart from write
// errors of the connection.
type markReader struct{ r io.Reader }

func (m markReader) Read(p []byte) (int, error) {
	n, err := m.r.Read(p)
	if err != nil && err != io.EOF {
		return n, &readError{err}
	}
	return n, err
}

type readError struct{ err error }

func (e *readError) Error() string { return e.err.Error() }

// deadlineWriter moves the connection deadline forward while data flows,
// so a large attachment is bounded by the idle timeout, not a total one.
type deadlineWriter struct {
	w    io.Writer
	s    *smtpSession
	last time.Time
}

func (d *deadlineWriter) Write(p []byte) (int, error) {
	if now := time.Now(); now.Sub(d.last) > time.Second {
		d.last = now
		d.s.extend()
	}
	return d.w.Write(p)
}
