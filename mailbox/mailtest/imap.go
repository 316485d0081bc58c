package mailtest

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-sasl"
)

// TLSMode is the transport security a test server offers.
type TLSMode int

const (
	TLSNone     TLSMode = iota // plain text, login allowed without TLS
	TLSStartTLS                // plain port with STARTTLS; login only after it
	TLSImplicit                // TLS from the first byte (IMAPS)
)

// Security returns the mode's name as a mail configuration spells it:
// "none", "starttls" or "tls".
func (m TLSMode) Security() string {
	switch m {
	case TLSStartTLS:
		return "starttls"
	case TLSImplicit:
		return "tls"
	}
	return "none"
}

// IMAPOptions configures StartIMAP.
type IMAPOptions struct {
	// Users maps user name to password. Empty: one user "alice" with
	// password "secret". Every user has an INBOX.
	Users map[string]string
	TLS   TLSMode
	// NoMove hides the MOVE capability (the server offers IMAP4rev1 with
	// UIDPLUS), so clients must use COPY + STORE + EXPUNGE.
	NoMove bool
	// OAuth, when set, makes SASL XOAUTH2 the only way to log in; it decides
	// whether token is valid for user. LOGIN and PLAIN are refused.
	OAuth func(user, token string) bool
	// Log receives the server's error log; nil discards it.
	Log io.Writer
	// MaxSessions, when positive, is how many sessions of one user may be
	// logged in at a time; a further login is refused with NO
	// [UNAVAILABLE], as Dovecot's mail_max_userip_connections does.
	MaxSessions int
}

// IMAPServer is an in-process IMAP server on 127.0.0.1:0.
type IMAPServer struct {
	Addr     string // host:port
	Security string // "none", "starttls" or "tls"
	CAFile   string // CA to trust for TLS modes ("" for TLSNone)
	CA       *CA    // nil for TLSNone

	opts      IMAPOptions
	mem       *imapmemserver.Server
	users     map[string]*imapmemserver.User
	passwords map[string]string
	srv       *imapserver.Server
	admin     *imapserver.Server
	adminAddr string

	tmpDir string // holds the CA files of a TLS server; removed by Close

	mu       sync.Mutex
	logins   int
	commands map[string]int
	sessions map[string]int // logged-in sessions per user
}

// StartIMAP starts a server that lives until the end of the test.
func StartIMAP(t testing.TB, opts IMAPOptions) *IMAPServer {
	t.Helper()
	s, err := NewIMAPServer(opts)
	if err != nil {
		t.Fatalf("imap test server: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Close stops the server and drops all connections.
func (s *IMAPServer) Close() {
	s.srv.Close()
	s.admin.Close()
	if s.tmpDir != "" {
		os.RemoveAll(s.tmpDir)
	}
}

func (s *IMAPServer) count(cmd string) {
	s.mu.Lock()
	s.commands[cmd]++
	if cmd == "LOGIN" || cmd == "AUTHENTICATE" {
		s.logins++
	}
	s.mu.Unlock()
}

// LoginAttempts counts LOGIN and AUTHENTICATE attempts, failed ones included.
func (s *IMAPServer) LoginAttempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logins
}

// Commands returns how often the server executed the command name
// ("MOVE", "COPY", "STORE", "EXPUNGE", "FETCH", "SEARCH", "SELECT",
// "CREATE", "APPEND", "LOGIN", "AUTHENTICATE"); UID variants count under
// the plain name.
func (s *IMAPServer) Commands(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commands[strings.ToUpper(name)]
}

// ResetCounts sets all command counters and the login count to zero.
func (s *IMAPServer) ResetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.commands = map[string]int{}
	s.logins = 0
}

func (s *IMAPServer) user(t testing.TB, name string) *imapmemserver.User {
	t.Helper()
	u := s.users[name]
	if u == nil {
		t.Fatalf("imap test server: no user %q", name)
	}
	return u
}

// Append stores raw in folder of user (creating the folder) without
// touching the command counters.
func (s *IMAPServer) Append(t testing.TB, user, folder string, raw []byte, flags ...string) {
	t.Helper()
	if err := s.AppendMessage(user, folder, raw, flags...); err != nil {
		t.Fatalf("imap test server: %v", err)
	}
}

func newTLSListener(ln net.Listener, ca *CA) net.Listener {
	return tls.NewListener(ln, ca.ServerTLSConfig())
}

type literal struct{ *bytes.Reader }

func (l literal) Size() int64 { return l.Reader.Size() }

func isCode(err error, code imap.ResponseCode) bool {
	var ie *imap.Error
	return errors.As(err, &ie) && ie.Code == code
}

// MessageInfo is one message as the Folder helper sees it.
type MessageInfo struct {
	UID       uint32
	Flags     []string
	Raw       []byte
	MessageID string // without angle brackets; "" when absent
	Subject   string
}

// Seen reports whether the message carries \Seen.
func (m MessageInfo) Seen() bool { return m.HasFlag(string(imap.FlagSeen)) }

// HasFlag reports whether the message carries flag (case-insensitive).
func (m MessageInfo) HasFlag(flag string) bool {
	for _, f := range m.Flags {
		if strings.EqualFold(f, flag) {
			return true
		}
	}
	return false
}

// Folder returns the messages of folder of user, read-only (flags are not
// changed). A missing folder fails the test.
func (s *IMAPServer) Folder(t testing.TB, user, folder string) []MessageInfo {
	t.Helper()
	c := s.adminClient(t, user)
	defer c.Close()
	msgs, err := readFolder(c, folder)
	if err != nil {
		t.Fatalf("imap test server: folder %q of %s: %v", folder, user, err)
	}
	return msgs
}

// Folders lists the folder names of user, sorted.
func (s *IMAPServer) Folders(t testing.TB, user string) []string {
	t.Helper()
	c := s.adminClient(t, user)
	defer c.Close()
	names, err := listFolders(c)
	if err != nil {
		t.Fatalf("imap test server: list folders of %s: %v", user, err)
	}
	return names
}

func (s *IMAPServer) adminClient(t testing.TB, user string) *imapclient.Client {
	t.Helper()
	s.user(t, user)
	c, err := imapclient.DialInsecure(s.adminAddr, nil)
	if err != nil {
		t.Fatalf("imap test server: %v", err)
	}
	if err := c.Login(user, s.passwords[user]).Wait(); err != nil {
		c.Close()
		t.Fatalf("imap test server: admin login %s: %v", user, err)
	}
	return c
}

// readFolder examines folder and reads all its messages with BODY.PEEK[].
func readFolder(c *imapclient.Client, folder string) ([]MessageInfo, error) {
	sel, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return nil, err
	}
	if sel.NumMessages == 0 {
		return nil, nil
	}
	section := &imap.FetchItemBodySection{Peek: true}
	var all imap.SeqSet
	all.AddRange(1, 0) // 1:*
	bufs, err := c.Fetch(all, &imap.FetchOptions{
		UID: true, Flags: true, BodySection: []*imap.FetchItemBodySection{section},
	}).Collect()
	if err != nil {
		return nil, err
	}
	var out []MessageInfo
	for _, b := range bufs {
		mi := MessageInfo{UID: uint32(b.UID), Raw: b.FindBodySection(section)}
		for _, f := range b.Flags {
			mi.Flags = append(mi.Flags, string(f))
		}
		if r, err := mail.CreateReader(bytes.NewReader(mi.Raw)); err == nil {
			mi.MessageID, _ = r.Header.MessageID()
			mi.Subject, _ = r.Header.Subject()
			r.Close()
		}
		out = append(out, mi)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].UID < out[j].UID })
	return out, nil
}

func listFolders(c *imapclient.Client) ([]string, error) {
	list, err := c.List("", "*", nil).Collect()
	if err != nil {
		return nil, err
	}
	var names []string
	for _, d := range list {
		names = append(names, d.Mailbox)
	}
	sort.Strings(names)
	return names, nil
}

// session counts commands and implements LOGIN, PLAIN and XOAUTH2 in front
// of the in-memory backend's user session.
type session struct {
	imapserver.Session // the user session once logged in, nil before
	srv                *IMAPServer
	user               *imapmemserver.UserSession
	name               string // the logged-in user
}

// moveSession adds MOVE to session.
type moveSession struct{ *session }

var (
	_ imapserver.SessionSASL      = (*session)(nil)
	_ imapserver.SessionNamespace = (*session)(nil)
	_ imapserver.SessionIMAP4rev2 = (*moveSession)(nil)
)

func (s *session) Close() error {
	if s.user != nil {
		s.srv.mu.Lock()
		s.srv.sessions[s.name]--
		s.srv.mu.Unlock()
		return s.user.Close()
	}
	return nil
}

func (s *session) Login(username, password string) error {
	s.srv.count("LOGIN")
	if s.srv.opts.OAuth != nil {
		return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAuthenticationFailed,
			Text: "Use AUTHENTICATE XOAUTH2"}
	}
	return s.loginPassword(username, password)
}

func (s *session) loginPassword(username, password string) error {
	u := s.srv.users[username]
	if u == nil {
		return imapserver.ErrAuthFailed
	}
	if err := u.Login(username, password); err != nil {
		return err
	}
	return s.open(u, username)
}

// open logs the session in as u, unless the user has MaxSessions
// sessions already.
func (s *session) open(u *imapmemserver.User, name string) error {
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	if max := s.srv.opts.MaxSessions; max > 0 && s.srv.sessions[name] >= max {
		return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeUnavailable,
			Text: fmt.Sprintf("Maximum number of connections from user+IP exceeded (mail_max_userip_connections=%d)", max)}
	}
	if s.srv.sessions == nil {
		s.srv.sessions = map[string]int{}
	}
	s.srv.sessions[name]++
	s.name = name
	s.user = imapmemserver.NewUserSession(u)
	s.Session = s.user
	return nil
}

func (s *session) AuthenticateMechanisms() []string {
	if s.srv.opts.OAuth != nil {
		return []string{"XOAUTH2"}
	}
	return []string{"PLAIN"}
}

func (s *session) Authenticate(mech string) (sasl.Server, error) {
	s.srv.count("AUTHENTICATE")
	switch {
	case s.srv.opts.OAuth != nil && mech == "XOAUTH2":
		return &xoauth2Server{s: s}, nil
	case s.srv.opts.OAuth == nil && mech == "PLAIN":
		return sasl.NewPlainServer(func(identity, username, password string) error {
			if identity != "" && identity != username {
				return imapserver.ErrAuthFailed
			}
			return s.loginPassword(username, password)
		}), nil
	}
	return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Text: "SASL mechanism not supported"}
}

// xoauth2Server checks "user=U\x01auth=Bearer T\x01\x01". A bad token gets
// a JSON error challenge first, as Google and Microsoft send it, then NO.
type xoauth2Server struct {
	s      *session
	failed bool
}

func (x *xoauth2Server) Next(resp []byte) ([]byte, bool, error) {
	if x.failed {
		return nil, true, imapserver.ErrAuthFailed
	}
	if resp == nil {
		return []byte{}, false, nil // ask for the initial response
	}
	var user, token string
	for _, f := range strings.Split(string(resp), "\x01") {
		switch {
		case strings.HasPrefix(f, "user="):
			user = strings.TrimPrefix(f, "user=")
		case strings.HasPrefix(f, "auth=Bearer "):
			token = strings.TrimPrefix(f, "auth=Bearer ")
		}
	}
	u := x.s.srv.users[user]
	if u == nil || token == "" || !x.s.srv.opts.OAuth(user, token) {
		x.failed = true
		return []byte(`{"status":"401","schemes":"bearer","scope":"https://outlook.office.com/IMAP.AccessAsUser.All"}`), false, nil
	}
	if err := x.s.open(u, user); err != nil {
		return nil, false, err
	}
	return nil, true, nil
}

func (s *session) Namespace() (*imap.NamespaceData, error) { return s.user.Namespace() }

func (s *session) Select(mailbox string, options *imap.SelectOptions) (*imap.SelectData, error) {
	s.srv.count("SELECT")
	return s.user.Select(mailbox, options)
}

func (s *session) Create(mailbox string, options *imap.CreateOptions) error {
	s.srv.count("CREATE")
	return s.user.Create(mailbox, options)
}

func (s *session) Append(mailbox string, r imap.LiteralReader, options *imap.AppendOptions) (*imap.AppendData, error) {
	s.srv.count("APPEND")
	return s.user.Append(mailbox, r, options)
}

func (s *session) Search(kind imapserver.NumKind, criteria *imap.SearchCriteria, options *imap.SearchOptions) (*imap.SearchData, error) {
	s.srv.count("SEARCH")
	return s.user.Search(kind, criteria, options)
}

func (s *session) Fetch(w *imapserver.FetchWriter, numSet imap.NumSet, options *imap.FetchOptions) error {
	s.srv.count("FETCH")
	return s.user.Fetch(w, numSet, options)
}

func (s *session) Store(w *imapserver.FetchWriter, numSet imap.NumSet, flags *imap.StoreFlags, options *imap.StoreOptions) error {
	s.srv.count("STORE")
	return s.user.Store(w, numSet, flags, options)
}

func (s *session) Copy(numSet imap.NumSet, dest string) (*imap.CopyData, error) {
	s.srv.count("COPY")
	return s.user.Copy(numSet, dest)
}

func (s *session) Expunge(w *imapserver.ExpungeWriter, uids *imap.UIDSet) error {
	s.srv.count("EXPUNGE")
	return s.user.Expunge(w, uids)
}

func (s *moveSession) Move(w *imapserver.MoveWriter, numSet imap.NumSet, dest string) error {
	s.srv.count("MOVE")
	return s.user.Move(w, numSet, dest)
}
