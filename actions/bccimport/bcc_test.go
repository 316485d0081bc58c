package bccimport_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/wfehq/wfe/actions/bccimport"
	"github.com/wfehq/wfe/actions/mailimport"
	"github.com/wfehq/wfe/conditions"
	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/schema"
	"github.com/wfehq/wfe/store"
)

func TestShippedWorkflowImportsBCCFixtures(t *testing.T) {
	e := newEnv(t)
	e.appendTo(collector,
		fixture(t, "20-bcc-customer.eml"),
		fixture(t, "21-bcc-multi-partner.eml"),
		fixture(t, "22-bcc-html.eml"),
		fixture(t, "23-ticket-subject.eml"), // sent by a customer: no employee
		fixture(t, "24-internal-only.eml"),
	)
	rec := e.run(e.program(), false)
	if rec.Status != engine.StatusOK {
		t.Fatalf("run status %s: %s", rec.Status, rec.Error)
	}

	a := e.activity("bcc-0016@firma.example")
	if a.Type != store.TypeMailOut || a.Status != store.StatusDone {
		t.Errorf("type/status = %s/%s, want MAILAUS/E", a.Type, a.Status)
	}
	if got := ids(a.Contacts); !slices.Equal(got, []int64{e.mueller.ID, e.schmidt.ID}) {
		t.Errorf("contacts = %v, want Müller %d and Schmidt %d", got, e.mueller.ID, e.schmidt.ID)
	}
	if a.Unassigned {
		t.Error("linked activity marked unassigned")
	}
	if a.DelegatedTo == nil || *a.DelegatedTo != e.bot.ID || a.DelegatedBy == nil || *a.DelegatedBy != e.bot.ID || a.CreatedBy == nil || *a.CreatedBy != e.bot.ID {
		t.Errorf("delegation to/by/creator = %v/%v/%v, want the run-as user %d", a.DelegatedTo, a.DelegatedBy, a.CreatedBy, e.bot.ID)
	}
	if a.ImportFolder != store.DefaultImportFolder {
		t.Errorf("import folder %q", a.ImportFolder)
	}
	for _, want := range []string{
		"sender anna.schmidt@firma.example: employee anna",
		"linked j.mueller@kunde-mueller.example: contact " + itoa(e.mueller.ID) + " (Jürgen Müller) of partner Müller GmbH (Kunde)",
		"linked p.schmidt@lieferant-schmidt.example: contact " + itoa(e.schmidt.ID) + " (Petra Schmidt) of partner Schmidt Zulieferung (Lieferant)",
	} {
		if !hasLine(a.MatchExplanation, want) {
			t.Errorf("explanation lacks %q:\n%s", want, strings.Join(a.MatchExplanation, "\n"))
		}
	}

	multi := e.activity("bcc-0017@firma.example")
	if got := ids(multi.Contacts); !slices.Equal(got, []int64{e.mueller.ID, e.meier.ID, e.schmidt.ID}) {
		t.Errorf("multi-partner contacts = %v", got)
	}
	if len(multi.PartnerIDs) != 3 {
		t.Errorf("multi-partner partners = %v, want 3", multi.PartnerIDs)
	}
	if !hasLine(multi.MatchExplanation, "not linked thomas.weber@firma.example: internal address") {
		t.Errorf("explanation lacks the internal Cc:\n%s", strings.Join(multi.MatchExplanation, "\n"))
	}
	var names []string
	for _, d := range multi.Documents {
		names = append(names, d.Name)
	}
	if !slices.Contains(names, "aufgaben.csv") || len(names) != 2 {
		t.Errorf("documents = %v, want aufgaben.csv and the .eml", names)
	}

	html := e.activity("bcc-0018@firma.example")
	if got := ids(html.Contacts); !slices.Equal(got, []int64{e.meier.ID}) || !hasLine(html.MatchExplanation, "employee thomas") {
		t.Errorf("mail of thomas: contacts %v, explanation %v", got, html.MatchExplanation)
	}

	if q := e.ledgerOutcome("ticket-0019@kunde-meier.example"); q.Outcome != store.OutcomeQuarantined || q.Error != "sender k.meier@kunde-meier.example is no employee" {
		t.Errorf("customer's mail: %s %q, want quarantined as no employee", q.Outcome, q.Error)
	}
	if s := e.ledgerOutcome("internal-0020@firma.example"); s.Outcome != "skipped" || !strings.HasPrefix(s.Error, "skipped: internal domain") {
		t.Errorf("internal mail: %s %q, want skipped: internal domain", s.Outcome, s.Error)
	}
	if n := e.countActivities(); n != 3 {
		t.Errorf("%d activities, want 3", n)
	}
	if n := len(e.mail.Folder(t, collector, "INBOX")); n != 0 {
		t.Errorf("%d mails left in the inbox", n)
	}
	if n := len(e.mail.Folder(t, collector, store.DefaultErrorFolder)); n != 1 {
		t.Errorf("%d mails in the error folder, want 1", n)
	}
	if n := len(e.mail.Folder(t, collector, store.DefaultImportFolder)); n != 4 {
		t.Errorf("%d mails in the import folder, want 4 (3 imported, 1 skipped)", n)
	}
	if !hasLine(rec.Log, "sender k.meier@kunde-meier.example is no employee") || !hasLine(rec.Log, "skipped: internal domain") {
		t.Errorf("run log does not explain the quarantined and skipped mails:\n%s", strings.Join(rec.Log, "\n"))
	}
}

func itoa(n int64) string { return strings.TrimSpace(engine.FormatValue(n)) }

// docs/REQUIREMENTS.md R15: the same address on a customer's and a supplier's contact;
// the supplier mailbox's workflow checks `"Lieferant" in partner.roles`.
func TestExtendedSearchLinksOnlySupplier(t *testing.T) {
	e := newEnv(t)
	both := "einkauf@schmidt-gruppe.example"
	asCustomer := e.contact("Schmidt Gruppe (Kunde)", "Kunde", "Eva", "Einkauf", both)
	asSupplier := e.contact("Schmidt Gruppe (Lieferant)", "Lieferant", "Eva", "Einkauf", strings.ToUpper(both))
	if err := e.st.SaveExtendedSearch(e.ctx, &store.ExtendedSearch{PK: supplierPK, Expr: `"Lieferant" in partner.roles`}); err != nil {
		t.Fatal(err)
	}
	e.appendTo(collector, bccMail("anna.schmidt@firma.example", both, "", "Bestellung", "order-1@firma.example", ""))

	// without the check both contacts are linked (dry run: nothing changes)
	rec := e.run(e.program(), true)
	if !hasLine(rec.Log, "linked "+both+": contact "+itoa(asCustomer.ID)) || !hasLine(rec.Log, "linked "+both+": contact "+itoa(asSupplier.ID)) {
		t.Fatalf("dry run without the check should link both:\n%s", strings.Join(rec.Log, "\n"))
	}
	if e.countActivities() != 0 {
		t.Fatal("dry run created an activity")
	}

	p := e.program(`<Parameter Name="SearchPk" DataType="java.lang.String" Value=""/>`,
		`<Parameter Name="SearchPk" DataType="java.lang.String" Value="`+supplierPK+`"/>`)
	e.run(p, false)
	a := e.activity("order-1@firma.example")
	if got := ids(a.Contacts); !slices.Equal(got, []int64{asSupplier.ID}) {
		t.Fatalf("contacts = %v, want only the supplier's %d", got, asSupplier.ID)
	}
	if !slices.Equal(a.PartnerIDs, []int64{asSupplier.PartnerID}) {
		t.Errorf("partners = %v, want %d", a.PartnerIDs, asSupplier.PartnerID)
	}
	wantOut := "not linked " + both + ": contact " + itoa(asCustomer.ID) + " (Eva Einkauf) of partner Schmidt Gruppe (Kunde) (Kunde) excluded by ExtendedSearch " + supplierPK
	wantIn := "linked " + both + ": contact " + itoa(asSupplier.ID) + " (Eva Einkauf) of partner Schmidt Gruppe (Lieferant) (Lieferant), accepted by ExtendedSearch " + supplierPK
	if !hasLine(a.MatchExplanation, wantOut) || !hasLine(a.MatchExplanation, wantIn) {
		t.Errorf("explanation:\n%s\nwant lines\n%s\n%s", strings.Join(a.MatchExplanation, "\n"), wantOut, wantIn)
	}
}

func TestUnknownSearchPkIsACompileError(t *testing.T) {
	e := newEnv(t)
	data := strings.Replace(string(shipped(t)), `Name="SearchPk" DataType="java.lang.String" Value=""`,
		`Name="SearchPk" DataType="java.lang.String" Value="nosuchsearch"`, 1)
	_, err := engine.CompileBytes("custom.xml", []byte(data), e.registry())
	var ds schema.Diagnostics
	if !errors.As(err, &ds) || len(ds) != 1 {
		t.Fatalf("want one diagnostic, got %v", err)
	}
	if ds[0].Code != engine.CodeBadLiteral || !strings.Contains(ds[0].Message, `unknown ExtendedSearch "nosuchsearch"`) || ds[0].Line == 0 {
		t.Errorf("diagnostic = %+v", ds[0])
	}

	// without a store (listing, validating files) it compiles; the run
	// then says what is wrong
	noStore := engine.NewRegistry()
	conditions.Register(noStore)
	mailimport.Register(noStore, mailimport.Deps{})
	bccimport.Register(noStore, mailimport.Deps{})
	if _, err := engine.CompileBytes("custom.xml", []byte(data), noStore); err != nil {
		t.Fatalf("without a store: %v", err)
	}
}

func TestUnassignedMailStillBecomesActivity(t *testing.T) {
	e := newEnv(t)
	e.appendTo(collector, bccMail("anna.schmidt@firma.example", "Neu Kunde <neu@unbekannt.example>", "", "Erstkontakt", "first-1@firma.example", ""))
	e.run(e.program(), false)
	a := e.activity("first-1@firma.example")
	if !a.Unassigned || len(a.Contacts) != 0 {
		t.Fatalf("unassigned=%v contacts=%v", a.Unassigned, a.Contacts)
	}
	for _, want := range []string{"not linked neu@unbekannt.example: no contact", "unassigned: no recipient is linked to a contact"} {
		if !hasLine(a.MatchExplanation, want) {
			t.Errorf("explanation lacks %q: %v", want, a.MatchExplanation)
		}
	}
}

func TestEnvelopeRecipientOfAnotherCollectorIsSkipped(t *testing.T) {
	e := newEnv(t)
	e.appendTo(collector,
		bccMail("anna.schmidt@firma.example", "k.meier@kunde-meier.example", "", "Ours", "ours@firma.example", "BCC-Import@firma.example"),
		bccMail("anna.schmidt@firma.example", "k.meier@kunde-meier.example", "", "Theirs", "theirs@firma.example", "bcc-open@firma.example"),
		bccMail("anna.schmidt@firma.example", "k.meier@kunde-meier.example", "", "No envelope", "noenv@firma.example", ""),
	)
	p := e.program(`<ValueMapping Name="SearchPk">`,
		`<ValueMapping Name="CollectorAddresses"><Parameter Name="CollectorAddresses" DataType="java.lang.String" Value="bcc-import@firma.example"/></ValueMapping>
<ValueMapping Name="SearchPk">`)
	e.run(p, false)
	e.activity("ours@firma.example")
	e.activity("noenv@firma.example")
	s := e.ledgerOutcome("theirs@firma.example")
	if s.Outcome != "skipped" || s.Error != "skipped: envelope recipient bcc-open@firma.example is not this collector (bcc-import@firma.example)" {
		t.Errorf("mail for the other collector: %s %q", s.Outcome, s.Error)
	}
}

func TestRunAsPreferences(t *testing.T) {
	e := newEnv(t)
	e.bot.ImportInternalMails = true
	e.bot.UseImportFolder, e.bot.ImportFolder = true, "CRM/BCC"
	if err := e.st.UpdateEmployee(e.ctx, e.bot); err != nil {
		t.Fatal(err)
	}
	e.appendTo(collector, fixture(t, "24-internal-only.eml"), fixture(t, "20-bcc-customer.eml"))
	e.run(e.program(), false)
	in := e.activity("internal-0020@firma.example")
	if !in.Unassigned || in.ImportFolder != "CRM/BCC" {
		t.Errorf("internal mail: unassigned=%v folder=%q", in.Unassigned, in.ImportFolder)
	}
	if n := len(e.mail.Folder(t, collector, "CRM/BCC")); n != 2 {
		t.Errorf("%d mails in the employee's import folder, want 2", n)
	}
}

func TestDryRunChangesNothing(t *testing.T) {
	e := newEnv(t)
	e.appendTo(collector, fixture(t, "20-bcc-customer.eml"), fixture(t, "23-ticket-subject.eml"), fixture(t, "24-internal-only.eml"))
	rec := e.run(e.program(), true)
	for _, want := range []string{
		"would import UID 1 \"Terminbestätigung Aufbau\" from anna.schmidt@firma.example as MAILAUS/E",
		"linked j.mueller@kunde-mueller.example: contact",
		"would quarantine UID 2: sender k.meier@kunde-meier.example is no employee",
		"would skip UID 3 \"Urlaubsvertretung\": skipped: internal domain",
	} {
		if !hasLine(rec.Log, want) {
			t.Errorf("dry run log lacks %q:\n%s", want, strings.Join(rec.Log, "\n"))
		}
	}
	if e.countActivities() != 0 {
		t.Error("dry run created activities")
	}
	if l, _ := e.st.ListLedger(e.ctx, 0, "", 0); len(l) != 0 {
		t.Errorf("dry run wrote %d ledger rows", len(l))
	}
	inbox := e.mail.Folder(t, collector, "INBOX")
	if len(inbox) != 3 {
		t.Fatalf("%d mails in the inbox, want 3", len(inbox))
	}
	for _, m := range inbox {
		if m.Seen() {
			t.Errorf("UID %d was flagged \\Seen by a dry run", m.UID)
		}
	}
}

// docs/REQUIREMENTS.md R14: one mailbox for done and one for open activities: two
// configurations, two workflows derived from WKF_ImportMailsByBCC.
func TestTwoMailboxVariant(t *testing.T) {
	e := newEnv(t)
	done := e.addConfig("BCCDONE", collector, e.srv.Addr, e.srv.Security, e.srv.CAFile)
	open := e.addConfig("BCCOPEN", collector2, e.srv.Addr, e.srv.Security, e.srv.CAFile)
	_, _ = done, open
	pDone := e.program(`WorkFlowID="WKF_ImportMailsByBCC"`, `WorkFlowID="WKF_ImportMailsByBCC_Done"`,
		`Value="BCCIMPORTER"`, `Value="BCCDONE"`)
	pOpen := e.program(`WorkFlowID="WKF_ImportMailsByBCC"`, `WorkFlowID="WKF_ImportMailsByBCC_Open"`,
		`Value="BCCIMPORTER"`, `Value="BCCOPEN"`, "S_ACTSTATUS-E", "S_ACTSTATUS-O")
	e.appendTo(collector, bccMail("anna.schmidt@firma.example", "k.meier@kunde-meier.example", "", "Erledigt", "done-1@firma.example", ""))
	e.appendTo(collector2, bccMail("anna.schmidt@firma.example", "k.meier@kunde-meier.example", "", "Offen", "open-1@firma.example", ""))
	e.run(pDone, false)
	e.run(pOpen, false)
	if a := e.activity("done-1@firma.example"); a.Status != store.StatusDone || *a.MailConfigID != done.ID {
		t.Errorf("done mailbox: status %s config %d", a.Status, *a.MailConfigID)
	}
	if a := e.activity("open-1@firma.example"); a.Status != store.StatusOpen || *a.MailConfigID != open.ID {
		t.Errorf("open mailbox: status %s config %d", a.Status, *a.MailConfigID)
	}
}
