package mailserver

import (
	"fmt"
	"io"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-sasl"
)

// session counts commands and implements LOGIN, PLAIN and XOAUTH2 in front
// of the in-memory backend's user session; it serves the stored bytes of
// the messages the backend would change (raw.go).
type session struct {
	imapserver.Session // the user session once logged in, nil before
	srv                *IMAPServer
	user               *imapmemserver.UserSession
	name               string // the logged-in user
	selected           uint32 // UIDVALIDITY of the selected folder
	admin              bool   // the admin listener's: not counted, no session limit
}

func (s *session) count(cmd string) {
	if !s.admin {
		s.srv.count(cmd)
	}
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
	s.count("LOGIN")
	if s.srv.opts.OAuth != nil && !s.admin {
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
	if max := s.srv.opts.MaxSessions; max > 0 && !s.admin && s.srv.sessions[name] >= max {
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
	s.count("AUTHENTICATE")
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
	s.count("SELECT")
	data, err := s.user.Select(mailbox, options)
	if err == nil {
		s.selected = data.UIDValidity
	}
	return data, err
}

func (s *session) Create(mailbox string, options *imap.CreateOptions) error {
	s.count("CREATE")
	return s.user.Create(mailbox, options)
}

func (s *session) Append(mailbox string, r imap.LiteralReader, options *imap.AppendOptions) (*imap.AppendData, error) {
	s.count("APPEND")
	buf, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return s.srv.appendTo(s.name, mailbox, buf, options)
}

func (s *session) Search(kind imapserver.NumKind, criteria *imap.SearchCriteria, options *imap.SearchOptions) (*imap.SearchData, error) {
	s.count("SEARCH")
	return s.user.Search(kind, criteria, options)
}

func (s *session) Store(w *imapserver.FetchWriter, numSet imap.NumSet, flags *imap.StoreFlags, options *imap.StoreOptions) error {
	s.count("STORE")
	s.srv.raw.noteKeywords(flags.Flags)
	return s.user.Store(w, numSet, flags, options)
}

func (s *session) Copy(numSet imap.NumSet, dest string) (*imap.CopyData, error) {
	s.count("COPY")
	s.srv.writeMu.Lock()
	defer s.srv.writeMu.Unlock()
	data, err := s.user.Copy(numSet, dest)
	if err == nil {
		from, _ := data.SourceUIDs.Nums()
		to, _ := data.DestUIDs.Nums()
		s.srv.raw.copied(s.name, s.selected, from, data.UIDValidity, to)
	}
	return data, err
}

func (s *session) Expunge(w *imapserver.ExpungeWriter, uids *imap.UIDSet) error {
	s.count("EXPUNGE")
	return s.user.Expunge(w, uids)
}

func (s *moveSession) Move(w *imapserver.MoveWriter, numSet imap.NumSet, dest string) error {
	s.count("MOVE")
	s.srv.writeMu.Lock() // no other message enters dest while this moves
	defer s.srv.writeMu.Unlock()
	if !s.srv.raw.inFolder(s.name, s.selected) {
		return s.user.Move(w, numSet, dest)
	}
	from, err := s.uidsOf(numSet)
	if err != nil {
		return err
	}
	st, err := s.user.Status(dest, &imap.StatusOptions{UIDNext: true, UIDValidity: true})
	if err != nil {
		return s.user.Move(w, numSet, dest) // the backend answers for a missing dest
	}
	if err := s.user.Move(w, numSet, dest); err != nil {
		return err
	}
	// the moved messages get dest's next UIDs, in the order of their UIDs
	to := make([]imap.UID, len(from))
	for i := range from {
		to[i] = st.UIDNext + imap.UID(i)
	}
	s.srv.raw.copied(s.name, s.selected, from, st.UIDValidity, to)
	return nil
}
