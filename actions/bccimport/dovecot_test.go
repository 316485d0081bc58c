package bccimport_test

import (
	"context"
	"slices"
	"testing"

	"github.com/wfehq/wfe/mailbox/mailtest"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/storetest"
)

// The BCC importer against a real IMAP server: Dovecot over IMAPS.
func TestBCCImportOnDovecot(t *testing.T) {
	d := mailtest.StartDovecot(t, mailtest.DovecotOptions{Users: map[string]string{collector: imapPass}})
	e := &env{t: t, ctx: context.Background(), st: storetest.Open(t), mail: d, partners: map[string]*store.BusinessPartner{}}
	e.setup()
	e.cfg = e.addConfig("BCCIMPORTER", collector, d.TLSAddr, "tls", d.CAFile)
	e.appendTo(collector, fixture(t, "21-bcc-multi-partner.eml"), fixture(t, "23-ticket-subject.eml"))
	e.run(e.program(), false)
	a := e.activity("bcc-0017@firma.example")
	if got := ids(a.Contacts); !slices.Equal(got, []int64{e.mueller.ID, e.meier.ID, e.schmidt.ID}) {
		t.Errorf("contacts = %v", got)
	}
	if q := e.ledgerOutcome("ticket-0019@kunde-meier.example"); q.Outcome != store.OutcomeQuarantined {
		t.Errorf("customer's mail: %s", q.Outcome)
	}
	if n := len(d.Folder(t, collector, "INBOX")); n != 0 {
		t.Errorf("%d mails left in the inbox", n)
	}
	if n := len(d.Folder(t, collector, store.DefaultImportFolder)); n != 1 {
		t.Errorf("%d mails in the import folder, want 1", n)
	}
}
