package mailserver_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/wfehq/wfe/mailbox/mailserver"
)

// mboxMail starts with an mbox "From " line: go-message cannot read its
// header, so the in-memory backend alone would serve BODY[] empty.
const mboxMail = "From alice@example.org Mon Mar  4 09:15:00 2024\r\nFrom: alice@example.org\r\nSubject: hi\r\n\r\nbody\r\n"

// A message the backend cannot parse is served as stored: BODY[] and a
// part of it, RFC822.SIZE, its flags (a BODY[] without PEEK sets \Seen),
// and after COPY and MOVE.
func TestServesStoredBytes(t *testing.T) {
	s, err := mailserver.NewIMAPServer(mailserver.IMAPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.AppendMessage("alice", "INBOX", []byte(mboxMail), "$Invoice"); err != nil {
		t.Fatal(err)
	}
	c, err := imapclient.DialInsecure(s.Addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("alice", "secret").Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	whole, part := &imap.FetchItemBodySection{}, &imap.FetchItemBodySection{Peek: true, Partial: &imap.SectionPartial{Offset: 5, Size: 5}}
	msgs, err := c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{UID: true, Flags: true, RFC822Size: true,
		BodySection: []*imap.FetchItemBodySection{whole, part}}).Collect()
	if err != nil || len(msgs) != 1 {
		t.Fatalf("fetch: %d messages, %v", len(msgs), err)
	}
	m := msgs[0]
	if got := string(m.FindBodySection(whole)); got != mboxMail {
		t.Errorf("BODY[] = %q, want the stored bytes", got)
	}
	if got := string(m.FindBodySection(part)); got != mboxMail[5:10] {
		t.Errorf("BODY[]<5.5> = %q, want %q", got, mboxMail[5:10])
	}
	if m.RFC822Size != int64(len(mboxMail)) {
		t.Errorf("RFC822.SIZE %d, want %d", m.RFC822Size, len(mboxMail))
	}
	if !hasFlag(m.Flags, "$invoice") {
		t.Errorf("flags %v, want $Invoice", m.Flags)
	}
	checkFolder(t, s, "INBOX", `\Seen`)
	if err := c.Create("Kept", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Copy(imap.SeqSetNum(1), "Kept").Wait(); err != nil {
		t.Fatal(err)
	}
	checkFolder(t, s, "Kept", "$Invoice")
	if _, err := c.Move(imap.SeqSetNum(1), "Archive").Wait(); err == nil {
		t.Fatal("MOVE to a missing folder succeeded")
	}
	if err := c.Create("Archive", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Move(imap.SeqSetNum(1), "Archive").Wait(); err != nil {
		t.Fatal(err)
	}
	checkFolder(t, s, "Archive", `\Seen`)
}

// checkFolder wants the one message of folder with the stored bytes and flag.
func checkFolder(t *testing.T, s *mailserver.IMAPServer, folder, flag string) {
	t.Helper()
	msgs, err := s.Messages("alice", folder)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("%s: %d messages, %v", folder, len(msgs), err)
	}
	if !bytes.Equal(msgs[0].Raw, []byte(mboxMail)) || !msgs[0].HasFlag(flag) {
		t.Errorf("%s: %q with flags %v, want the stored bytes and %s", folder, msgs[0].Raw, msgs[0].Flags, flag)
	}
}

func hasFlag(flags []imap.Flag, want string) bool {
	for _, f := range flags {
		if strings.EqualFold(string(f), want) {
			return true
		}
	}
	return false
}
