package mailbox

import (
	"bytes"
	"errors"
	"io"
	"net/mail"
	"strings"
	"testing"
)

// TestWriteMIME: the message written carries the sender, recipients,
// subject, Message-ID returned and an attachment; a message with Bcc
// recipients is refused.
func TestWriteMIME(t *testing.T) {
	var buf bytes.Buffer
	msg := &Outgoing{From: "anna@firma.example", To: []string{"kunde@example.org"}, Subject: "Angebot", Text: "Anbei das Angebot.",
		Attachments: []Attachment{{Name: "angebot.txt", Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("Preis 10")), nil }}}}
	id, err := WriteMIME(&buf, msg)
	if err != nil || id == "" {
		t.Fatalf("WriteMIME: id %q, %v", id, err)
	}
	parsed, err := mail.ReadMessage(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("written message does not parse: %v", err)
	}
	h := parsed.Header
	if h.Get("Message-Id") != "<"+id+">" || h.Get("Subject") != "Angebot" || !strings.Contains(h.Get("To"), "kunde@example.org") {
		t.Errorf("header: Message-Id %q (want <%s>), Subject %q, To %q", h.Get("Message-Id"), id, h.Get("Subject"), h.Get("To"))
	}
	if !strings.Contains(buf.String(), "angebot.txt") {
		t.Errorf("attachment missing from the message")
	}
	msg.Bcc = []string{"chef@firma.example"}
	if _, err := WriteMIME(io.Discard, msg); !errors.Is(err, ErrBccInMIME) {
		t.Errorf("with Bcc: %v, want ErrBccInMIME", err)
	}
}
