package sendmail_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/wfehq/wfe/actions/sendmail"
	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/mailbox/mailtest"
	"github.com/wfehq/wfe/store"
)

const faxType = "FAX"

func faxFixture(t *testing.T) *fixture {
	f := newFixture(t, mailtest.SMTPOptions{})
	must(t, f.st.SetSetting(f.ctx, "fax-activity-type", faxType))
	must(t, f.st.SetSetting(f.ctx, "fax-address", "${fax}@fax.firma.example"))
	return f
}

func TestFaxToContactNumber(t *testing.T) {
	f := faxFixture(t)
	a := f.activity(faxType, []string{customer}, []string{colleague})
	rec, err := f.run(a.ID)
	if err != nil {
		t.Fatalf("%v\n%q", err, rec.Log)
	}
	m := f.srv.Messages()
	if len(m) != 1 || strings.Join(m[0].To, ",") != "+49301234567@fax.firma.example" {
		t.Fatalf("envelope recipients %v, want only the fax server with the contact's number", m[0].To)
	}
	p := parse(t, m[0].Data)
	if cc := p.header.Get("Cc"); cc != "" {
		t.Fatalf("fax has Cc %q", cc)
	}
	if strings.TrimSpace(p.text) != "" || p.html != "" {
		t.Fatalf("fax text %q html %q, want empty", p.text, p.html)
	}
	if subj, _ := p.header.Subject(); subj != "Angebot Nr. 4711 – Übersicht" {
		t.Fatalf("subject %q", subj)
	}
	if p.attachments["Angebot 4711.pdf"] != attachBody {
		t.Fatalf("attachments %q", p.attachments)
	}
	if !strings.Contains(strings.Join(rec.Log, "\n"), "contact Max Muster") {
		t.Fatalf("log does not say whose number: %q", rec.Log)
	}
}

func TestFaxPartnerFallbackAndMissingNumber(t *testing.T) {
	f := faxFixture(t)
	f.contact.Fax = ""
	must(t, f.st.UpdateContact(f.ctx, f.contact))
	a := f.activity(faxType, nil, nil)
	res, err := sendmail.Send(f.ctx, f.deps, sendmail.Request{ActivityID: a.ID, MatchCode: "OUT", RunAs: f.emp})
	must(t, err)
	if strings.Join(res.To, ",") != "+493099990@fax.firma.example" || !strings.Contains(res.FaxSource, "Kunde GmbH") {
		t.Fatalf("partner fallback: to %v source %q", res.To, res.FaxSource)
	}

	f.partner.Fax = ""
	must(t, f.st.UpdatePartner(f.ctx, f.partner))
	b := f.activity(faxType, nil, nil)
	_, err = sendmail.Send(f.ctx, f.deps, sendmail.Request{ActivityID: b.ID, MatchCode: "OUT", RunAs: f.emp})
	if !errors.Is(err, sendmail.ErrNoFaxNumber) || engine.ClassOf(err) != engine.ClassPermanent {
		t.Fatalf("no number: %v", err)
	}
	for _, want := range []string{"contact Max Muster", "business partner Kunde GmbH", "${fax}"} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("error %q does not name %q", err, want)
		}
	}
	// the user types the number in place of the placeholder
	res, err = sendmail.Send(f.ctx, f.deps, sendmail.Request{ActivityID: b.ID, MatchCode: "OUT", RunAs: f.emp, FaxNumber: "030 / 555 12"})
	must(t, err)
	if res.To[0] != "03055512@fax.firma.example" {
		t.Fatalf("typed number: %v", res.To)
	}

	// an activity with only a partner link uses the partner's number
	f.partner.Fax = "+1 555 0100"
	must(t, f.st.UpdatePartner(f.ctx, f.partner))
	c := &store.Activity{Type: faxType, Subject: "Preisliste", PartnerIDs: []int64{f.partner.ID}}
	must(t, f.st.CreateActivity(f.ctx, c))
	res, err = sendmail.Send(f.ctx, f.deps, sendmail.Request{ActivityID: c.ID, MatchCode: "OUT", RunAs: f.emp})
	must(t, err)
	if res.To[0] != "+15550100@fax.firma.example" {
		t.Fatalf("partner only: %v", res.To)
	}
}

func TestFaxAddressSettingValidation(t *testing.T) {
	f := faxFixture(t)
	err := f.st.SetSetting(f.ctx, "fax-address", "fax@fax.firma.example")
	if !errors.Is(err, store.ErrInvalid) || !strings.Contains(err.Error(), "must contain the placeholder ${fax}") {
		t.Fatalf("address without ${fax}: %v", err)
	}
	set, err := f.st.Settings(f.ctx)
	must(t, err)
	if set.FaxAddress != "${fax}@fax.firma.example" {
		t.Fatalf("old value not kept: %q", set.FaxAddress)
	}
}

func TestNormalizeFaxNumber(t *testing.T) {
	for in, want := range map[string]string{
		"+49 (30) 123 45-67": "+49301234567",
		" 030/555-12 ":       "03055512",
		"0049 30 1":          "0049301",
		"Fax: +1 555":        "1555", // the plus is not leading
		"none":               "",
		"+":                  "",
	} {
		if got := sendmail.NormalizeFaxNumber(in); got != want {
			t.Errorf("NormalizeFaxNumber(%q) = %q, want %q", in, got, want)
		}
	}
}
