package graph_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"testing"

	"github.com/wfehq/wfe/groupware"
)

func rawMail(n int) []byte {
	return []byte(fmt.Sprintf("Message-ID: <m%d@firma.example>\r\nFrom: kunde@example.org\r\nTo: anna@firma.example\r\nSubject: Anfrage %d\r\n\r\nText %d\r\n", n, n, n))
}

// TestGraphMailListFetchMove: the messages of the Inbox are listed over
// several pages with their Message-IDs, each one's MIME is fetched
// byte for byte, and a move to a folder found by name gives the message
// a new id there.
func TestGraphMailListFetchMove(t *testing.T) {
	fake := newFake(t)
	fake.SetPageSize(2)
	var waits atomic.Int64
	c := appConnector(t, fake, "s3cret", noSleepPacer(&waits))
	ctx := context.Background()
	for i := 1; i <= 5; i++ {
		fake.AddMessage(testMailbox, "inbox", rawMail(i))
	}
	archiveID := fake.AddMailFolder(testMailbox, "Importiert")
	list, err := c.Messages(ctx, "inbox")
	if err != nil || len(list) != 5 {
		t.Fatalf("inbox: %d messages, %v; want 5", len(list), err)
	}
	for i, m := range list {
		if want := fmt.Sprintf("<m%d@firma.example>", i+1); m.InternetMessageID != want {
			t.Errorf("message %d: Message-ID %q, want %q", i, m.InternetMessageID, want)
		}
		body, err := c.MessageMIME(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(body)
		body.Close()
		if !bytes.Equal(got, rawMail(i+1)) {
			t.Errorf("message %d: MIME %q, want %q", i, got, rawMail(i+1))
		}
	}
	dest, err := c.MailFolderID(ctx, "importiert")
	if err != nil || dest != archiveID {
		t.Fatalf("folder by name: %q, %v; want %q", dest, err, archiveID)
	}
	newID, err := c.MoveMessage(ctx, list[0].ID, dest)
	if err != nil || newID == "" || newID == list[0].ID {
		t.Fatalf("move: new id %q (old %q), %v", newID, list[0].ID, err)
	}
	if moved := fake.MessagesIn(testMailbox, archiveID); len(moved) != 1 || !bytes.Equal(moved[0], rawMail(1)) {
		t.Errorf("import folder holds %d messages, want the first one", len(moved))
	}
	if _, err := c.MessageMIME(ctx, list[0].ID); !errors.Is(err, groupware.ErrNotFound) {
		t.Errorf("old id after the move: %v, want ErrNotFound", err)
	}
	if _, err := c.MailFolderID(ctx, "Nirgends"); !errors.Is(err, groupware.ErrNotFound) {
		t.Errorf("unknown folder: %v, want ErrNotFound", err)
	}
}

// TestGraphSendMIME: a MIME message sent through sendMail lands in Sent
// Items unchanged.
func TestGraphSendMIME(t *testing.T) {
	fake := newFake(t)
	var waits atomic.Int64
	c := appConnector(t, fake, "s3cret", noSleepPacer(&waits))
	if err := c.SendMIME(context.Background(), rawMail(7)); err != nil {
		t.Fatal(err)
	}
	sent := fake.MessagesIn(testMailbox, "sentitems")
	if len(sent) != 1 || !bytes.Equal(sent[0], rawMail(7)) {
		t.Fatalf("Sent Items: %q, want the message sent", sent)
	}
}

// TestGraphMailFolderPathAndUnread: a folder path of two levels is
// created once (a second lookup finds the same folders), a well-known
// first segment stands for that folder, and the unread listing leaves out
// the messages read.
func TestGraphMailFolderPathAndUnread(t *testing.T) {
	fake := newFake(t)
	var waits atomic.Int64
	c := appConnector(t, fake, "s3cret", noSleepPacer(&waits))
	ctx := context.Background()
	if _, err := c.MailFolderPath(ctx, "CRM/Aktivitäten", false); !errors.Is(err, groupware.ErrNotFound) {
		t.Fatalf("missing path without create: %v, want ErrNotFound", err)
	}
	id, err := c.MailFolderPath(ctx, "CRM/Aktivitäten", true)
	if err != nil || id == "" || id != fake.MailFolderByPath(testMailbox, "CRM/Aktivitäten") {
		t.Fatalf("created path: %q, %v; fake has %q", id, err, fake.MailFolderByPath(testMailbox, "CRM/Aktivitäten"))
	}
	again, err := c.MailFolderPath(ctx, "crm/aktivitäten", true)
	if err != nil || again != id {
		t.Fatalf("second lookup: %q, %v; want %q", again, err, id)
	}
	sub, err := c.MailFolderPath(ctx, "Inbox/Rechnungen", true)
	if err != nil || sub != fake.MailFolderByPath(testMailbox, "Inbox/Rechnungen") {
		t.Fatalf("child of the inbox: %q, %v", sub, err)
	}
	fake.AddMessage(testMailbox, "inbox", rawMail(1))
	fake.MarkMessagesRead(testMailbox, "inbox", true)
	fake.AddMessage(testMailbox, "inbox", rawMail(2))
	unread, err := c.UnreadMessages(ctx, "inbox")
	if err != nil || len(unread) != 1 || unread[0].InternetMessageID != "<m2@firma.example>" || unread[0].ReceivedDateTime.IsZero() {
		t.Fatalf("unread: %+v, %v; want message 2 with its time of arrival", unread, err)
	}
	if all, err := c.Messages(ctx, "inbox"); err != nil || len(all) != 2 {
		t.Fatalf("all messages: %d, %v; want 2", len(all), err)
	}
}

// TestGraphMoveMessages: 25 messages move in two $batch requests; a
// message already gone is reported as not found, the others arrive.
func TestGraphMoveMessages(t *testing.T) {
	fake := newFake(t)
	var waits atomic.Int64
	c := appConnector(t, fake, "s3cret", noSleepPacer(&waits))
	ctx := context.Background()
	var ids []string
	for i := 1; i <= 25; i++ {
		ids = append(ids, fake.AddMessage(testMailbox, "inbox", rawMail(i)))
	}
	dest := fake.AddMailFolder(testMailbox, "Importiert")
	if _, err := c.MoveMessage(ctx, ids[3], dest); err != nil {
		t.Fatal(err)
	}
	before := fake.Requests()
	errs, err := c.MoveMessages(ctx, ids, dest)
	if err != nil || len(errs) != 25 {
		t.Fatalf("move: %d results, %v", len(errs), err)
	}
	for i, e := range errs {
		if (i == 3) != errors.Is(e, groupware.ErrNotFound) || (i != 3 && e != nil) {
			t.Errorf("message %d: %v", i, e)
		}
	}
	if n := fake.Requests() - before; n != 2 {
		t.Errorf("%d requests, want 2 batches", n)
	}
	if got := len(fake.MessagesIn(testMailbox, dest)); got != 25 || len(fake.MessagesIn(testMailbox, "inbox")) != 0 {
		t.Errorf("folder holds %d, inbox %d; want 25 and 0", got, len(fake.MessagesIn(testMailbox, "inbox")))
	}
}
