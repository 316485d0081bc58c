package wfecmd

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/wfehq/wfe/groupware/groupwaretest"
	"github.com/wfehq/wfe/store"
)

// TestSendCommandThroughGraph: wfe send with a configuration without an
// SMTP server whose calendar system is Microsoft Graph sends through
// sendMail into the sender's Sent Items and prints the Message-ID; while
// the configuration is locked it sends nothing.
func TestSendCommandThroughGraph(t *testing.T) {
	const sender = "vertrieb@firma.example"
	fake := groupwaretest.NewGraphFake(t)
	fake.AddApp("app", "app-secret")
	fake.AddMailbox(sender)
	c := newStoreCLI(t)
	c.env["GRAPH_SECRET"] = "app-secret"
	c.ok("mailconfig", "set", "OUT365", "--user", sender, "--calendar-system", "graph", "--groupware-url", fake.Server.URL,
		"--oauth-client-id", "app", "--oauth-client-secret-env", "GRAPH_SECRET", "--oauth-token-url", fake.TokenURL)
	s, ctx := c.store(), context.Background()
	first := &store.Activity{Type: store.TypeMailOut, Subject: "Angebot", Text: "Hallo", To: store.StringList{"max@kunde.example"}}
	must(t, s.CreateActivity(ctx, first))
	second := &store.Activity{Type: store.TypeMailOut, Subject: "Nachtrag", Text: "Noch was", To: store.StringList{"max@kunde.example"}}
	must(t, s.CreateActivity(ctx, second))

	id := strings.Trim(strings.TrimSpace(c.ok("send", fmt.Sprint(first.ID), "--config", "OUT365")), "<>")
	sent := fake.MessagesIn(sender, "sentitems")
	if len(sent) != 1 || !strings.Contains(string(sent[0]), id) || !strings.Contains(string(sent[0]), "Subject: Angebot") {
		t.Fatalf("send printed %q; Sent Items holds %d messages", id, len(sent))
	}

	c.ok("mailconfig", "set", "OUT365", "--locked")
	_, errs, code := c.run("send", fmt.Sprint(second.ID), "--config", "OUT365")
	if code != 1 || !strings.Contains(errs, "locked") {
		t.Fatalf("send with a locked configuration: exit %d: %s", code, errs)
	}
	if n := len(fake.MessagesIn(sender, "sentitems")); n != 1 {
		t.Fatalf("Sent Items holds %d messages after the refused send, want 1", n)
	}
}
