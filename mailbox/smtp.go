package mailbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	netmail "net/mail"
	"net/textproto"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	gomail "github.com/emersion/go-message/mail"
)

// Outgoing is one mail to send over SMTP.
type Outgoing struct {
	FromName string // display name of the sender (docs/REQUIREMENTS.md R24); may be empty
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
// The message is written straight into the DATA stream: attachments are
// read in small chunks while they are sent, so memory does not grow with
// their size.
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
		if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
			err = fmt.Errorf("%w (%v)", cerr, err)
		}
		return smtpError(server, op, err, auth)
	}
	if msg == nil {
		return "", fail("compose", errors.New("no message"))
	}
	c, err := composeSMTP(msg)
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
	if err := sess.c.Mail(c.from); err != nil {
		return "", fail("send", fmt.Errorf("MAIL FROM:<%s>: %w", c.from, err))
	}
	for _, rcpt := range c.rcpts {
		if err := sess.c.Rcpt(rcpt); err != nil {
			return "", fail("send", fmt.Errorf("RCPT TO:<%s>: %w", rcpt, err))
		}
	}
	data, err := sess.c.Data()
	if err != nil {
		return "", fail("send", fmt.Errorf("DATA: %w", err))
	}
	if err := c.write(&deadlineWriter{w: data, s: sess}, msg, atts); err != nil {
		var rerr *readError
		if errors.As(err, &rerr) {
			return "", fail("attachment", err)
		}
		return "", fail("send", fmt.Errorf("writing the message: %w", err))
	}
	sess.extend() // the answer to the end of DATA gets a full timeout
	if err := data.Close(); err != nil {
		return "", fail("send", fmt.Errorf("end of DATA: %w", err))
	}
	// The server has accepted the mail: a failing QUIT changes nothing.
	sess.quit()
	return c.id, nil
}

// smtpComposed is a checked Outgoing: envelope and header.
type smtpComposed struct {
	from   string   // envelope sender
	rcpts  []string // To, Cc and Bcc
	id     string   // Message-ID without brackets
	header gomail.Header
}

// composeSMTP checks o and builds the envelope and the message header.
func composeSMTP(o *Outgoing) (*smtpComposed, error) {
	from, err := netmail.ParseAddress(o.From)
	if err != nil {
		return nil, fmt.Errorf("sender %q: %w", o.From, err)
	}
	c := &smtpComposed{from: from.Address}
	c.header.SetAddressList("From", []*gomail.Address{{Name: o.FromName, Address: from.Address}})
	for _, f := range []struct {
		name  string
		addrs []string
	}{{"To", o.To}, {"Cc", o.Cc}, {"Bcc", o.Bcc}} {
		var list []*gomail.Address
		for _, a := range f.addrs {
			addr, err := netmail.ParseAddress(a)
			if err != nil {
				return nil, fmt.Errorf("%s address %q: %w", f.name, a, err)
			}
			list = append(list, &gomail.Address{Name: addr.Name, Address: addr.Address})
			c.rcpts = append(c.rcpts, addr.Address)
		}
		if len(list) > 0 && f.name != "Bcc" {
			c.header.SetAddressList(f.name, list)
		}
	}
	if len(c.rcpts) == 0 {
		return nil, errors.New("no recipient")
	}
	if strings.ContainsAny(o.Subject, "\r\n") {
		return nil, errors.New("subject contains a line break")
	}
	c.header.SetSubject(o.Subject)
	c.header.SetDate(time.Now())

	c.id = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(o.MessageID), "<"), ">")
	if c.id == "" {
		c.id = newMessageID(from.Address)
	} else if strings.ContainsAny(c.id, " \t\r\n<>") || !strings.Contains(c.id, "@") {
		return nil, fmt.Errorf("Message-ID %q is not of the form local@domain", o.MessageID)
	}
	c.header.SetMessageID(c.id)

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
			return nil, fmt.Errorf("header name %q is not valid", k)
		case smtpReservedHeaders[canon] || strings.HasPrefix(canon, "Content-"):
			return nil, fmt.Errorf("header %s cannot be set as an extra header", canon)
		case strings.ContainsAny(v, "\r\n"):
			return nil, fmt.Errorf("header %s: value contains a line break", canon)
		}
		c.header.Set(canon, mime.QEncoding.Encode("utf-8", v))
	}
	return c, nil
}

// write streams the message: the text (and HTML alternative) and then the
// attachments, each base64-encoded as it is read.
func (c *smtpComposed) write(w io.Writer, o *Outgoing, atts *smtpAttachments) error {
	bodies := messageBodies(o)
	if len(atts.readers) == 0 && len(bodies) == 1 {
		h := c.header.Copy()
		h.SetContentType(bodies[0].ctype, map[string]string{"charset": "utf-8"})
		return writeTextPart(func(gomail.InlineHeader) (io.WriteCloser, error) {
			return gomail.CreateSingleInlineWriter(w, h)
		}, bodies[0])
	}
	if len(atts.readers) == 0 {
		iw, err := gomail.CreateInlineWriter(w, c.header)
		if err != nil {
			return err
		}
		return writeAlternatives(iw, bodies)
	}

	mw, err := gomail.CreateWriter(w, c.header)
	if err != nil {
		return err
	}
	if len(bodies) == 1 {
		err = writeTextPart(mw.CreateSingleInline, bodies[0])
	} else {
		var iw *gomail.InlineWriter
		if iw, err = mw.CreateInline(); err == nil {
			err = writeAlternatives(iw, bodies)
		}
	}
	if err != nil {
		return err
	}
	for i, rc := range atts.readers {
		if err := writeAttachment(mw, atts.list[i], rc); err != nil {
			return err
		}
	}
	return mw.Close()
}

// textBody is one text part of a message: plain text or HTML.
type textBody struct{ ctype, text string }

// messageBodies returns the text parts of o: the plain text (also when
// there is no body at all), then the HTML.
func messageBodies(o *Outgoing) []textBody {
	var bodies []textBody
	if o.Text != "" || o.HTML == "" {
		bodies = append(bodies, textBody{"text/plain", o.Text})
	}
	if o.HTML != "" {
		bodies = append(bodies, textBody{"text/html", o.HTML})
	}
	return bodies
}

// writeTextPart writes b as a UTF-8 part made by create.
func writeTextPart(create func(gomail.InlineHeader) (io.WriteCloser, error), b textBody) error {
	var h gomail.InlineHeader
	h.SetContentType(b.ctype, map[string]string{"charset": "utf-8"})
	pw, err := create(h)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(pw, b.text); err != nil {
		return err
	}
	return pw.Close()
}

// writeAlternatives writes each body as a part of iw and closes it.
func writeAlternatives(iw *gomail.InlineWriter, bodies []textBody) error {
	for _, b := range bodies {
		if err := writeTextPart(iw.CreatePart, b); err != nil {
			return err
		}
	}
	return iw.Close()
}

// writeAttachment writes one attachment part, its type from the
// attachment or else its file name, naming the attachment when reading it
// fails.
func writeAttachment(mw *gomail.Writer, at Attachment, rc io.Reader) error {
	ctype := at.ContentType
	if ctype == "" {
		ctype = mime.TypeByExtension(filepath.Ext(at.Name))
	}
	mediaType, params, perr := mime.ParseMediaType(ctype)
	if perr != nil {
		mediaType, params = "application/octet-stream", map[string]string{}
	}
	params["name"] = at.Name
	var h gomail.AttachmentHeader
	h.SetContentType(mediaType, params)
	h.SetFilename(at.Name)
	aw, err := mw.CreateAttachment(h)
	if err != nil {
		return err
	}
	if _, err := io.Copy(aw, markReader{rc}); err != nil {
		var rerr *readError
		if errors.As(err, &rerr) {
			return &readError{fmt.Errorf("attachment %q: %w", at.Name, rerr.err)}
		}
		return err
	}
	return aw.Close()
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
func (e *readError) Unwrap() error { return e.err }

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
