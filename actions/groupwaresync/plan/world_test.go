package plan

import (
	"fmt"
	"sort"
	"testing"
	"time"
)

// world is an in-memory pair of sides plus sync state, with an applier
// that carries out a plan the way the real applier must: If-Match on the
// groupware, the CRM id stamped on every item it creates or links.
type world struct {
	table  Table
	crm    map[string]Record
	gw     map[string]Record
	state  map[string]Link // by CRM id
	hidden func(Record) bool
	next   int
	clock  time.Time
}

func newWorld(t Table) *world {
	return &world{
		table: t, crm: map[string]Record{}, gw: map[string]Record{}, state: map[string]Link{},
		hidden: func(r Record) bool { return r.Fields["company"] == "Hidden" },
		clock:  time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC),
	}
}

func (w *world) newID(prefix string) string {
	w.next++
	return fmt.Sprintf("%s%03d", prefix, w.next)
}

func (w *world) newETag() string { return w.newID("etag-") }

func (w *world) tick() time.Time {
	w.clock = w.clock.Add(time.Minute)
	return w.clock
}

// link records a pair as synced with the given fields.
func (w *world) link(crmID, gwID string, synced Fields) {
	w.state[crmID] = Link{CRMID: crmID, GroupwareID: gwID, Synced: HashFields(w.table, synced), ETag: w.gw[gwID].ETag}
}

// listings gives complete listings of both sides, the CRM filter applied.
func (w *world) listings() (crm, gw Listing) {
	crm.Complete, gw.Complete = true, true
	for _, id := range sortedKeys(w.crm) {
		r := w.crm[id]
		if !w.hidden(r) {
			crm.Records = append(crm.Records, r)
		} else {
			crm.OutOfScope = append(crm.OutOfScope, id)
		}
	}
	for _, id := range sortedKeys(w.gw) {
		gw.Records = append(gw.Records, w.gw[id])
	}
	return crm, gw
}

func (w *world) links() []Link {
	out := make([]Link, 0, len(w.state))
	for _, id := range sortedKeys(w.state) {
		out = append(out, w.state[id])
	}
	return out
}

func (w *world) input(opt Options) Input {
	crm, gw := w.listings()
	return Input{Table: w.table, Options: opt, CRM: crm, Groupware: gw, State: w.links(), Partners: testPartners}
}

// testPartners knows one partner named ACME and two named Twins.
func testPartners(name string) []string {
	switch name {
	case "ACME":
		return []string{"partner-acme"}
	case "Twins":
		return []string{"partner-twin-1", "partner-twin-2"}
	}
	return nil
}

func (w *world) stateByGW(gwID string) (Link, bool) {
	for _, l := range w.state {
		if l.GroupwareID == gwID {
			return l, true
		}
	}
	return Link{}, false
}

// apply carries out p in order.
func (w *world) apply(t *testing.T, p *Plan) {
	t.Helper()
	if p.Refused() {
		t.Fatalf("apply of a refused plan")
	}
	for _, op := range p.Operations {
		if err := w.applyOp(op); err != nil {
			t.Fatalf("apply %s: %v", op, err)
		}
	}
}

func (w *world) applyOp(op Operation) error {
	switch op.Kind {
	case Forget:
		return w.forget(op)
	case DeleteInGroupware:
		if err := w.ifMatch(op); err != nil {
			return err
		}
		delete(w.gw, op.GroupwareID)
		return w.forget(op)
	case DeleteInCRM:
		delete(w.crm, op.CRMID)
		return w.forget(op)
	case Refresh, Update, LinkPair:
		return w.update(op)
	case CreateInGroupware:
		return w.createInGroupware(op)
	case CreateInCRM:
		return w.createInCRM(op)
	case Conflict:
		if op.NewLink {
			return w.update(op)
		}
	}
	return nil
}

func (w *world) forget(op Operation) error {
	l, ok := w.state[op.CRMID]
	if !ok || l.GroupwareID != op.GroupwareID {
		return fmt.Errorf("no link %s ↔ %s", op.CRMID, op.GroupwareID)
	}
	delete(w.state, op.CRMID)
	return nil
}

func (w *world) ifMatch(op Operation) error {
	item, ok := w.gw[op.GroupwareID]
	if !ok {
		return fmt.Errorf("groupware item %s is missing", op.GroupwareID)
	}
	if item.ETag != op.ETag {
		return fmt.Errorf("If-Match %q fails: item %s is at %q", op.ETag, op.GroupwareID, item.ETag)
	}
	return nil
}

func (w *world) update(op Operation) error {
	if err := w.ifMatch(op); err != nil {
		return err
	}
	crm, ok := w.crm[op.CRMID]
	if !ok {
		return fmt.Errorf("CRM record %s is missing", op.CRMID)
	}
	if op.NewLink {
		if _, linked := w.state[op.CRMID]; linked {
			return fmt.Errorf("CRM record %s is linked already", op.CRMID)
		}
	}
	item := w.gw[op.GroupwareID]
	if len(op.ToGroupware) > 0 || item.CRMID != op.CRMID {
		item.Fields = merged(item.Fields, op.ToGroupware)
		item.CRMID, item.ETag, item.Modified = op.CRMID, w.newETag(), w.tick()
		w.gw[op.GroupwareID] = item
	}
	if len(op.ToCRM) > 0 {
		crm.Fields, crm.Modified = merged(crm.Fields, op.ToCRM), w.tick()
		w.crm[op.CRMID] = crm
	}
	w.state[op.CRMID] = Link{CRMID: op.CRMID, GroupwareID: op.GroupwareID, Synced: op.Synced, ETag: item.ETag}
	return nil
}

func (w *world) createInGroupware(op Operation) error {
	if _, ok := w.crm[op.CRMID]; !ok {
		return fmt.Errorf("CRM record %s is missing", op.CRMID)
	}
	id := w.newID("gw-")
	w.gw[id] = Record{ID: id, Fields: merged(nil, op.ToGroupware), CRMID: op.CRMID, ETag: w.newETag(), Modified: w.tick()}
	w.state[op.CRMID] = Link{CRMID: op.CRMID, GroupwareID: id, Synced: op.Synced, ETag: w.gw[id].ETag}
	return nil
}

func (w *world) createInCRM(op Operation) error {
	if err := w.ifMatch(op); err != nil {
		return err
	}
	if op.PartnerID == "" && w.table.PartnerField != "" {
		return fmt.Errorf("CRM record from %s has no business partner", op.GroupwareID)
	}
	id := w.newID("crm-")
	w.crm[id] = Record{ID: id, Fields: merged(nil, op.ToCRM), Modified: w.tick()}
	item := w.gw[op.GroupwareID]
	item.CRMID, item.ETag = id, w.newETag()
	w.gw[op.GroupwareID] = item
	w.state[id] = Link{CRMID: id, GroupwareID: op.GroupwareID, Synced: op.Synced, ETag: item.ETag}
	return nil
}

// merged applies writes onto f (an empty value clears the field).
func merged(f, writes Fields) Fields {
	out := Fields{}
	for k, v := range f {
		out[k] = v
	}
	for k, v := range writes {
		if v == "" {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

// describe lists a plan's operations for failure messages.
func describe(p *Plan) string {
	lines := make([]string, 0, len(p.Operations)+len(p.Needs))
	for _, op := range p.Operations {
		lines = append(lines, "  "+op.String())
	}
	for _, n := range p.Needs {
		lines = append(lines, fmt.Sprintf("  need %s %s: %s", n.Side, n.ID, n.Reason))
	}
	sort.Strings(lines)
	out := ""
	for _, l := range lines {
		out += l + "\n"
	}
	return out
}
