package mailbox_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	gomail "github.com/emersion/go-message/mail"

	"github.com/wfehq/wfe/mailbox"
	"github.com/wfehq/wfe/mailbox/mailtest"
)

const smtpPassword = "Pa55-geheim-7731"

var smtpUsers = map[string]string{"vertrieb@example.com": smtpPassword}

func smtpEndpoint(s *mailtest.SMTPServer) mailbox.Endpoint {
	return mailbox.Endpoint{Addr: s.Addr, Security: mailbox.Security(s.Security), CAFile: s.CAFile, Timeout: 10 * time.Second}
}

func bytesAttachment(name, ctype string, data []byte) mailbox.Attachment {
	return mailbox.Attachment{Name: name, ContentType: ctype, Open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}}
}

func testOutgoing() *mailbox.Outgoing {
	return &mailbox.Outgoing{
		FromName: "Vertrieb Müller GmbH",
		From:     "vertrieb@example.com",
		To:       []string{"kunde@example.org"},
		Cc:       []string{"chef@example.com"},
		Bcc:      []string{"archiv@example.com"},
		Subject:  "Ihr Angebot Nr. 4711 – Rückfrage",
		Text:     "Guten Tag,\nanbei das Angebot.\n",
		HTML:     "<p>Guten Tag,<br>anbei das Angebot.</p>",
		Attachments: []mailbox.Attachment{
			bytesAttachment("Angebot 4711.pdf", "application/pdf", []byte("%PDF-1.4 fake\x00\x01\x02")),
			bytesAttachment("Übersicht März.txt", "", []byte("Bitte bis Freitag.")),
		},
		Headers: map[string]string{"Auto-Submitted": "auto-generated", "In-Reply-To": "<anfrage-1@example.org>"},
	}
}

// parsed is what a received message looks like to a reader.
type parsed struct {
	header      gomail.Header
	texts       map[string]string // content type → body
	attachments map[string][]byte // file name → content
	types       map[string]string // file name → media type
}

func parseReceived(t *testing.T, raw []byte) parsed {
	t.Helper()
	r, err := gomail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("received mail does not parse: %v\n%s", err, raw)
	}
	p := parsed{header: r.Header, texts: map[string]string{}, attachments: map[string][]byte{}, types: map[string]string{}}
	for {
		part, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("part: %v", err)
		}
		body, err := io.ReadAll(part.Body)
		if err != nil {
			t.Fatalf("part body: %v", err)
		}
		switch h := part.Header.(type) {
		case *gomail.InlineHeader:
			ct, _, _ := h.ContentType()
			p.texts[ct] = string(body)
		case *gomail.AttachmentHeader:
			name, _ := h.Filename()
			p.attachments[name] = body
			p.types[name], _, _ = h.ContentType()
		}
	}
	return p
}

func TestSendSecurityModes(t *testing.T) {
	for _, security := range []string{"none", "starttls", "tls"} {
		t.Run(security, func(t *testing.T) {
			srv := mailtest.StartSMTP(t, mailtest.SMTPOptions{Security: security, Users: smtpUsers})
			msg := testOutgoing()
			id, err := mailbox.Send(context.Background(), smtpEndpoint(srv),
				mailbox.Auth{Username: "vertrieb@example.com", Password: smtpPassword}, msg)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if id == "" || strings.ContainsAny(id, "<>") || !strings.HasSuffix(id, "@example.com") {
				t.Errorf("returned Message-ID %q, want local@example.com without brackets", id)
			}
			got := srv.Messages()
			if len(got) != 1 {
				t.Fatalf("server received %d mails, want 1", len(got))
			}
			rec := got[0]
			if rec.TLS != (security != "none") {
				t.Errorf("session TLS = %v with security %s", rec.TLS, security)
			}
			if rec.User != "vertrieb@example.com" {
				t.Errorf("authenticated user %q", rec.User)
			}
			if rec.From != "vertrieb@example.com" {
				t.Errorf("envelope from %q", rec.From)
			}
			if want := []string{"kunde@example.org", "chef@example.com", "archiv@example.com"}; strings.Join(rec.To, ",") != strings.Join(want, ",") {
				t.Errorf("envelope recipients %v, want %v", rec.To, want)
			}
			if bytes.Contains(rec.Data, []byte("archiv@example.com")) {
				t.Errorf("the Bcc address is in the transmitted message:\n%s", rec.Data)
			}

			p := parseReceived(t, rec.Data)
			from, err := p.header.AddressList("From")
			if err != nil || len(from) != 1 || from[0].Name != "Vertrieb Müller GmbH" || from[0].Address != "vertrieb@example.com" {
				t.Errorf("From = %v (%v), want the display name and address", from, err)
			}
			if mid, _ := p.header.MessageID(); mid != id {
				t.Errorf("Message-ID header %q, Send returned %q", mid, id)
			}
			if subj, _ := p.header.Subject(); subj != msg.Subject {
				t.Errorf("Subject %q", subj)
			}
			for k, v := range msg.Headers {
				if got := p.header.Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			if !strings.Contains(p.texts["text/plain"], "anbei das Angebot") || !strings.Contains(p.texts["text/html"], "<p>Guten Tag") {
				t.Errorf("bodies %q", p.texts)
			}
			if len(p.attachments) != 2 ||
				string(p.attachments["Angebot 4711.pdf"]) != "%PDF-1.4 fake\x00\x01\x02" ||
				string(p.attachments["Übersicht März.txt"]) != "Bitte bis Freitag." {
				t.Errorf("attachments %q", p.attachments)
			}
			if p.types["Angebot 4711.pdf"] != "application/pdf" || p.types["Übersicht März.txt"] != "text/plain" {
				t.Errorf("attachment types %q", p.types)
			}
		})
	}
}

func TestSendKeepsGivenMessageIDAndNoAuth(t *testing.T) {
	srv := mailtest.StartSMTP(t, mailtest.SMTPOptions{})
	msg := &mailbox.Outgoing{From: "crm@example.com", To: []string{"a@example.org"}, Subject: "Fax", MessageID: "<fixed-1@crm.example.com>"}
	id, err := mailbox.Send(context.Background(), smtpEndpoint(srv), mailbox.Auth{}, msg)
	if err != nil {
		t.Fatal(err)
	}
	if id != "fixed-1@crm.example.com" {
		t.Errorf("id %q", id)
	}
	got := srv.Messages()
	if len(got) != 1 {
		t.Fatalf("received %d mails", len(got))
	}
	p := parseReceived(t, got[0].Data)
	if mid, _ := p.header.MessageID(); mid != "fixed-1@crm.example.com" {
		t.Errorf("Message-ID header %q:\n%s", mid, got[0].Data)
	}
	if bytes.Contains(got[0].Data, []byte("From: \"\"")) {
		t.Errorf("an empty display name was written:\n%s", got[0].Data)
	}
}

func TestSendFailureKinds(t *testing.T) {
	auth := mailbox.Auth{Username: "vertrieb@example.com", Password: smtpPassword}
	cases := []struct {
		name            string
		rcpt, data      int
		auth            mailbox.Auth
		kind            mailbox.Kind
		retry, authFail bool
	}{
		{name: "rcpt 451", rcpt: 451, auth: auth, kind: mailbox.KindTemp, retry: true},
		{name: "rcpt 550", rcpt: 550, auth: auth, kind: mailbox.KindRejected},
		{name: "data 452", data: 452, auth: auth, kind: mailbox.KindTemp, retry: true},
		{name: "data 554", data: 554, auth: auth, kind: mailbox.KindRejected},
		{name: "bad password", auth: mailbox.Auth{Username: "vertrieb@example.com", Password: "wrong-" + smtpPassword},
			kind: mailbox.KindAuth, authFail: true},
		{name: "unknown user", auth: mailbox.Auth{Username: "nobody@example.com", Password: smtpPassword},
			kind: mailbox.KindAuth, authFail: true},
		{name: "no credentials", auth: mailbox.Auth{}, kind: mailbox.KindAuth, authFail: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := mailtest.StartSMTP(t, mailtest.SMTPOptions{Security: "starttls", Users: smtpUsers, FailRcpt: c.rcpt, FailData: c.data})
			_, err := mailbox.Send(context.Background(), smtpEndpoint(srv), c.auth, testOutgoing())
			if err == nil {
				t.Fatal("Send succeeded")
			}
			if k := mailbox.KindOf(err); k != c.kind {
				t.Errorf("kind %v, want %v: %v", k, c.kind, err)
			}
			if mailbox.IsRetryable(err) != c.retry {
				t.Errorf("retryable = %v: %v", !c.retry, err)
			}
			if errors.Is(err, mailbox.ErrAuth) != c.authFail {
				t.Errorf("errors.Is(ErrAuth) = %v: %v", !c.authFail, err)
			}
			if strings.Contains(err.Error(), smtpPassword) {
				t.Errorf("error shows the password: %v", err)
			}
			if !strings.Contains(err.Error(), srv.Addr) {
				t.Errorf("error does not name the server %s: %v", srv.Addr, err)
			}
			if n := len(srv.Messages()); n != 0 {
				t.Errorf("server stored %d mails", n)
			}
		})
	}
	t.Run("then accepted", func(t *testing.T) {
		srv := mailtest.StartSMTP(t, mailtest.SMTPOptions{Users: smtpUsers, FailRcpt: 451})
		if _, err := mailbox.Send(context.Background(), smtpEndpoint(srv), auth, testOutgoing()); !mailbox.IsRetryable(err) {
			t.Fatalf("first try: %v", err)
		}
		srv.SetFailures(0, 0)
		if _, err := mailbox.Send(context.Background(), smtpEndpoint(srv), auth, testOutgoing()); err != nil {
			t.Fatalf("retry: %v", err)
		}
		if n := len(srv.Messages()); n != 1 {
			t.Errorf("received %d", n)
		}
	})
}

func TestSendTransportFailures(t *testing.T) {
	t.Run("unknown CA", func(t *testing.T) {
		for _, sec := range []string{"starttls", "tls"} {
			srv := mailtest.StartSMTP(t, mailtest.SMTPOptions{Security: sec})
			ep := smtpEndpoint(srv)
			ep.CAFile = ""
			_, err := mailbox.Send(context.Background(), ep, mailbox.Auth{}, testOutgoing())
			if mailbox.KindOf(err) != mailbox.KindTLS || mailbox.IsRetryable(err) {
				t.Errorf("%s: want a permanent TLS error, got %v", sec, err)
			}
			if err != nil && !strings.Contains(err.Error(), mailtest.CAName) {
				t.Errorf("%s: error does not name the issuing CA: %v", sec, err)
			}
		}
	})
	t.Run("plain server, starttls wanted", func(t *testing.T) {
		srv := mailtest.StartSMTP(t, mailtest.SMTPOptions{})
		ep := smtpEndpoint(srv)
		ep.Security = mailbox.SecuritySTARTTLS
		_, err := mailbox.Send(context.Background(), ep, mailbox.Auth{}, testOutgoing())
		if mailbox.KindOf(err) != mailbox.KindTLS || !strings.Contains(err.Error(), "STARTTLS") {
			t.Errorf("want a TLS error about STARTTLS, got %v", err)
		}
	})
	t.Run("connection refused", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		_ = ln.Close()
		_, err = mailbox.Send(context.Background(), mailbox.Endpoint{Addr: addr}, mailbox.Auth{}, testOutgoing())
		if mailbox.KindOf(err) != mailbox.KindNetwork || !mailbox.IsRetryable(err) {
			t.Errorf("want a retryable network error, got %v", err)
		}
	})
}

func TestSendRefusesBadInput(t *testing.T) {
	srv := mailtest.StartSMTP(t, mailtest.SMTPOptions{})
	ep := smtpEndpoint(srv)
	cases := map[string]func(*mailbox.Outgoing){
		"no recipient":      func(o *mailbox.Outgoing) { o.To, o.Cc, o.Bcc = nil, nil, nil },
		"bad sender":        func(o *mailbox.Outgoing) { o.From = "not an address" },
		"subject injection": func(o *mailbox.Outgoing) { o.Subject = "Hallo\r\nBcc: evil@example.net" },
		"header injection": func(o *mailbox.Outgoing) {
			o.Headers = map[string]string{"References": "<a@b>\r\nBcc: evil@example.net"}
		},
		"reserved header": func(o *mailbox.Outgoing) { o.Headers = map[string]string{"from": "evil@example.net"} },
		"attachment fails to open": func(o *mailbox.Outgoing) {
			o.Attachments = append(o.Attachments, mailbox.Attachment{Name: "weg.pdf", Open: func() (io.ReadCloser, error) {
				return nil, errors.New("document 42 not found")
			}})
		},
	}
	for name, mutate := range cases {
		msg := testOutgoing()
		mutate(msg)
		_, err := mailbox.Send(context.Background(), ep, mailbox.Auth{}, msg)
		if err == nil || mailbox.IsRetryable(err) {
			t.Errorf("%s: want a permanent error, got %v", name, err)
		}
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("server received %d mails", n)
	}
}

// failingReader yields some bytes, then fails.
type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n > 0 {
		k := min(len(p), f.n)
		for i := range p[:k] {
			p[i] = 'x'
		}
		f.n -= k
		return k, nil
	}
	return 0, errors.New("disk read error at block 7")
}

func TestSendAttachmentReadFailureAbortsCleanly(t *testing.T) {
	srv := mailtest.StartSMTP(t, mailtest.SMTPOptions{})
	msg := testOutgoing()
	msg.Attachments = []mailbox.Attachment{{Name: "gross.bin", Open: func() (io.ReadCloser, error) {
		return io.NopCloser(&failingReader{n: 200 << 10}), nil
	}}}
	_, err := mailbox.Send(context.Background(), smtpEndpoint(srv), mailbox.Auth{}, msg)
	if err == nil || !strings.Contains(err.Error(), "disk read error") || !strings.Contains(err.Error(), "gross.bin") {
		t.Fatalf("want the attachment's read error, got %v", err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("a truncated mail was accepted (%d)", n)
	}
	// the server is still usable
	if _, err := mailbox.Send(context.Background(), smtpEndpoint(srv), mailbox.Auth{}, testOutgoing()); err != nil {
		t.Fatal(err)
	}
}

func TestSendStreamsLargeAttachment(t *testing.T) {
	srv := mailtest.StartSMTP(t, mailtest.SMTPOptions{Security: "tls"})
	const size = 2 << 20
	msg := testOutgoing()
	msg.Attachments = []mailbox.Attachment{{Name: "scan.tif", Open: func() (io.ReadCloser, error) {
		return io.NopCloser(io.LimitReader(zeros{}, size)), nil
	}}}
	if _, err := mailbox.Send(context.Background(), smtpEndpoint(srv), mailbox.Auth{}, msg); err != nil {
		t.Fatal(err)
	}
	got := srv.Messages()
	if len(got) != 1 {
		t.Fatalf("received %d", len(got))
	}
	if n := len(parseReceived(t, got[0].Data).attachments["scan.tif"]); n != size {
		t.Errorf("attachment arrived with %d bytes, want %d", n, size)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestCheckSMTP(t *testing.T) {
	srv := mailtest.StartSMTP(t, mailtest.SMTPOptions{Security: "starttls", Users: smtpUsers})
	ep := smtpEndpoint(srv)

	checks := mailbox.CheckSMTP(context.Background(), ep, mailbox.Auth{Username: "vertrieb@example.com", Password: smtpPassword})
	var names []string
	for _, c := range checks {
		names = append(names, c.Name)
		if !c.OK {
			t.Errorf("%s failed: %s", c.Name, c.Detail)
		}
	}
	if strings.Join(names, ",") != "connect,EHLO,STARTTLS,AUTH" {
		t.Fatalf("check lines %v", checks)
	}
	if d := checks[3].Detail; !strings.Contains(d, "PLAIN") || !strings.Contains(d, "logged in as vertrieb@example.com") {
		t.Errorf("AUTH detail %q", d)
	}
	if d := checks[2].Detail; !strings.Contains(d, "TLS 1.") {
		t.Errorf("STARTTLS detail %q", d)
	}

	bad := mailbox.CheckSMTP(context.Background(), ep, mailbox.Auth{Username: "vertrieb@example.com", Password: "falsch-" + smtpPassword})
	last := bad[len(bad)-1]
	if last.Name != "AUTH" || last.OK || !strings.Contains(last.Detail, "535") {
		t.Errorf("bad password: last line %+v", last)
	}
	for _, c := range bad {
		if strings.Contains(c.Detail, smtpPassword) {
			t.Errorf("line %s shows the password", c.Name)
		}
	}

	noCA := ep
	noCA.CAFile = ""
	lines := mailbox.CheckSMTP(context.Background(), noCA, mailbox.Auth{})
	if l := lines[len(lines)-1]; l.Name != "STARTTLS" || l.OK {
		t.Errorf("unknown CA: last line %+v", l)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("CheckSMTP sent %d mails", n)
	}
}

func TestSendStopsWhenContextEnds(t *testing.T) {
	// A server that accepts the connection but never greets.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		c, err := ln.Accept()
		if err == nil {
			defer c.Close()
		}
		cancel()
		<-ctx.Done()
	}()
	_, err = mailbox.Send(ctx, mailbox.Endpoint{Addr: ln.Addr().String(), Timeout: time.Minute}, mailbox.Auth{}, testOutgoing())
	if !errors.Is(err, context.Canceled) || mailbox.IsRetryable(err) {
		t.Fatalf("want the cancellation, got %v", err)
	}
}

func BenchmarkSendAttachment(b *testing.B) {
	srv := mailtest.StartSMTP(b, mailtest.SMTPOptions{DiscardData: true})
	const size = 4 << 20
	msg := testOutgoing()
	msg.Attachments = []mailbox.Attachment{{Name: "scan.tif", Open: func() (io.ReadCloser, error) {
		return io.NopCloser(io.LimitReader(zeros{}, size)), nil
	}}}
	b.ReportAllocs()
	b.SetBytes(size)
	for b.Loop() {
		if _, err := mailbox.Send(context.Background(), smtpEndpoint(srv), mailbox.Auth{}, msg); err != nil {
			b.Fatal(err)
		}
	}
}

func TestSendRefusesCredentialsInClearText(t *testing.T) {
	// 192.0.2.1 (TEST-NET-1) is never dialled: the refusal comes first.
	for _, auth := range []mailbox.Auth{
		{Username: "vertrieb@example.com", Password: smtpPassword},
		{Username: "vertrieb@example.com", Token: "at-secret-token"},
	} {
		_, err := mailbox.Send(context.Background(), mailbox.Endpoint{Addr: "192.0.2.1:25", Security: mailbox.SecurityNone}, auth, testOutgoing())
		if err == nil || !strings.Contains(err.Error(), "unencrypted") || mailbox.IsRetryable(err) {
			t.Errorf("want a permanent refusal, got %v", err)
		}
		if err != nil && (strings.Contains(err.Error(), smtpPassword) || strings.Contains(err.Error(), "at-secret-token")) {
			t.Errorf("error shows a secret: %v", err)
		}
	}
}
