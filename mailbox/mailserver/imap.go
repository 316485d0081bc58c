package mailserver

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// TLSMode is the transport security a server offers.
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

// IMAPOptions configures NewIMAPServer.
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

	raw rawMessages // messages the backend would not serve as stored
	// writeMu is held while a message enters a folder (APPEND, COPY, MOVE),
	// so a MOVE knows the UIDs its messages get
	writeMu sync.Mutex

	mu       sync.Mutex
	logins   int
	commands map[string]int
	sessions map[string]int // logged-in sessions per user
}

// NewIMAPServer starts an in-process IMAP server on 127.0.0.1:0; the
// caller stops it with Close.
func NewIMAPServer(opts IMAPOptions) (s *IMAPServer, err error) {
	if len(opts.Users) == 0 {
		opts.Users = map[string]string{"alice": "secret"}
	}
	s = &IMAPServer{
		Security:  opts.TLS.Security(),
		opts:      opts,
		mem:       imapmemserver.New(),
		users:     map[string]*imapmemserver.User{},
		passwords: map[string]string{},
		commands:  map[string]int{},
	}
	for name, pw := range opts.Users {
		u := imapmemserver.NewUser(name, pw)
		if err := u.Create("INBOX", nil); err != nil {
			return nil, fmt.Errorf("create INBOX of %s: %w", name, err)
		}
		s.mem.AddUser(u)
		s.users[name] = u
		s.passwords[name] = pw
	}
	logw := opts.Log
	if logw == nil {
		logw = io.Discard
	}
	logger := log.New(logw, "imapserver: ", 0)

	caps := imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}}
	if opts.NoMove {
		caps = imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapUIDPlus: {}, imap.CapNamespace: {}}
	}
	sopts := &imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			sess := &session{srv: s}
			if opts.NoMove {
				return sess, nil, nil
			}
			return &moveSession{sess}, nil, nil
		},
		Caps:         caps,
		Logger:       logger,
		InsecureAuth: opts.TLS == TLSNone,
	}
	var closers []io.Closer
	defer func() {
		if err != nil {
			for _, c := range closers {
				c.Close()
			}
			if s.tmpDir != "" {
				os.RemoveAll(s.tmpDir)
			}
		}
	}()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	closers = append(closers, ln)
	if opts.TLS != TLSNone {
		if s.tmpDir, err = os.MkdirTemp("", "wfe-imap-ca-"); err != nil {
			return nil, err
		}
		if s.CA, err = NewCA(s.tmpDir); err != nil {
			return nil, err
		}
		s.CAFile = s.CA.CAFile
		switch opts.TLS {
		case TLSStartTLS:
			sopts.TLSConfig = s.CA.ServerTLSConfig()
		case TLSImplicit:
			ln = newTLSListener(ln, s.CA)
		}
	}
	s.Addr = ln.Addr().String()

	// The admin listener serves the same users with plain LOGIN, uncounted,
	// for the Folder helper.
	aln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.adminAddr = aln.Addr().String()
	s.srv = imapserver.New(sopts)
	go s.srv.Serve(ln)
	s.admin = imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return &moveSession{&session{srv: s, admin: true}}, nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
		Logger:       logger,
		InsecureAuth: true,
	})
	go s.admin.Serve(aln)
	return s, nil
}

// AppendMessage stores raw in folder of user (creating the folder) without
// touching the command counters.
func (s *IMAPServer) AppendMessage(user, folder string, raw []byte, flags ...string) error {
	u := s.users[user]
	if u == nil {
		return fmt.Errorf("no user %q", user)
	}
	if err := u.Create(folder, nil); err != nil && !IsCode(err, imap.ResponseCodeAlreadyExists) {
		return fmt.Errorf("create %q: %w", folder, err)
	}
	opts := &imap.AppendOptions{Time: time.Now()}
	for _, f := range flags {
		opts.Flags = append(opts.Flags, imap.Flag(f))
	}
	if _, err := s.appendTo(user, folder, raw, opts); err != nil {
		return fmt.Errorf("append to %q: %w", folder, err)
	}
	return nil
}

// appendTo stores buf in folder of user, and keeps buf beside the backend's
// copy when the backend would not serve it as stored.
func (s *IMAPServer) appendTo(user, folder string, buf []byte, opts *imap.AppendOptions) (*imap.AppendData, error) {
	var o imap.AppendOptions
	if opts != nil {
		o = *opts
	}
	if o.Time.IsZero() {
		o.Time = time.Now()
	}
	s.raw.noteKeywords(o.Flags)
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	data, err := s.users[user].Append(folder, literal{bytes.NewReader(buf)}, &o)
	if err == nil && servedChanged(buf) {
		s.raw.add(user, data.UIDValidity, data.UID, rawMessage{buf: buf, date: o.Time})
	}
	return data, err
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

func newTLSListener(ln net.Listener, ca *CA) net.Listener {
	return tls.NewListener(ln, ca.ServerTLSConfig())
}

type literal struct{ *bytes.Reader }

func (l literal) Size() int64 { return l.Reader.Size() }
