package mailtest

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// NewIMAPServer starts an in-process IMAP server on 127.0.0.1:0 outside
// of a test (wfe demo); the caller stops it with Close. StartIMAP is the
// same for tests.
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
			return s.mem.NewSession(), nil, nil
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
	if err := u.Create(folder, nil); err != nil && !isCode(err, imap.ResponseCodeAlreadyExists) {
		return fmt.Errorf("create %q: %w", folder, err)
	}
	opts := &imap.AppendOptions{Time: time.Now()}
	for _, f := range flags {
		opts.Flags = append(opts.Flags, imap.Flag(f))
	}
	if _, err := u.Append(folder, literal{bytes.NewReader(raw)}, opts); err != nil {
		return fmt.Errorf("append to %q: %w", folder, err)
	}
	return nil
}
