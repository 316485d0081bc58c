package plan

import "testing"

// TestRecordsOnOneSide: CRM records in the filter go to the groupware;
// groupware-only contacts wait for a manual import unless the groupware
// is master and a business partner is found.
func TestRecordsOnOneSide(t *testing.T) {
	acme := gwRecord("g1", "", fields("name", "Bob", FieldCompany, "ACME"))
	twins := gwRecord("g1", "", fields("name", "Bob", FieldCompany, "Twins"))
	unknown := gwRecord("g1", "", fields("name", "Bob", FieldCompany, "Nobody"))
	noCompany := gwRecord("g1", "", fields("name", "Bob"))
	tests := []struct {
		name    string
		crm     []Record
		gw      []Record
		opt     Options
		imports map[string]string
		kind    Kind
		partner string
		reason  string
	}{
		{name: "new in the CRM is created in the groupware", crm: []Record{crmRecord("c1", fields("name", "Ada"))}, kind: CreateInGroupware},
		{name: "new in the CRM with --no-create is skipped", crm: []Record{crmRecord("c1", fields("name", "Ada"))},
			opt: Options{ToGroupware: Direction{NoCreate: true}}, kind: Skip, reason: "creating in the groupware is off"},
		{name: "crm master: groupware-only waits", gw: []Record{acme}, kind: OnlyInGroupware, reason: "the CRM is the master"},
		{name: "crm master: a manual import creates it", gw: []Record{acme}, imports: map[string]string{"g1": "p9"},
			kind: CreateInCRM, partner: "p9", reason: "imported by hand"},
		{name: "groupware master: the partner named as the company", gw: []Record{acme}, opt: Options{Master: Groupware},
			kind: CreateInCRM, partner: "partner-acme", reason: `named "ACME"`},
		{name: "groupware master: no such partner, default partner", gw: []Record{unknown},
			opt: Options{Master: Groupware, DefaultPartner: "p-default"}, kind: CreateInCRM, partner: "p-default",
			reason: `no business partner is named "Nobody"`},
		{name: "groupware master: two partners of that name, default partner", gw: []Record{twins},
			opt: Options{Master: Groupware, DefaultPartner: "p-default"}, kind: CreateInCRM, partner: "p-default",
			reason: `2 business partners are named "Twins"`},
		{name: "groupware master: no company, no default: waits", gw: []Record{noCompany}, opt: Options{Master: Groupware},
			kind: OnlyInGroupware, reason: "names no company and the rule has no default partner"},
		{name: "groupware master: unknown company, no default: waits", gw: []Record{unknown}, opt: Options{Master: Groupware},
			kind: OnlyInGroupware, reason: "waits for a manual import"},
		{name: "groupware master with --no-create towards the CRM: waits", gw: []Record{acme},
			opt: Options{Master: Groupware, ToCRM: Direction{NoCreate: true}}, kind: OnlyInGroupware, reason: "creating in the CRM is off"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := compute(t, Input{Options: tc.opt, CRM: complete(tc.crm...), Groupware: complete(tc.gw...),
				Partners: testPartners, Imports: tc.imports})
			op := single(t, p)
			if op.Kind != tc.kind || op.PartnerID != tc.partner {
				t.Fatalf("got %s under partner %q, want %s under %q", op, op.PartnerID, tc.kind, tc.partner)
			}
			checkReason(t, op, tc.reason)
			checkCreateCopiesRecord(t, op, tc.crm, tc.gw)
		})
	}
}

// checkCreateCopiesRecord: a create writes the whole record and stores
// its hashes as the synced state.
func checkCreateCopiesRecord(t *testing.T, op Operation, crm, gw []Record) {
	t.Helper()
	switch op.Kind {
	case CreateInGroupware:
		checkFields(t, "to groupware", op.ToGroupware, crm[0].Fields)
		if !sameHashes(op.Synced, HashFields(contacts, crm[0].Fields)) {
			t.Errorf("synced = %v", op.Synced)
		}
	case CreateInCRM:
		checkFields(t, "to crm", op.ToCRM, gw[0].Fields)
		if op.ETag != gw[0].ETag || !sameHashes(op.Synced, HashFields(contacts, gw[0].Fields)) {
			t.Errorf("ETag %q, synced = %v", op.ETag, op.Synced)
		}
	}
}

// TestOnlyTableFieldsAreSynced: fields the mapping does not name are
// neither compared nor written.
func TestOnlyTableFieldsAreSynced(t *testing.T) {
	crm := crmRecord("c1", fields("name", "Ada", "shoe size", "38"))
	p := compute(t, Input{CRM: complete(crm)})
	checkFields(t, "to groupware", single(t, p).ToGroupware, fields("name", "Ada"))

	gw := gwRecord("g1", "c1", fields("name", "Ada", "shoe size", "41"))
	p = compute(t, Input{CRM: complete(crm), Groupware: complete(gw), State: []Link{linked("c1", "g1", fields("name", "Ada"))}})
	if len(p.Operations) != 0 {
		t.Errorf("an unmapped field made a change:\n%s", describe(p))
	}
}

// TestOwnedRecordsFromTheGroupware: an item of an Owned table (a calendar
// event) only in the groupware is created in the CRM without a partner
// whatever the master; with --no-create towards the CRM it waits.
func TestOwnedRecordsFromTheGroupware(t *testing.T) {
	events := Table{Name: "appointments", Fields: []string{FieldSubject, FieldStart}, MatchKeys: AppointmentKeys(), Owned: true}
	ev := gwRecord("g1", "", fields(FieldSubject, "Jour fixe", FieldStart, "2026-10-25T10:00:00[Europe/Berlin]"))
	for _, master := range []Side{CRM, Groupware} {
		op := single(t, compute(t, Input{Table: events, Options: Options{Master: master}, Groupware: complete(ev)}))
		if op.Kind != CreateInCRM || op.PartnerID != "" || op.ToCRM[FieldSubject] != "Jour fixe" {
			t.Errorf("master %s: got %s under partner %q with %v, want a create in the CRM without partner", master, op, op.PartnerID, op.ToCRM)
		}
		checkReason(t, op, "account's owner")
	}
	op := single(t, compute(t, Input{Table: events, Options: Options{ToCRM: Direction{NoCreate: true}}, Groupware: complete(ev)}))
	if op.Kind != OnlyInGroupware {
		t.Errorf("--no-create towards the CRM: got %s, want only in groupware", op)
	}
}
