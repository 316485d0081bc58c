package plan

import (
	"testing"
	"time"
)

// TestThreeWayMerge: a linked contact is compared field by field against
// the last synced state.
func TestThreeWayMerge(t *testing.T) {
	base := fields("name", "Ada", FieldEmail, "ada@example.com", "phone", "1")
	tests := []struct {
		name         string
		crm, gw      Fields
		crmT, gwT    time.Time
		opt          Options
		decision     Side
		kind         Kind
		toGW, toCRM  Fields
		conflict     []string
		winner       Side
		reasonPieces []string
	}{
		{name: "nothing changed", crm: base, gw: base},
		{
			name: "changed in the CRM only", crm: fields("name", "Ada", FieldEmail, "ada@new.example", "phone", "1"), gw: base,
			kind: Update, toGW: fields(FieldEmail, "ada@new.example"), reasonPieces: []string{"changed in the crm: email"},
		},
		{
			name: "a field cleared in the groupware is cleared in the CRM", crm: base, gw: fields("name", "Ada", FieldEmail, "ada@example.com"),
			kind: Update, toCRM: fields("phone", ""),
		},
		{
			name: "different fields on both sides are both kept",
			crm:  fields("name", "Ada L.", FieldEmail, "ada@example.com", "phone", "1"),
			gw:   fields("name", "Ada", FieldEmail, "ada@example.com", "phone", "2"),
			kind: Update, toGW: fields("name", "Ada L."), toCRM: fields("phone", "2"),
		},
		{
			name: "the same change on both sides only moves the state",
			crm:  fields("name", "Ada", FieldEmail, "ada@example.com", "phone", "9"),
			gw:   fields("name", "Ada", FieldEmail, "ada@example.com", "phone", "9"),
			kind: Refresh,
		},
		{
			name: "a newer time alone is no change", crm: base, gw: base, crmT: t9, gwT: t10,
		},
		{
			name: "newest: the later groupware edit wins", crm: fields("name", "Ada", FieldEmail, "ada@example.com", "phone", "3"),
			gw: fields("name", "Ada", FieldEmail, "ada@example.com", "phone", "4"), crmT: t9, gwT: t10,
			kind: Update, toCRM: fields("phone", "4"), conflict: []string{"phone"}, winner: Groupware,
			reasonPieces: []string{"the groupware item is newer"},
		},
		{
			name: "newest: equal times leave it to the master", crm: fields("name", "Ada", FieldEmail, "ada@example.com", "phone", "3"),
			gw: fields("name", "Ada", FieldEmail, "ada@example.com", "phone", "4"), crmT: t10, gwT: t10,
			kind: Update, toGW: fields("phone", "3"), conflict: []string{"phone"}, winner: CRM,
			reasonPieces: []string{"same time", "the master (crm) wins"},
		},
		{
			name: "newest: a missing time leaves it to the master", crm: fields("name", "Ada", FieldEmail, "ada@example.com", "phone", "3"),
			gw: fields("name", "Ada", FieldEmail, "ada@example.com", "phone", "4"), gwT: t10, opt: Options{Master: Groupware},
			kind: Update, toCRM: fields("phone", "4"), conflict: []string{"phone"}, winner: Groupware,
			reasonPieces: []string{"the CRM record has no modification time", "the master (groupware) wins"},
		},
		{
			name: "crm wins whatever the times", crm: fields("name", "Ada", FieldEmail, "ada@example.com", "phone", "3"),
			gw: fields("name", "Ada", FieldEmail, "ada@example.com", "phone", "4"), crmT: t9, gwT: t10, opt: Options{Conflict: CRMWins},
			kind: Update, toGW: fields("phone", "3"), conflict: []string{"phone"}, winner: CRM,
		},
		{
			name: "groupware wins, the CRM's other change still goes out",
			crm:  fields("name", "Ada L.", FieldEmail, "ada@example.com", "phone", "3"),
			gw:   fields("name", "Ada", FieldEmail, "ada@example.com", "phone", "4"), opt: Options{Conflict: GroupwareWins},
			kind: Update, toGW: fields("name", "Ada L."), toCRM: fields("phone", "4"), conflict: []string{"phone"}, winner: Groupware,
		},
		{
			name: "ask: both versions held, nothing written",
			crm:  fields("name", "Ada L.", FieldEmail, "ada@example.com", "phone", "3"),
			gw:   fields("name", "Ada", FieldEmail, "ada@example.com", "phone", "4"), opt: Options{Conflict: Ask},
			kind: Conflict, conflict: []string{"phone"}, reasonPieces: []string{"wait for a person"},
		},
		{
			name: "ask: a person's decision settles it", crm: fields("name", "Ada", FieldEmail, "ada@example.com", "phone", "3"),
			gw: fields("name", "Ada", FieldEmail, "ada@example.com", "phone", "4"), opt: Options{Conflict: Ask}, decision: Groupware,
			kind: Update, toCRM: fields("phone", "4"), conflict: []string{"phone"}, winner: Groupware,
			reasonPieces: []string{"a person chose the groupware version"},
		},
		{
			name: "no update towards the groupware: the change is withheld", crm: fields("name", "Ada", FieldEmail, "ada@example.com", "phone", "3"), gw: base,
			opt: Options{ToGroupware: Direction{NoUpdate: true}}, kind: Skip, reasonPieces: []string{"phone (to the groupware)"},
		},
		{
			name: "overwrite crm replaces the groupware's changes", crm: fields("name", "Ada L.", FieldEmail, "ada@example.com", "phone", "1"),
			gw: fields("name", "Ada", FieldEmail, "ada@x.example", "phone", "2"), opt: Options{Overwrite: CRM},
			kind: Update, toGW: fields("name", "Ada L.", FieldEmail, "ada@example.com", "phone", "1"),
		},
		{
			name: "overwrite groupware replaces the CRM's changes", crm: fields("name", "Ada L.", FieldEmail, "ada@example.com", "phone", "1"),
			gw: base, opt: Options{Overwrite: Groupware}, kind: Update, toCRM: fields("name", "Ada"),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			crm := Record{ID: "c1", Fields: tc.crm, Modified: tc.crmT}
			gw := Record{ID: "g1", Fields: tc.gw, Modified: tc.gwT, ETag: "etag-g1", CRMID: "c1"}
			in := Input{Options: tc.opt, CRM: complete(crm), Groupware: complete(gw), State: []Link{linked("c1", "g1", base)}}
			if tc.decision != 0 {
				in.Decisions = map[string]Side{"c1": tc.decision}
			}
			p := compute(t, in)
			if tc.kind == 0 {
				if len(p.Operations) != 0 {
					t.Fatalf("want no operation, got:\n%s", describe(p))
				}
				return
			}
			op := single(t, p)
			checkMergeOp(t, op, tc.kind, tc.toGW, tc.toCRM, tc.conflict, tc.winner)
			checkReason(t, op, tc.reasonPieces...)
		})
	}
}

func checkMergeOp(t *testing.T, op Operation, kind Kind, toGW, toCRM Fields, conflict []string, winner Side) {
	t.Helper()
	if op.Kind != kind {
		t.Fatalf("kind = %s, want %s (%s)", op.Kind, kind, op)
	}
	checkFields(t, "to groupware", op.ToGroupware, toGW)
	checkFields(t, "to crm", op.ToCRM, toCRM)
	if len(conflict) == 0 {
		if op.Conflict != nil {
			t.Errorf("unexpected conflict %+v", op.Conflict)
		}
		return
	}
	if op.Conflict == nil || len(op.Conflict.Fields) != len(conflict) || op.Conflict.Fields[0] != conflict[0] {
		t.Fatalf("conflict = %+v, want fields %v", op.Conflict, conflict)
	}
	if op.Conflict.Winner != winner {
		t.Errorf("winner = %s, want %s", op.Conflict.Winner, winner)
	}
	if op.Conflict.CRM[conflict[0]] == op.Conflict.Groupware[conflict[0]] {
		t.Errorf("conflict does not hold both versions: %+v", op.Conflict)
	}
}

// TestSyncedStateAfterMerge: the state an update stores holds the merged
// value of every field, and a withheld field keeps its last synced hash.
func TestSyncedStateAfterMerge(t *testing.T) {
	base := fields("name", "Ada", "phone", "1")
	crm := crmRecord("c1", fields("name", "Ada L.", "phone", "1"))
	gw := gwRecord("g1", "c1", fields("name", "Ada", "phone", "2"))
	p := compute(t, Input{
		Options: Options{ToCRM: Direction{NoUpdate: true}},
		CRM:     complete(crm), Groupware: complete(gw), State: []Link{linked("c1", "g1", base)},
	})
	op := single(t, p)
	want := map[string]string{"name": FieldHash("Ada L."), "phone": FieldHash("1")}
	if !sameHashes(op.Synced, want) {
		t.Errorf("synced = %v, want %v", op.Synced, want)
	}
	if op.ETag != "etag-g1" {
		t.Errorf("ETag = %q, want the listed item's", op.ETag)
	}
}
