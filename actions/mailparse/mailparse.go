// Package mailparse reads one RFC 5322 / MIME message into the fields an
// activity needs: addresses, subject, date, plain text and HTML bodies,
// Message-ID and attachments.
//
// The parser is lenient by design: mail from the wild carries mbox envelope
// lines, bare CR or LF line ends, unknown charsets and transfer encodings,
// unterminated multiparts and broken address headers. Such defects become
// entries in Mail.Problems and the parser keeps what it could read. Only input
// without any header block returns an error (wrapping ErrUnparseable).
//
// Parsing streams: attachment content is handed to Options.Attachment as a
// reader and never held whole in memory; text and HTML bodies are capped.
package mailparse

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"

	_ "github.com/emersion/go-message/charset" // registers every charset x/text knows
)

// ErrUnparseable is wrapped by the error Parse returns for input that has no
// header block at all (empty input, binary garbage). The caller quarantines
// such a message.
var ErrUnparseable = errors.New("unparseable mail")

// DefaultMaxBody is the default cap for Mail.Text and Mail.HTML, in bytes.
const DefaultMaxBody = 2 << 20

// maxDepth bounds multipart nesting; deeper parts are kept as attachments.
const maxDepth = 20

// Options tune Parse. The zero value is ready to use.
type Options struct {
	// Attachment receives each attachment's decoded content as a stream.
	// Before the call a carries Name, ContentType, ContentID, Inline and
	// Part; Size and SHA256 are filled in after the call returns (content
	// not read by the callback is drained so they always cover all of it).
	// A returned error aborts Parse with that error. When nil, content is
	// discarded after hashing.
	Attachment func(a *Attachment, content io.Reader) error

	// StoreAttachment, when set, is called instead of Attachment for a
	// callback that hashes anyway (a content-addressed blob store): it
	// reads content to its end and returns the hex SHA-256 and size of
	// what it read, which become a.SHA256 and a.Size without Parse hashing
	// the content a second time. Content left unread or a size other than
	// the bytes read is an error, as is any error it returns.
	StoreAttachment func(a *Attachment, content io.Reader) (sha string, size int64, err error)

	// MaxText and MaxHTML cap Mail.Text and Mail.HTML in bytes
	// (DefaultMaxBody when zero). Longer bodies are cut and a problem noted.
	MaxText int
	MaxHTML int

	// SkipContentHash leaves Mail.ContentHash empty, for a caller that
	// hashed the raw input already (Mail.Size is counted all the same).
	SkipContentHash bool
}

// Address is one mailbox: display name and lower-cased addr-spec.
type Address struct {
	Name string
	Addr string
}

// String formats the address as `"Name" <addr>` or just addr.
func (a Address) String() string {
	if a.Name == "" {
		return a.Addr
	}
	return fmt.Sprintf("%q <%s>", a.Name, a.Addr)
}

// Attachment describes one attachment (or inline non-text part).
type Attachment struct {
	Name        string // decoded file name; generated ("attachment-2.bin") when missing
	ContentType string // lower-case media type, e.g. "application/pdf"
	ContentID   string // without angle brackets
	Inline      bool   // Content-Disposition inline, or a Content-ID without disposition
	Part        string // MIME part number, e.g. "2" or "1.2"
	Size        int64  // decoded size in bytes
	SHA256      string // hex SHA-256 of the decoded content
}

// Mail is a parsed message.
type Mail struct {
	MessageID   string // without angle brackets; empty when missing
	From        Address
	Sender      Address
	ReplyTo     []Address
	To          []Address
	Cc          []Address
	Bcc         []Address
	DeliveredTo []string // Delivered-To and X-Original-To, lower-case, in header order
	Subject     string
	Date        time.Time // zero when missing or unparseable
	Text        string    // plain text body; derived from HTML when only HTML exists
	HTML        string    // HTML body as sent, decoded to UTF-8
	Attachments []*Attachment
	Problems    []string // non-fatal defects found while parsing

	Size        int64  // bytes read from the input
	ContentHash string // hex SHA-256 of the raw input

	header       header
	textFromHTML bool
}

// Header returns the first field with the given name (case-insensitive),
// unfolded, with encoded words decoded; "" when absent.
func (m *Mail) Header(name string) string {
	f := m.header.first(name)
	if f == nil {
		return ""
	}
	return decodeHeaderText(f.value, nil)
}

// HasHeader reports whether a field with the given name is present.
func (m *Mail) HasHeader(name string) bool { return m.header.first(name) != nil }

// HeaderNames lists the field names in order of appearance (with repeats).
func (m *Mail) HeaderNames() []string {
	names := make([]string, len(m.header))
	for i, f := range m.header {
		names[i] = f.name
	}
	return names
}

// TextFromHTML reports whether Text was derived from the HTML body.
func (m *Mail) TextFromHTML() bool { return m.textFromHTML }

// InReplyTo returns the message ids of the In-Reply-To field, without brackets.
func (m *Mail) InReplyTo() []string { return msgIDList(m.Header("In-Reply-To")) }

// References returns the message ids of the References field, without brackets.
func (m *Mail) References() []string { return msgIDList(m.Header("References")) }

func (m *Mail) problemf(format string, args ...any) {
	if len(m.Problems) >= maxProblems {
		return
	}
	s := sanitize(fmt.Sprintf(format, args...))
	for _, p := range m.Problems {
		if p == s {
			return
		}
	}
	m.Problems = append(m.Problems, s)
	if len(m.Problems) == maxProblems {
		m.Problems = append(m.Problems, "further problems not recorded")
	}
}

const maxProblems = 50

// Parse reads one message from r. It always reads r to its end, so
// Mail.Size and Mail.ContentHash (unless SkipContentHash) cover the whole
// input. Read errors of r and
// errors returned by Options.Attachment are returned as they are; input
// without a header block yields an error wrapping ErrUnparseable.
func Parse(r io.Reader, opts Options) (*Mail, error) {
	if opts.MaxText <= 0 {
		opts.MaxText = DefaultMaxBody
	}
	if opts.MaxHTML <= 0 {
		opts.MaxHTML = DefaultMaxBody
	}
	var hr *HashingReader
	if !opts.SkipContentHash {
		hr = NewHashingReader(r)
		r = hr
	}
	cr := &countingReader{r: r}
	m := &Mail{}
	p := &parser{m: m, opts: opts}

	br := getReader(&readers16K, cr)
	defer putReader(&readers16K, br)
	in, err := prepareInput(br, m)
	if err != nil {
		return nil, err
	}
	hdr, body, err := readHeader(in, m, true)
	if err != nil {
		return nil, err
	}
	if len(hdr) == 0 {
		if _, err := io.Copy(io.Discard, cr); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("%w: no header fields found", ErrUnparseable)
	}
	m.header = hdr
	p.fillHeaderFields()

	if err := p.walk(hdr, body, "", 0, nil); err != nil {
		return nil, err
	}
	// Drain anything left (epilogues, bytes after a broken structure).
	if _, err := io.Copy(io.Discard, cr); err != nil {
		return nil, err
	}
	p.finish()
	m.Size = cr.n
	if hr != nil {
		m.ContentHash = hr.Sum()
	}
	return m, nil
}

// prepareInput strips a UTF-8 BOM and a leading mbox "From " line and
// normalises bare CR line ends to LF when the message uses them.
func prepareInput(br *bufio.Reader, m *Mail) (*bufio.Reader, error) {
	peek, err := br.Peek(4096)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, err
	}
	if len(peek) == 0 {
		return nil, fmt.Errorf("%w: empty input", ErrUnparseable)
	}
	bareCR := usesBareCR(peek)
	if bytes.HasPrefix(peek, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
		m.problemf("byte order mark before the header (removed)")
	}
	in := br
	if bareCR {
		m.problemf("bare CR line ends (normalised)")
		in = bufio.NewReaderSize(&crReader{r: br}, 16<<10)
	}
	// mbox envelope line(s): "From sender date". Also tolerate ">From ".
	for {
		peek, _ := in.Peek(5)
		if string(peek) != "From " {
			break
		}
		if _, err := readLine(in); err != nil && err != io.EOF {
			return nil, err
		}
		m.problemf("mbox From line before the header (removed)")
	}
	return in, nil
}

// usesBareCR reports whether the first line end in b is a CR not followed by LF.
func usesBareCR(b []byte) bool {
	for i, c := range b {
		switch c {
		case '\n':
			return false
		case '\r':
			return i+1 < len(b) && b[i+1] != '\n'
		}
	}
	return false
}

// crReader turns every CR not followed by LF into LF.
type crReader struct {
	r      io.Reader
	lastCR bool
}

func (c *crReader) Read(p []byte) (int, error) {
	for {
		n, err := c.r.Read(p)
		out := p[:0]
		for _, b := range p[:n] {
			if b == '\n' && c.lastCR {
				c.lastCR = false
				continue // second half of CRLF
			}
			c.lastCR = b == '\r'
			if b == '\r' {
				b = '\n'
			}
			out = append(out, b)
		}
		if len(out) > 0 || err != nil || n == 0 {
			return len(out), err
		}
	}
}
