package plan

import (
	"fmt"
	"math/rand"
	"reflect"
	"testing"
	"time"
)

var propertyTable = ContactTable("name", FieldEmail, FieldCompany, "phone")

var fieldPools = map[string][]string{
	"name":       {"", "Ada", "Bob", "Cy"},
	FieldEmail:   {"", "a@example.com", "A@Example.com ", "b@example.com", "c@example.com"},
	FieldCompany: {"", "ACME", "Twins", "Nobody", "Hidden"},
	"phone":      {"", "1", "2"},
}

// scenario is one generated case: a world that was in step once, then
// changed on both sides, and the rule's options.
type scenario struct {
	w        *world
	opt      Options
	partial  bool // give listings of changes instead of complete ones
	imports  map[string]string
	decision map[string]Side
}

func randomFields(rng *rand.Rand) Fields {
	f := Fields{}
	for _, name := range propertyTable.Fields {
		if v := fieldPools[name][rng.Intn(len(fieldPools[name]))]; v != "" {
			f[name] = v
		}
	}
	return f
}

func randomTime(rng *rand.Rand, base time.Time) time.Time {
	switch rng.Intn(4) {
	case 0:
		return time.Time{}
	case 1:
		return base
	}
	return base.Add(time.Duration(rng.Intn(120)) * time.Minute)
}

func randomOptions(rng *rand.Rand) Options {
	opt := Options{
		Master:      Side(rng.Intn(3)),
		Conflict:    Policy(rng.Intn(4)),
		ToGroupware: Direction{NoCreate: rng.Intn(5) == 0, NoUpdate: rng.Intn(5) == 0, Delete: rng.Intn(2) == 0},
		ToCRM:       Direction{NoCreate: rng.Intn(5) == 0, NoUpdate: rng.Intn(5) == 0, Delete: rng.Intn(2) == 0},
	}
	if rng.Intn(6) == 0 {
		opt.Overwrite = Side(1 + rng.Intn(2))
		opt.ToGroupware.NoUpdate, opt.ToCRM.NoUpdate = false, false
	}
	if rng.Intn(2) == 0 {
		opt.DefaultPartner = "partner-default"
	}
	return opt
}

// randomScenario builds linked pairs in step, records on one side only
// (some groupware items carrying the CRM id of a CRM record, as after an
// earlier sync), then edits and deletes on both sides.
func randomScenario(rng *rand.Rand) *scenario {
	w := newWorld(propertyTable)
	sc := &scenario{w: w, opt: randomOptions(rng), partial: rng.Intn(2) == 0,
		imports: map[string]string{}, decision: map[string]Side{}}
	for range rng.Intn(6) {
		f := randomFields(rng)
		c, g := w.newID("crm-"), w.newID("gw-")
		w.crm[c] = Record{ID: c, Fields: f, Modified: w.clock}
		w.gw[g] = Record{ID: g, Fields: merged(nil, f), CRMID: c, ETag: w.newETag(), Modified: w.clock}
		w.link(c, g, f)
	}
	for range rng.Intn(4) {
		c := w.newID("crm-")
		w.crm[c] = Record{ID: c, Fields: randomFields(rng), Modified: randomTime(rng, w.clock)}
		if rng.Intn(3) == 0 {
			g := w.newID("gw-")
			w.gw[g] = Record{ID: g, Fields: randomFields(rng), CRMID: c, ETag: w.newETag(), Modified: randomTime(rng, w.clock)}
		}
	}
	for range rng.Intn(4) {
		g := w.newID("gw-")
		w.gw[g] = Record{ID: g, Fields: randomFields(rng), ETag: w.newETag(), Modified: randomTime(rng, w.clock)}
		if rng.Intn(4) == 0 {
			sc.imports[g] = "partner-picked"
		}
	}
	sc.edit(rng)
	return sc
}

// edit changes, deletes and touches records on both sides.
func (sc *scenario) edit(rng *rand.Rand) {
	w := sc.w
	for _, id := range sortedKeys(w.crm) {
		switch rng.Intn(6) {
		case 0:
			delete(w.crm, id)
		case 1, 2:
			r := w.crm[id]
			r.Fields[propertyTable.Fields[rng.Intn(4)]] = randomFields(rng)[propertyTable.Fields[rng.Intn(4)]]
			r.Modified = randomTime(rng, w.clock)
			w.crm[id] = r
		}
		if rng.Intn(8) == 0 {
			sc.decision[id] = Side(1 + rng.Intn(2))
		}
	}
	for _, id := range sortedKeys(w.gw) {
		r := w.gw[id]
		switch rng.Intn(7) {
		case 0:
			delete(w.gw, id)
			continue
		case 1, 2:
			r.Fields = merged(r.Fields, Fields{propertyTable.Fields[rng.Intn(4)]: randomFields(rng)["phone"]})
			r.ETag, r.Modified = w.newETag(), randomTime(rng, w.clock)
		case 3: // opened in Outlook: a new version, the same content
			r.ETag, r.Modified = w.newETag(), w.tick()
		}
		w.gw[id] = r
	}
}

// input gives the scenario's listings: complete, or honest listings of
// changes (what differs from the state, what no link covers, explicit
// deletions) plus the records asked for by earlier plans.
func (sc *scenario) input(needs []Need) Input {
	in := sc.w.input(sc.opt)
	in.Imports, in.Decisions = sc.imports, sc.decision
	if !sc.partial {
		return in
	}
	in.CRM = sc.changesOnly(in.CRM, CRM, needs)
	in.Groupware = sc.changesOnly(in.Groupware, Groupware, needs)
	return in
}

func (sc *scenario) changesOnly(full Listing, s Side, needs []Need) Listing {
	w := sc.w
	asked := map[string]bool{}
	for _, n := range needs {
		if n.Side == s {
			asked[n.ID] = true
		}
	}
	out := Listing{OutOfScope: full.OutOfScope}
	listed := map[string]bool{}
	for _, r := range full.Records {
		listed[r.ID] = true
		l, linked := sc.linkOf(s, r.ID)
		if !linked || asked[r.ID] || len(changedFields(w.table, l.Synced, r.Fields)) > 0 || (s == Groupware && r.ETag != l.ETag) {
			out.Records = append(out.Records, r)
		}
	}
	gone := map[string]bool{}
	for _, l := range w.links() {
		id := l.CRMID
		if s == Groupware {
			id = l.GroupwareID
		}
		gone[id] = true
	}
	for id := range asked {
		gone[id] = true
	}
	for _, id := range sortedKeys(gone) {
		if _, exists := sc.recordOf(s, id); !exists {
			out.Deleted = append(out.Deleted, id)
		}
	}
	return out
}

func (sc *scenario) linkOf(s Side, id string) (Link, bool) {
	if s == CRM {
		l, ok := sc.w.state[id]
		return l, ok
	}
	return sc.w.stateByGW(id)
}

func (sc *scenario) recordOf(s Side, id string) (Record, bool) {
	if s == CRM {
		r, ok := sc.w.crm[id]
		return r, ok
	}
	r, ok := sc.w.gw[id]
	return r, ok
}

// planWithNeeds plans, adding what the plan asks for, as a caller does.
func (sc *scenario) planWithNeeds(t *testing.T) *Plan {
	t.Helper()
	var needs []Need
	for range 3 {
		p, err := Compute(sc.input(needs))
		if err != nil {
			t.Fatalf("Compute: %v", err)
		}
		if len(p.Needs) == 0 {
			return p
		}
		needs = append(needs, p.Needs...)
	}
	t.Fatalf("the plan still needs records after adding them: %v", needs)
	return nil
}

// TestIdempotentOverGeneratedCases: apply a plan to generated worlds, plan
// again with complete listings: the second plan changes nothing.
func TestIdempotentOverGeneratedCases(t *testing.T) {
	rng := rand.New(rand.NewSource(20261205))
	applied, seen := 0, map[Kind]int{}
	for i := range 3000 {
		sc := randomScenario(rng)
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			first := sc.planWithNeeds(t)
			for _, op := range first.Operations {
				seen[op.Kind]++
			}
			if first.Refused() {
				return
			}
			checkWritesOnce(t, first)
			if sc.partial {
				checkSameAsComplete(t, sc, first)
			}
			sc.w.apply(t, first)
			applied++
			sc.partial = false
			again := sc.planWithNeeds(t)
			if again.Changes() != 0 {
				t.Fatalf("options %+v\nfirst plan:\n%s\nsecond plan has %d changes:\n%s",
					sc.opt, describe(first), again.Changes(), describe(again))
			}
			checkNoDuplicates(t, sc.w)
		})
	}
	t.Logf("%d generated plans applied and planned again; operations seen: %v", applied, seen)
	for k := Forget; k <= Skip; k++ {
		if seen[k] == 0 {
			t.Errorf("the generated cases never plan a %q operation", k)
		}
	}
}

// checkWritesOnce: no record is the subject of two writing operations.
func checkWritesOnce(t *testing.T, p *Plan) {
	t.Helper()
	seen := map[string]bool{}
	for _, op := range p.Operations {
		if !op.Changes() || op.Kind == Forget {
			continue
		}
		for _, key := range []string{"crm " + op.CRMID, "groupware " + op.GroupwareID} {
			if key != "crm " && key != "groupware " && seen[key] {
				t.Fatalf("%s is written twice:\n%s", key, describe(p))
			}
			seen[key] = true
		}
	}
}

// checkNoDuplicates: no two groupware items carry the same CRM id and no
// CRM record is linked twice.
func checkNoDuplicates(t *testing.T, w *world) {
	t.Helper()
	byCRM := map[string]string{}
	for _, id := range sortedKeys(w.gw) {
		c := w.gw[id].CRMID
		if other, dup := byCRM[c]; c != "" && dup {
			t.Fatalf("groupware items %s and %s both carry CRM id %s", other, id, c)
		}
		byCRM[c] = id
	}
}

// checkSameAsComplete: a plan from listings of changes is the plan from
// complete listings of the same world.
func checkSameAsComplete(t *testing.T, sc *scenario, partial *Plan) {
	t.Helper()
	sc.partial = false
	full := sc.planWithNeeds(t)
	sc.partial = true
	if !reflect.DeepEqual(full.Operations, partial.Operations) {
		t.Fatalf("from changes:\n%s\nfrom complete listings:\n%s", describe(partial), describe(full))
	}
}
