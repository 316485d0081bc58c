package plan

import (
	"reflect"
	"testing"
)

// TestDeletionsAndScope: deletes only where the rule says so; a record
// that leaves the filter is out of scope, not deleted; a listing of
// changes deletes only by explicit ids.
func TestDeletionsAndScope(t *testing.T) {
	ada := fields("name", "Ada")
	crm := crmRecord("c1", ada)
	gw := gwRecord("g1", "c1", ada)
	changedGW := gwRecord("g1", "c1", fields("name", "Ada L."))
	tests := []struct {
		name     string
		crm, gw  Listing
		opt      Options
		kinds    []Kind
		reason   string
		needs    []Need
		survivor Kind // what happens to the side that stays, if anything
	}{
		{name: "deleted in the CRM, --delete towards the groupware", crm: Listing{Deleted: []string{"c1"}}, gw: Listing{},
			opt: Options{ToGroupware: Direction{Delete: true}}, kinds: []Kind{DeleteInGroupware}, reason: "deleted in the CRM"},
		{name: "deleted in the CRM, deleting off: the item stays and waits", crm: Listing{Deleted: []string{"c1"}}, gw: complete(gw),
			kinds: []Kind{Forget, OnlyInGroupware}, reason: "deleting in the groupware is off"},
		{name: "deleted in the CRM, deleting off, item not listed: asked for", crm: Listing{Deleted: []string{"c1"}}, gw: Listing{},
			needs: []Need{{Side: Groupware, ID: "g1"}}},
		{name: "deleted in the groupware, --delete towards the CRM", crm: Listing{}, gw: Listing{Deleted: []string{"g1"}},
			opt: Options{ToCRM: Direction{Delete: true}}, kinds: []Kind{DeleteInCRM}, reason: "deleted in the groupware"},
		{name: "deleted in the groupware, deleting off: created again", crm: complete(crm), gw: Listing{Deleted: []string{"g1"}},
			kinds: []Kind{Forget, CreateInGroupware}},
		{name: "deleted in the groupware, deleting off, record not listed: asked for", crm: Listing{}, gw: Listing{Deleted: []string{"g1"}},
			needs: []Need{{Side: CRM, ID: "c1"}}},
		{name: "deleted in the CRM but changed in the groupware: kept, not deleted", crm: Listing{Deleted: []string{"c1"}},
			gw: complete(changedGW), opt: Options{ToGroupware: Direction{Delete: true}}, kinds: []Kind{Forget, OnlyInGroupware},
			reason: "the change wins"},
		{name: "deleted in the groupware but changed in the CRM: kept and created again",
			crm: complete(crmRecord("c1", fields("name", "Ada L."))), gw: Listing{Deleted: []string{"g1"}},
			opt: Options{ToCRM: Direction{Delete: true}}, kinds: []Kind{Forget, CreateInGroupware}, reason: "the change wins"},
		{name: "missing from a complete groupware listing is deleted", crm: complete(crm), gw: complete(),
			opt: Options{ToCRM: Direction{Delete: true}}, kinds: []Kind{DeleteInCRM}},
		{name: "missing from a listing of changes is unchanged", crm: complete(crm), gw: Listing{},
			opt: Options{ToCRM: Direction{Delete: true}}},
		{name: "deleted on both sides", crm: Listing{Deleted: []string{"c1"}}, gw: Listing{Deleted: []string{"g1"}},
			opt: Options{ToCRM: Direction{Delete: true}, ToGroupware: Direction{Delete: true}}, kinds: []Kind{Forget}},
		{name: "left the filter: nothing deleted, nothing written", crm: Listing{OutOfScope: []string{"c1"}, Complete: true}, gw: complete(gw),
			opt: Options{ToGroupware: Direction{Delete: true}}},
		{name: "left the filter: groupware changes are not synced", crm: Listing{OutOfScope: []string{"c1"}}, gw: complete(changedGW),
			opt: Options{ToGroupware: Direction{Delete: true}}, kinds: []Kind{Skip}, reason: "outside the rule's filter"},
		{name: "left the filter, then deleted in the groupware: the link goes", crm: Listing{OutOfScope: []string{"c1"}},
			gw: Listing{Deleted: []string{"g1"}}, opt: Options{ToCRM: Direction{Delete: true}}, kinds: []Kind{Forget},
			reason: "outside the rule's filter and stays"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := compute(t, Input{Options: tc.opt, CRM: tc.crm, Groupware: tc.gw, State: []Link{linked("c1", "g1", ada)}})
			if got := kinds(p); !reflect.DeepEqual(got, tc.kinds) && len(got)+len(tc.kinds) > 0 {
				t.Fatalf("kinds = %v, want %v:\n%s", got, tc.kinds, describe(p))
			}
			if len(p.Operations) > 0 {
				checkReason(t, p.Operations[0], tc.reason)
			}
			checkNeeds(t, p, tc.needs)
		})
	}
}

func checkNeeds(t *testing.T, p *Plan, want []Need) {
	t.Helper()
	if len(p.Needs) != len(want) {
		t.Fatalf("needs = %+v, want %+v", p.Needs, want)
	}
	for i, n := range want {
		if p.Needs[i].Side != n.Side || p.Needs[i].ID != n.ID || p.Needs[i].Reason == "" {
			t.Errorf("need %d = %+v, want %s %s with a reason", i, p.Needs[i], n.Side, n.ID)
		}
	}
}

// TestIncrementalListing: a listing of changes gives only what changed;
// the unchanged linked records are absent and stay linked.
func TestIncrementalListing(t *testing.T) {
	var state []Link
	var crm []Record
	for _, id := range []string{"1", "2", "3"} {
		f := fields("name", "N"+id)
		state = append(state, linked("c"+id, "g"+id, f))
		crm = append(crm, crmRecord("c"+id, f))
	}
	changed := gwRecord("g2", "c2", fields("name", "N2 changed"))
	p := compute(t, Input{
		Options: Options{ToCRM: Direction{Delete: true}, ToGroupware: Direction{Delete: true}},
		CRM:     Listing{Records: crm}, Groupware: Listing{Records: []Record{changed}, Deleted: []string{"g3"}}, State: state,
	})
	if got, want := kinds(p), []Kind{DeleteInCRM, Update}; !reflect.DeepEqual(got, want) {
		t.Fatalf("kinds = %v, want %v:\n%s", got, want, describe(p))
	}
	if p.Operations[0].CRMID != "c3" || p.Operations[1].CRMID != "c2" {
		t.Errorf("wrong records:\n%s", describe(p))
	}
}

// TestRefreshOnNewVersionOnly: an item whose version moved without a
// content change (Exchange does this when an item is opened) only gets
// its state refreshed; nothing is written to either side.
func TestRefreshOnNewVersionOnly(t *testing.T) {
	ada := fields("name", "Ada")
	gw := gwRecord("g1", "c1", ada)
	gw.ETag, gw.Modified = "etag-opened", t10
	p := compute(t, Input{CRM: Listing{}, Groupware: Listing{Records: []Record{gw}}, State: []Link{linked("c1", "g1", ada)}})
	op := single(t, p)
	if op.Kind != Refresh || op.ETag != "etag-opened" || len(op.ToCRM)+len(op.ToGroupware) > 0 {
		t.Errorf("got %s (ETag %q)", op, op.ETag)
	}
}

// TestOverwriteNeedsTheOverwritingRecord: with --overwrite crm and a
// groupware change, the unchanged CRM record is asked for.
func TestOverwriteNeedsTheOverwritingRecord(t *testing.T) {
	ada := fields("name", "Ada")
	gw := gwRecord("g1", "c1", fields("name", "Ada L."))
	p := compute(t, Input{Options: Options{Overwrite: CRM}, Groupware: Listing{Records: []Record{gw}},
		State: []Link{linked("c1", "g1", ada)}})
	checkNeeds(t, p, []Need{{Side: CRM, ID: "c1"}})
	if len(p.Operations) != 0 {
		t.Errorf("the pair was decided without its CRM record:\n%s", describe(p))
	}
	p = compute(t, Input{Options: Options{Overwrite: CRM}, CRM: Listing{Records: []Record{crmRecord("c1", ada)}},
		Groupware: Listing{Records: []Record{gw}}, State: []Link{linked("c1", "g1", ada)}})
	checkFields(t, "to groupware", single(t, p).ToGroupware, ada)
}
