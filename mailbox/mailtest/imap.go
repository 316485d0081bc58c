package mailtest

import (
	"testing"

	"github.com/wfehq/wfe/mailbox/mailserver"
)

// TLSMode is the transport security a test server offers.
type TLSMode = mailserver.TLSMode

// The transport security modes (see mailserver.TLSMode).
const (
	TLSNone     = mailserver.TLSNone
	TLSStartTLS = mailserver.TLSStartTLS
	TLSImplicit = mailserver.TLSImplicit
)

// IMAPOptions configures StartIMAP (see mailserver.IMAPOptions).
type IMAPOptions = mailserver.IMAPOptions

// MessageInfo is one message as the Folder helper sees it.
type MessageInfo = mailserver.MessageInfo

// IMAPServer is an in-process IMAP server on 127.0.0.1:0 with helpers that
// fail the test instead of returning errors.
type IMAPServer struct {
	*mailserver.IMAPServer
}

// StartIMAP starts a server that lives until the end of the test.
func StartIMAP(t testing.TB, opts IMAPOptions) *IMAPServer {
	t.Helper()
	s, err := mailserver.NewIMAPServer(opts)
	if err != nil {
		t.Fatalf("imap test server: %v", err)
	}
	t.Cleanup(s.Close)
	return &IMAPServer{s}
}

// Append stores raw in folder of user (creating the folder) without
// touching the command counters.
func (s *IMAPServer) Append(t testing.TB, user, folder string, raw []byte, flags ...string) {
	t.Helper()
	if err := s.AppendMessage(user, folder, raw, flags...); err != nil {
		t.Fatalf("imap test server: %v", err)
	}
}

// Folder returns the messages of folder of user, read-only (flags are not
// changed). A missing folder fails the test.
func (s *IMAPServer) Folder(t testing.TB, user, folder string) []MessageInfo {
	t.Helper()
	msgs, err := s.Messages(user, folder)
	if err != nil {
		t.Fatalf("imap test server: %v", err)
	}
	return msgs
}

// Folders lists the folder names of user, sorted.
func (s *IMAPServer) Folders(t testing.TB, user string) []string {
	t.Helper()
	names, err := s.FolderNames(user)
	if err != nil {
		t.Fatalf("imap test server: %v", err)
	}
	return names
}
