package plan

import (
	"reflect"
	"testing"
)

// TestFirstRunMatching: records already on both sides are matched by the
// table's keys in order and linked, never duplicated; a match that is
// not unique goes to the conflict queue.
func TestFirstRunMatching(t *testing.T) {
	ada := fields("name", "Ada", FieldEmail, "ada@example.com")
	tests := []struct {
		name      string
		crm, gw   []Record
		opt       Options
		kinds     []Kind
		matchedBy string
		toGW      Fields
		toCRM     Fields
	}{
		{name: "by the stored CRM id, whatever the e-mail",
			crm:   []Record{crmRecord("c1", ada)},
			gw:    []Record{gwRecord("g1", "c1", fields("name", "Ada", FieldEmail, "other@example.com"))},
			opt:   Options{Conflict: CRMWins},
			kinds: []Kind{LinkPair}, matchedBy: "crm id", toGW: fields(FieldEmail, "ada@example.com")},
		{name: "by e-mail, ignoring case and spaces",
			crm:   []Record{crmRecord("c1", ada)},
			gw:    []Record{gwRecord("g1", "", fields("name", "Ada", FieldEmail, " ADA@example.com", "phone", "5"))},
			opt:   Options{Conflict: CRMWins},
			kinds: []Kind{LinkPair}, matchedBy: "e-mail", toGW: fields(FieldEmail, "ada@example.com"), toCRM: fields("phone", "5")},
		{name: "the CRM id wins over a matching e-mail elsewhere",
			crm:   []Record{crmRecord("c1", ada), crmRecord("c2", fields("name", "Bob", FieldEmail, "bob@example.com"))},
			gw:    []Record{gwRecord("g1", "c2", fields("name", "Bob", FieldEmail, "ada@example.com"))},
			opt:   Options{Conflict: CRMWins},
			kinds: []Kind{LinkPair, CreateInGroupware}, matchedBy: "crm id", toGW: fields(FieldEmail, "bob@example.com")},
		{name: "ask: a matched pair with differing fields is linked and held",
			crm:   []Record{crmRecord("c1", ada)},
			gw:    []Record{gwRecord("g1", "", fields("name", "Ada Lovelace", FieldEmail, "ada@example.com"))},
			opt:   Options{Conflict: Ask},
			kinds: []Kind{Conflict}, matchedBy: "e-mail"},
		{name: "two CRM records share the e-mail: conflict, nothing created",
			crm:   []Record{crmRecord("c1", ada), crmRecord("c2", fields("name", "A. L.", FieldEmail, "ada@example.com"))},
			gw:    []Record{gwRecord("g1", "", ada)},
			kinds: []Kind{Conflict}},
		{name: "two groupware items share the e-mail: conflict, nothing imported",
			crm:   []Record{crmRecord("c1", ada)},
			gw:    []Record{gwRecord("g1", "", ada), gwRecord("g2", "", ada)},
			opt:   Options{Master: Groupware, DefaultPartner: "p1"},
			kinds: []Kind{Conflict}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := compute(t, Input{Options: tc.opt, CRM: complete(tc.crm...), Groupware: complete(tc.gw...)})
			if got := kinds(p); !reflect.DeepEqual(got, tc.kinds) {
				t.Fatalf("kinds = %v, want %v:\n%s", got, tc.kinds, describe(p))
			}
			op := p.Operations[0]
			if tc.matchedBy == "" {
				checkCandidates(t, op)
				return
			}
			if !op.NewLink {
				t.Errorf("%s does not link the pair", op)
			}
			checkReason(t, op, "found by "+tc.matchedBy)
			checkFields(t, "to groupware", op.ToGroupware, tc.toGW)
			checkFields(t, "to crm", op.ToCRM, tc.toCRM)
		})
	}
}

func checkCandidates(t *testing.T, op Operation) {
	t.Helper()
	if op.Conflict == nil || op.Conflict.Candidates == nil || op.NewLink {
		t.Fatalf("%s is not a conflict between candidates", op)
	}
	c := op.Conflict.Candidates
	if c.Key != "e-mail" || c.Value != "ada@example.com" || len(c.CRMIDs)+len(c.GroupwareIDs) != 3 {
		t.Errorf("candidates = %+v", c)
	}
	checkReason(t, op, "not unique")
}

// TestMatchedPairFillsEmptyFields: on a first match a field empty on one
// side is filled from the other, without a conflict.
func TestMatchedPairFillsEmptyFields(t *testing.T) {
	crm := crmRecord("c1", fields(FieldEmail, "ada@example.com", "name", "Ada"))
	gw := gwRecord("g1", "", fields(FieldEmail, "ada@example.com", "phone", "7"))
	op := single(t, compute(t, Input{Options: Options{Conflict: Ask}, CRM: complete(crm), Groupware: complete(gw)}))
	if op.Kind != LinkPair || op.Conflict != nil {
		t.Fatalf("got %s", op)
	}
	checkFields(t, "to groupware", op.ToGroupware, fields("name", "Ada"))
	checkFields(t, "to crm", op.ToCRM, fields("phone", "7"))
}

// TestExpiredTokenLinksByState: after an expired token the caller passes
// complete listings; linked records stay linked and unchanged ones cause
// nothing, so nothing is duplicated.
func TestExpiredTokenLinksByState(t *testing.T) {
	var state []Link
	var crm, gw []Record
	for _, id := range []string{"1", "2", "3", "4"} {
		f := fields("name", "N"+id, FieldEmail, "n"+id+"@example.com")
		state = append(state, linked("c"+id, "g"+id, f))
		crm = append(crm, crmRecord("c"+id, f))
		gw = append(gw, gwRecord("g"+id, "", f)) // an old sync stored no CRM id
	}
	gw = append(gw, gwRecord("g5", "", fields("name", "New")))
	p := compute(t, Input{CRM: complete(crm...), Groupware: complete(gw...), State: state})
	if got, want := kinds(p), []Kind{OnlyInGroupware}; !reflect.DeepEqual(got, want) {
		t.Fatalf("kinds = %v, want %v:\n%s", got, want, describe(p))
	}
}

// TestGroupwareItemOfAnUnseenRecord: an item carrying the CRM id of a
// record outside the filter is not offered for import; one whose record
// a listing of changes left out is asked for.
func TestGroupwareItemOfAnUnseenRecord(t *testing.T) {
	gw := gwRecord("g1", "c9", fields("name", "Hidden"))
	p := compute(t, Input{Options: Options{Master: Groupware, DefaultPartner: "p1"},
		CRM: Listing{OutOfScope: []string{"c9"}}, Groupware: complete(gw)})
	op := single(t, p)
	if op.Kind != Skip {
		t.Fatalf("got %s", op)
	}
	checkReason(t, op, "outside the rule's filter")

	p = compute(t, Input{Options: Options{Master: Groupware, DefaultPartner: "p1"}, Groupware: complete(gw)})
	checkNeeds(t, p, []Need{{Side: CRM, ID: "c9"}})
	if len(p.Operations) != 0 {
		t.Errorf("decided without the CRM record:\n%s", describe(p))
	}
}

// TestAppointmentKeys: appointments match by UID, then by subject and
// start together.
func TestAppointmentKeys(t *testing.T) {
	table := Table{Name: "appointments", Fields: []string{FieldSubject, FieldStart, FieldUID}, MatchKeys: AppointmentKeys()}
	crm := []Record{
		crmRecord("c1", fields(FieldSubject, "Review", FieldStart, "2026-12-05T10:00:00Z", FieldUID, "u-1")),
		crmRecord("c2", fields(FieldSubject, "Lunch", FieldStart, "2026-12-05T12:00:00Z")),
		crmRecord("c3", fields(FieldSubject, "Lunch", FieldStart, "2026-12-06T12:00:00Z")),
	}
	gw := []Record{
		gwRecord("g1", "", fields(FieldSubject, "Review (moved)", FieldStart, "2026-12-05T11:00:00Z", FieldUID, "u-1")),
		gwRecord("g2", "", fields(FieldSubject, "lunch", FieldStart, "2026-12-05T12:00:00Z", FieldUID, "u-2")),
	}
	p := compute(t, Input{Table: table, Options: Options{Conflict: CRMWins}, CRM: complete(crm...), Groupware: complete(gw...)})
	got := map[string]string{}
	for _, op := range p.Operations {
		got[op.CRMID] = op.Kind.String() + " " + op.GroupwareID
	}
	want := map[string]string{"c1": "link g1", "c2": "link g2", "c3": "create in groupware "}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v:\n%s", got, want, describe(p))
	}
}
