package mailserver

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-message/mail"
)

// MessageInfo is one message as Messages reads it.
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

// Messages returns the messages of folder of user, read without changing
// their flags and without touching the command counters.
func (s *IMAPServer) Messages(user, folder string) ([]MessageInfo, error) {
	c, err := s.adminClient(user)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	msgs, err := ReadFolder(c, folder)
	if err != nil {
		return nil, fmt.Errorf("folder %q of %s: %w", folder, user, err)
	}
	return msgs, nil
}

// FolderNames lists the folder names of user, sorted.
func (s *IMAPServer) FolderNames(user string) ([]string, error) {
	c, err := s.adminClient(user)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	names, err := ListFolders(c)
	if err != nil {
		return nil, fmt.Errorf("list folders of %s: %w", user, err)
	}
	return names, nil
}

// adminClient logs in as user on the uncounted admin listener.
func (s *IMAPServer) adminClient(user string) (*imapclient.Client, error) {
	if s.users[user] == nil {
		return nil, fmt.Errorf("no user %q", user)
	}
	c, err := imapclient.DialInsecure(s.adminAddr, nil)
	if err != nil {
		return nil, err
	}
	if err := c.Login(user, s.passwords[user]).Wait(); err != nil {
		c.Close()
		return nil, fmt.Errorf("admin login %s: %w", user, err)
	}
	return c, nil
}

// ReadFolder examines folder on a logged-in client and reads all its
// messages with BODY.PEEK[] (flags stay as they are), sorted by UID.
func ReadFolder(c *imapclient.Client, folder string) ([]MessageInfo, error) {
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

// ListFolders lists the folder names a logged-in client sees, sorted.
func ListFolders(c *imapclient.Client) ([]string, error) {
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

// IsCode reports whether err is an IMAP error with the response code.
func IsCode(err error, code imap.ResponseCode) bool {
	var ie *imap.Error
	return errors.As(err, &ie) && ie.Code == code
}
