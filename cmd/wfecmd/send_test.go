package wfecmd

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/wfehq/wfe/mailbox/mailtest"
	"github.com/wfehq/wfe/store"
)

func TestSendCommandAndFaxSettings(t *testing.T) {
	c := newStoreCLI(t)
	srv := mailtest.StartSMTP(t, mailtest.SMTPOptions{Security: "tls", Users: map[string]string{"vertrieb@firma.example": testPassword}})
	c.env["PW"] = testPassword
	c.ok("settings", "set", "internal-domains", "firma.example")
	c.ok("mailconfig", "set", "OUT", "--user", "vertrieb@firma.example", "--password-env", "PW", "--smtp", srv.Addr,
		"--smtp-security", "tls", "--smtp-auth", "--ca-file", srv.CAFile, "--display-name", "Firma Vertrieb")

	// the fax address must contain ${fax}; a refused value keeps the old one
	c.ok("settings", "set", "fax-activity-type", "FAX")
	c.ok("settings", "set", "fax-address", "${fax}@fax.firma.example")
	_, errs, code := c.run("settings", "set", "fax-address", "fax@fax.firma.example")
	if code != 1 || !strings.Contains(errs, "must contain the placeholder ${fax}") {
		t.Fatalf("fax address without placeholder: exit %d: %s", code, errs)
	}
	var set store.Settings
	if err := json.Unmarshal([]byte(c.ok("settings", "list", "--json")), &set); err != nil || set.FaxAddress != "${fax}@fax.firma.example" {
		t.Fatalf("settings after refusal: %v %+v", err, set)
	}

	s := c.store()
	ctx := context.Background()
	p := &store.BusinessPartner{Name: "Kunde GmbH", Fax: "+49 30 9999"}
	must(t, s.CreatePartner(ctx, p))
	k := &store.Contact{PartnerID: p.ID, FirstName: "Max", LastName: "Muster", Email: "max@kunde.example"}
	must(t, s.CreateContact(ctx, k))
	mail := &store.Activity{Type: store.TypeMailOut, Subject: "Angebot", Text: "Hallo", To: store.StringList{"max@kunde.example"}}
	must(t, s.CreateActivity(ctx, mail))
	fax := &store.Activity{Type: "FAX", Subject: "Auftrag", Text: "not sent", ContactIDs: []int64{k.ID}}
	must(t, s.CreateActivity(ctx, fax))
	// a fax whose contact and partner have no number
	q := &store.BusinessPartner{Name: "Ohne Fax KG"}
	must(t, s.CreatePartner(ctx, q))
	kq := &store.Contact{PartnerID: q.ID, FirstName: "Eva", LastName: "Ohnefax", Email: "eva@ohnefax.example"}
	must(t, s.CreateContact(ctx, kq))
	nofax := &store.Activity{Type: "FAX", Subject: "Ohne Nummer", ContactIDs: []int64{kq.ID}}
	must(t, s.CreateActivity(ctx, nofax))

	out := c.ok("send", fmt.Sprint(mail.ID), "--config", "OUT")
	id := strings.TrimSpace(out)
	if !strings.Contains(id, "@firma.example") || len(srv.Messages()) != 1 {
		t.Fatalf("send printed %q, server has %d mails", out, len(srv.Messages()))
	}
	got, err := s.GetActivity(ctx, mail.ID)
	must(t, err)
	if got.GlobalID != id || !got.GroupwareLock {
		t.Fatalf("activity after send: global id %q lock %v", got.GlobalID, got.GroupwareLock)
	}

	out = c.ok("send", fmt.Sprint(fax.ID), "--config", "OUT", "--json")
	var res struct {
		To        []string `json:"to"`
		Cc        []string `json:"cc"`
		Fax       bool     `json:"fax"`
		FaxSource string   `json:"fax_source"`
		MessageID string   `json:"message_id"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if !res.Fax || len(res.To) != 1 || res.To[0] != "+49309999@fax.firma.example" || len(res.Cc) != 0 || !strings.Contains(res.FaxSource, "Kunde GmbH") {
		t.Fatalf("fax result %+v", res)
	}
	if m := srv.Messages(); len(m) != 2 || strings.Contains(string(m[1].Data), "not sent") {
		t.Fatalf("fax mail: %d mails; the text must stay out", len(m))
	}

	// usage and user errors
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"send"}, 2, "exactly one ACTIVITY_ID"},
		{[]string{"send", "x1"}, 2, "not an activity id"},
		{[]string{"send", "999", "--config", "OUT"}, 1, "activity 999"},
		{[]string{"send", fmt.Sprint(mail.ID)}, 1, "name one"},
		{[]string{"send", fmt.Sprint(mail.ID), "--config", "NOPE"}, 1, `"NOPE"`},
		{[]string{"send", fmt.Sprint(mail.ID), "--config", "OUT", "--as", "ghost"}, 1, "ghost"},
		{[]string{"send", fmt.Sprint(nofax.ID), "--config", "OUT"}, 1, "give the number with --fax-number NUMBER"},
	} {
		out, errs, code := c.run(tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.want) {
			t.Errorf("wfe %s: exit %d (want %d), stderr %q lacks %q (stdout %q)", strings.Join(tc.args, " "), code, tc.code, errs, tc.want, out)
		}
	}
	if all := c.ok("mailconfig", "list", "--json") + c.ok("activity", "list", "--json") + out; strings.Contains(all, testPassword) {
		t.Fatal("JSON output holds the SMTP password")
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
