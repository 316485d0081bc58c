package mailbox

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-message/charset"
)

// IMAP is a logged-in IMAP connection. It is not safe for concurrent use:
// one goroutine issues one command at a time. Every method takes a context;
// when it ends, or when the server does not answer within the endpoint's
// timeout, the connection is closed and the method returns a KindNetwork
// error. Folder names are plain Unicode strings (modified UTF-7 is handled on
// the wire).
type IMAP struct {
	c       *imapclient.Client
	conn    net.Conn
	server  string // host:port
	user    string
	timeout time.Duration
	noMove  bool
	delim   string // hierarchy delimiter, "" until asked
	// updates is signalled when the server reports new messages
	// (WithUpdates; nil otherwise)
	updates chan struct{}

	mu       sync.Mutex
	abortErr error
}

// Folder is one mailbox of an account as LIST shows it.
type Folder struct {
	Name  string   // Unicode name, e.g. "CRM/Aktivitäten"
	Delim string   // hierarchy delimiter ("/" or "."), "" for a flat namespace
	Attrs []string // e.g. \HasNoChildren, \Noselect, \Sent
}

// MailboxStatus is the size of a folder.
type MailboxStatus struct {
	Messages    uint32
	Unseen      uint32
	UIDValidity uint32
	UIDNext     uint32
}

// Message is one fetched message. Body streams the raw RFC 5322 message and
// is valid only during the callback it is handed to.
type Message struct {
	UID          uint32
	Size         int64
	InternalDate time.Time
	Flags        []string
	Body         io.Reader
}

// IMAPOption changes how DialIMAP's connection behaves.
type IMAPOption func(*IMAP)

// WithoutMove makes Move use UID COPY + UID STORE \Deleted + UID EXPUNGE even
// when the server supports MOVE.
func WithoutMove() IMAPOption { return func(m *IMAP) { m.noMove = true } }

// wordDecoder decodes RFC 2047 words in any charset go-message knows.
var wordDecoder = &mime.WordDecoder{CharsetReader: charset.Reader}

// DialIMAP connects to the IMAP server of ep and logs in. With auth.Token or
// auth.TokenSource it uses SASL XOAUTH2, else LOGIN with user name and
// password. Failures are *Error: KindAuth (errors.Is(err, ErrAuth)) for
// rejected credentials, KindTLS for handshake and certificate problems,
// KindNetwork for refused, reset, DNS and timeouts.
func DialIMAP(ctx context.Context, ep Endpoint, auth Auth, opts ...IMAPOption) (*IMAP, error) {
	host, port, err := ep.HostPort(true)
	if err != nil {
		return nil, &Error{Kind: KindOther, Server: ep.Addr, Op: "connect", Err: err}
	}
	m := &IMAP{
		server:  net.JoinHostPort(host, strconv.Itoa(port)),
		user:    auth.Username,
		timeout: ep.timeout(),
	}
	for _, o := range opts {
		o(m)
	}
	tlsCfg, err := m.tlsConfig(ep, host)
	if err != nil {
		return nil, err
	}
	conn, err := m.dial(ctx, ep, tlsCfg)
	if err != nil {
		return nil, err
	}
	m.conn = conn
	if err := m.start(ctx, ep, tlsCfg, auth); err != nil {
		return nil, err
	}
	return m, nil
}

// tlsConfig checks the security mode of ep and returns its TLS
// configuration (nil for security none).
func (m *IMAP) tlsConfig(ep Endpoint, host string) (*tls.Config, error) {
	switch ep.Security {
	case SecurityNone, "":
		return nil, nil
	case SecuritySTARTTLS, SecurityTLS:
		tlsCfg, err := TLSConfig(ep, host)
		if err != nil {
			return nil, &Error{Kind: KindTLS, Server: m.server, Op: "connect", Err: err}
		}
		return tlsCfg, nil
	default:
		return nil, &Error{Kind: KindOther, Server: m.server, Op: "connect",
			Err: fmt.Errorf("unknown security %q", ep.Security)}
	}
}

// dial connects to the server within the timeout, with the TLS handshake
// when the security mode is tls.
func (m *IMAP) dial(ctx context.Context, ep Endpoint, tlsCfg *tls.Config) (net.Conn, error) {
	dctx, cancel := context.WithTimeout(ctx, m.timeout)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(dctx, "tcp", m.server)
	if err != nil {
		return nil, m.wrap("connect", err)
	}
	if ep.Security == SecurityTLS {
		cfg := tlsCfg.Clone()
		cfg.NextProtos = []string{"imap"}
		tconn := tls.Client(conn, cfg)
		if err := tconn.HandshakeContext(dctx); err != nil {
			conn.Close()
			return nil, m.wrap("connect", err)
		}
		conn = tconn
	}
	return conn, nil
}

// start starts the IMAP client on m.conn (upgrading with STARTTLS when
// the security mode asks for it), waits for the greeting and logs in. On
// failure the connection is closed.
func (m *IMAP) start(ctx context.Context, ep Endpoint, tlsCfg *tls.Config, auth Auth) error {
	conn := m.conn
	w, err := m.begin(ctx)
	if err != nil {
		conn.Close()
		return m.wrap("connect", err)
	}
	defer w.end()
	options := &imapclient.Options{TLSConfig: tlsCfg, WordDecoder: wordDecoder, UnilateralDataHandler: m.unilateral()}
	if ep.Security == SecuritySTARTTLS {
		m.c, err = imapclient.NewStartTLS(conn, options)
		if err != nil {
			conn.Close()
			return m.wrap("starttls", err)
		}
	} else {
		m.c = imapclient.New(conn, options)
	}
	if err := m.c.WaitGreeting(); err != nil {
		m.Close()
		return m.wrap("connect", err)
	}
	if err := m.login(auth); err != nil {
		// A failed AUTHENTICATE can leave the exchange half open: hang up.
		m.Close()
		return err
	}
	return nil
}

func (m *IMAP) login(auth Auth) error {
	who := fmt.Sprintf("user %q", auth.Username)
	var err error
	if auth.TokenSource != nil || auth.Token != "" {
		token := auth.Token
		if auth.TokenSource != nil {
			if token, err = auth.TokenSource.AccessToken(); err != nil {
				kind := KindOf(err)
				if kind == KindOther {
					kind = KindAuth
				}
				return &Error{Kind: kind, Server: m.server, Op: "login",
					Err: fmt.Errorf("%s: access token: %w", who, err)}
			}
		}
		who += " (XOAUTH2)"
		err = m.c.Authenticate(&xoauth2Client{user: auth.Username, token: token})
	} else {
		err = m.c.Login(auth.Username, auth.Password).Wait()
	}
	if err == nil {
		return nil
	}
	e := m.wrap("login", fmt.Errorf("%s: %w", who, err)).(*Error)
	var ie *imap.Error
	if errors.As(err, &ie) && e.Kind != KindTemp {
		e.Kind = KindAuth
	}
	return e
}

// watch aborts the connection when the context ends or the server stays
// silent for longer than the timeout.
type watch struct {
	timer *time.Timer
	stop  func() bool
	d     time.Duration
}

func (m *IMAP) begin(ctx context.Context) (*watch, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := m.aborted(); err != nil {
		return nil, fmt.Errorf("connection closed earlier: %w", err)
	}
	d := m.timeout
	w := &watch{d: d}
	w.timer = time.AfterFunc(d, func() {
		m.abort(fmt.Errorf("no answer within %v: %w", d, os.ErrDeadlineExceeded))
	})
	w.stop = context.AfterFunc(ctx, func() { m.abort(context.Cause(ctx)) })
	return w, nil
}

// alive restarts the silence timer (progress was made).
func (w *watch) alive() { w.timer.Reset(w.d) }

// during runs the caller's callback: the silence timer does not run while
// it works (it may take long, e.g. writing to a database), only the context
// still aborts.
func (w *watch) during(f func() error) error {
	w.timer.Stop()
	defer w.alive()
	return f()
}

func (w *watch) end() {
	w.timer.Stop()
	w.stop()
}

func (m *IMAP) abort(reason error) {
	m.mu.Lock()
	if m.abortErr == nil {
		m.abortErr = reason
	}
	m.mu.Unlock()
	if m.conn != nil {
		m.conn.Close()
	}
}

func (m *IMAP) aborted() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.abortErr
}

// do runs f under the watch of ctx and the timeout and classifies its error.
func (m *IMAP) do(ctx context.Context, op string, f func(w *watch) error) error {
	w, err := m.begin(ctx)
	if err != nil {
		return m.wrap(op, err)
	}
	defer w.end()
	if err := f(w); err != nil {
		return m.wrap(op, err)
	}
	return nil
}

// wrap classifies err as an *Error of operation op.
func (m *IMAP) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	if reason := m.aborted(); reason != nil && !errors.Is(err, reason) {
		err = fmt.Errorf("%w (%v)", reason, err)
	}
	if ce := certError(err); ce != nil {
		err = ce
	}
	kind := classify(err)
	if kind == KindOther && m.c != nil && isClosed(m.c) {
		kind = KindNetwork
	}
	return &Error{Kind: kind, Server: m.server, Op: op, Err: err}
}

func isClosed(c *imapclient.Client) bool {
	select {
	case <-c.Closed():
		return true
	default:
		return false
	}
}

func classify(err error) Kind {
	if isTLSError(err) {
		return KindTLS
	}
	var ie *imap.Error
	if errors.As(err, &ie) {
		switch ie.Code {
		case imap.ResponseCodeUnavailable, imap.ResponseCodeInUse, imap.ResponseCodeServerBug,
			imap.ResponseCodeLimit:
			return KindTemp
		case imap.ResponseCodeAuthenticationFailed, imap.ResponseCodeAuthorizationFailed,
			imap.ResponseCodeExpired, imap.ResponseCodePrivacyRequired:
			return KindAuth
		}
		if ie.Type == imap.StatusResponseTypeBye {
			return KindTemp
		}
		return KindRejected
	}
	if errors.Is(err, context.Canceled) {
		return KindOther
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, context.DeadlineExceeded) {
		return KindNetwork
	}
	return KindOther
}

// hasCode reports whether err is an IMAP status response with code.
func hasCode(err error, code imap.ResponseCode) bool {
	var ie *imap.Error
	return errors.As(err, &ie) && ie.Code == code
}

// Server returns host:port of the connection.
func (m *IMAP) Server() string { return m.server }

// Capabilities returns the server's capabilities, sorted.
func (m *IMAP) Capabilities() []string {
	var caps []string
	for c := range m.c.Caps() {
		caps = append(caps, string(c))
	}
	sort.Strings(caps)
	return caps
}

func (m *IMAP) canMove() bool {
	caps := m.c.Caps()
	return !m.noMove && (caps.Has(imap.CapMove) || caps.Has(imap.CapIMAP4rev2))
}

// ListFolders lists every folder of the account.
func (m *IMAP) ListFolders(ctx context.Context) ([]Folder, error) {
	var out []Folder
	err := m.do(ctx, "list folders", func(*watch) error {
		list, err := m.c.List("", "*", nil).Collect()
		if err != nil {
			return err
		}
		for _, d := range list {
			f := Folder{Name: d.Mailbox}
			if d.Delim != 0 {
				f.Delim = string(d.Delim)
			}
			for _, a := range d.Attrs {
				f.Attrs = append(f.Attrs, string(a))
			}
			out = append(out, f)
		}
		return nil
	})
	return out, err
}

// Status returns the counters of folder without selecting it.
func (m *IMAP) Status(ctx context.Context, folder string) (MailboxStatus, error) {
	var st MailboxStatus
	err := m.do(ctx, "status "+strconv.Quote(folder), func(*watch) error {
		var err error
		st, err = m.status(folder)
		return err
	})
	return st, err
}

func (m *IMAP) status(folder string) (MailboxStatus, error) {
	d, err := m.c.Status(folder, &imap.StatusOptions{
		NumMessages: true, NumUnseen: true, UIDValidity: true, UIDNext: true,
	}).Wait()
	if err != nil {
		return MailboxStatus{}, err
	}
	st := MailboxStatus{UIDValidity: d.UIDValidity, UIDNext: uint32(d.UIDNext)}
	if d.NumMessages != nil {
		st.Messages = *d.NumMessages
	}
	if d.NumUnseen != nil {
		st.Unseen = *d.NumUnseen
	}
	return st, nil
}

// Select opens folder read-write for SearchUnseen, FetchStream, Move and
// SetFlags and returns its counters.
func (m *IMAP) Select(ctx context.Context, folder string) (MailboxStatus, error) {
	var st MailboxStatus
	err := m.do(ctx, "select "+strconv.Quote(folder), func(*watch) error {
		var err error
		if st, err = m.status(folder); err != nil {
			return err
		}
		d, err := m.c.Select(folder, nil).Wait()
		if err != nil {
			return err
		}
		st.Messages, st.UIDValidity, st.UIDNext = d.NumMessages, d.UIDValidity, uint32(d.UIDNext)
		return nil
	})
	return st, err
}

// SearchUnseen returns the UIDs of the unseen messages of the selected
// folder, ascending; with a non-zero since only those that arrived on or
// after since's date.
func (m *IMAP) SearchUnseen(ctx context.Context, since time.Time) ([]uint32, error) {
	var uids []uint32
	err := m.do(ctx, "search", func(*watch) error {
		crit := &imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen, imap.FlagDeleted}, Since: since}
		d, err := m.c.UIDSearch(crit, nil).Wait()
		if err != nil {
			return err
		}
		for _, u := range d.AllUIDs() {
			uids = append(uids, uint32(u))
		}
		return nil
	})
	sort.Slice(uids, func(i, j int) bool { return uids[i] < uids[j] })
	return uids, err
}

func uidSet(uids []uint32) imap.UIDSet {
	var s imap.UIDSet
	for _, u := range uids {
		s.AddNum(imap.UID(u))
	}
	return s
}

// FetchStream fetches the full raw messages of uids in the selected folder
// with BODY.PEEK[] (the \Seen flag is not set) and calls fn for each in
// server order. Message.Body streams from the connection: nothing is held in
// memory beyond the reader's buffer. When fn returns an error the remaining
// responses are read and discarded and that error is returned.
func (m *IMAP) FetchStream(ctx context.Context, uids []uint32, fn func(*Message) error) error {
	if len(uids) == 0 {
		return nil
	}
	var fnErr error
	err := m.do(ctx, "fetch", func(w *watch) error {
		cmd := m.c.Fetch(uidSet(uids), &imap.FetchOptions{
			UID: true, Flags: true, InternalDate: true, RFC822Size: true,
			BodySection: []*imap.FetchItemBodySection{{Peek: true}},
		})
		for {
			md := cmd.Next()
			if md == nil {
				break
			}
			w.alive()
			if fnErr != nil {
				continue // Next discards the rest of this message
			}
			fnErr = deliver(md, w, fn)
		}
		return cmd.Close()
	})
	if fnErr != nil {
		return fnErr
	}
	return err
}

// deliver reads one FETCH response and hands the message to fn. Servers send
// UID and the other items before the body in practice; a body that comes
// first is read into memory so fn still sees the UID.
func deliver(md *imapclient.FetchMessageData, w *watch, fn func(*Message) error) error {
	msg := &Message{}
	var body io.Reader
	var buffered bool
	var haveUID bool
	for {
		item := md.Next()
		if item == nil {
			break
		}
		switch it := item.(type) {
		case imapclient.FetchItemDataUID:
			msg.UID, haveUID = uint32(it.UID), true
		case imapclient.FetchItemDataFlags:
			for _, f := range it.Flags {
				msg.Flags = append(msg.Flags, string(f))
			}
		case imapclient.FetchItemDataInternalDate:
			msg.InternalDate = it.Time
		case imapclient.FetchItemDataRFC822Size:
			msg.Size = it.Size
		case imapclient.FetchItemDataBodySection:
			if it.Literal == nil {
				body = bytes.NewReader(nil)
				continue
			}
			if !haveUID {
				b, err := io.ReadAll(it.Literal)
				if err != nil {
					return err
				}
				body, buffered = bytes.NewReader(b), true
				continue
			}
			if msg.Size == 0 {
				msg.Size = it.Literal.Size()
			}
			msg.Body = it.Literal
			if err := w.during(func() error { return fn(msg) }); err != nil {
				return err
			}
			msg.Body = nil
			body = nil
		}
	}
	if buffered && body != nil {
		msg.Body = body
		return w.during(func() error { return fn(msg) })
	}
	return nil
}

// FetchHeaders fetches only the header block of each message of uids
// (BODY.PEEK[HEADER], \Seen stays unset) and calls fn with it.
func (m *IMAP) FetchHeaders(ctx context.Context, uids []uint32, fn func(uid uint32, header []byte) error) error {
	if len(uids) == 0 {
		return nil
	}
	section := &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, Peek: true}
	var fnErr error
	err := m.do(ctx, "fetch headers", func(w *watch) error {
		cmd := m.c.Fetch(uidSet(uids), &imap.FetchOptions{
			UID: true, BodySection: []*imap.FetchItemBodySection{section},
		})
		for {
			md := cmd.Next()
			if md == nil {
				break
			}
			w.alive()
			buf, err := md.Collect()
			if err != nil {
				return err
			}
			if fnErr == nil {
				fnErr = fn(uint32(buf.UID), buf.FindBodySection(section))
			}
		}
		return cmd.Close()
	})
	if fnErr != nil {
		return fnErr
	}
	return err
}

// Move moves uids of the selected folder into dest with ONE UID MOVE
// command. A missing dest ([TRYCREATE]) is created with its parents and the
// move retried. Without MOVE support (or WithoutMove) it uses UID COPY,
// UID STORE +FLAGS.SILENT (\Deleted) and UID EXPUNGE of exactly these UIDs.
func (m *IMAP) Move(ctx context.Context, uids []uint32, dest string) error {
	if len(uids) == 0 {
		return nil
	}
	op := fmt.Sprintf("move %d message(s) to %q", len(uids), dest)
	return m.do(ctx, op, func(*watch) error {
		err := m.move(uids, dest)
		if hasCode(err, imap.ResponseCodeTryCreate) {
			if err := m.createFolder(dest); err != nil {
				return err
			}
			err = m.move(uids, dest)
		}
		return err
	})
}

func (m *IMAP) move(uids []uint32, dest string) error {
	set := uidSet(uids)
	if m.canMove() {
		_, err := m.c.Move(set, dest).Wait()
		return err
	}
	if !m.c.Caps().Has(imap.CapUIDPlus) {
		return fmt.Errorf("server supports neither MOVE nor UIDPLUS: cannot remove only the moved messages")
	}
	if _, err := m.c.Copy(set, dest).Wait(); err != nil {
		return err
	}
	store := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}
	if err := m.c.Store(set, store, nil).Close(); err != nil {
		return fmt.Errorf("copied, but flagging as deleted failed: %w", err)
	}
	if err := m.c.UIDExpunge(set).Close(); err != nil {
		return fmt.Errorf("copied, but expunge failed: %w", err)
	}
	return nil
}

// CreateFolder creates name and its missing parents; an existing folder is
// no error.
func (m *IMAP) CreateFolder(ctx context.Context, name string) error {
	return m.do(ctx, "create folder "+strconv.Quote(name), func(*watch) error {
		return m.createFolder(name)
	})
}

func (m *IMAP) createFolder(name string) error {
	if m.delim == "" {
		list, err := m.c.List("", "", nil).Collect()
		if err != nil {
			return err
		}
		m.delim = "\x00" // flat namespace
		if len(list) > 0 && list[0].Delim != 0 {
			m.delim = string(list[0].Delim)
		}
	}
	parts := strings.Split(name, m.delim)
	for i := range parts {
		prefix := strings.Join(parts[:i+1], m.delim)
		if prefix == "" || strings.EqualFold(prefix, "INBOX") {
			continue
		}
		err := m.c.Create(prefix, nil).Wait()
		if err != nil && !hasCode(err, imap.ResponseCodeAlreadyExists) {
			if i < len(parts)-1 {
				continue // a parent that cannot be created may still exist
			}
			return err
		}
	}
	return nil
}

// Append stores raw as a new message in folder (created when missing) with
// flags (e.g. `\Seen`) and the internal date (zero: the server's now).
func (m *IMAP) Append(ctx context.Context, folder string, raw []byte, flags []string, date time.Time) error {
	return m.do(ctx, "append to "+strconv.Quote(folder), func(*watch) error {
		err := m.append(folder, raw, flags, date)
		if hasCode(err, imap.ResponseCodeTryCreate) {
			if err := m.createFolder(folder); err != nil {
				return err
			}
			err = m.append(folder, raw, flags, date)
		}
		return err
	})
}

func (m *IMAP) append(folder string, raw []byte, flags []string, date time.Time) error {
	opts := &imap.AppendOptions{Time: date}
	for _, f := range flags {
		opts.Flags = append(opts.Flags, imap.Flag(f))
	}
	cmd := m.c.Append(folder, int64(len(raw)), opts)
	if _, err := cmd.Write(raw); err != nil {
		cmd.Close()
		return err
	}
	if err := cmd.Close(); err != nil {
		return err
	}
	_, err := cmd.Wait()
	return err
}

// SetFlags adds (add=true) or removes flags on uids of the selected folder.
func (m *IMAP) SetFlags(ctx context.Context, uids []uint32, flags []string, add bool) error {
	if len(uids) == 0 || len(flags) == 0 {
		return nil
	}
	return m.do(ctx, "store flags", func(*watch) error {
		st := &imap.StoreFlags{Op: imap.StoreFlagsDel, Silent: true}
		if add {
			st.Op = imap.StoreFlagsAdd
		}
		for _, f := range flags {
			st.Flags = append(st.Flags, imap.Flag(f))
		}
		return m.c.Store(uidSet(uids), st, nil).Close()
	})
}

// Logout ends the session politely and closes the connection.
func (m *IMAP) Logout(ctx context.Context) error {
	err := m.do(ctx, "logout", func(*watch) error { return m.c.Logout().Wait() })
	m.Close()
	return err
}

// Close closes the connection without LOGOUT.
func (m *IMAP) Close() error {
	if m.c != nil {
		return m.c.Close()
	}
	if m.conn != nil {
		return m.conn.Close()
	}
	return nil
}
