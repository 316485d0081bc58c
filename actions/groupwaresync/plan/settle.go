package plan

import (
	"fmt"
	"time"
)

// winner says whose values settle a conflict and why; zero means the
// conflict waits for a person.
func (p *planner) winner(pr pair) (Side, string) {
	if s, ok := p.in.Decisions[pr.crmID]; ok {
		return s, "a person chose the " + s.String() + " version"
	}
	switch p.opt.Conflict {
	case CRMWins:
		return CRM, "the conflict option says the CRM wins"
	case GroupwareWins:
		return Groupware, "the conflict option says the groupware wins"
	case Ask:
		return 0, "the conflict option is ask: both versions wait for a person"
	}
	return p.newest(pr.crm.Modified, pr.gw.Modified)
}

// newest lets the later modification wins; equal or unknown times leave
// it to the master.
func (p *planner) newest(crm, gw time.Time) (Side, string) {
	m := p.opt.master()
	tie := fmt.Sprintf(", so the master (%s) wins", m)
	switch {
	case crm.IsZero() && gw.IsZero():
		return m, "neither side has a modification time" + tie
	case crm.IsZero():
		return m, "the CRM record has no modification time" + tie
	case gw.IsZero():
		return m, "the groupware item has no modification time" + tie
	case crm.Equal(gw):
		return m, "both sides were modified at the same time (" + stamp(crm) + ")" + tie
	case crm.After(gw):
		return CRM, "the CRM record is newer (" + stamp(crm) + " after " + stamp(gw) + ")"
	}
	return Groupware, "the groupware item is newer (" + stamp(gw) + " after " + stamp(crm) + ")"
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// overwritePair makes the overwriting side's full record replace the
// other's, whatever either side changed.
func (p *planner) overwritePair(pr pair) {
	src := p.opt.Overwrite
	from, to := pr.record(src), pr.record(src.Other())
	if from == nil {
		if to != nil && len(changedFields(p.in.Table, pr.base, to.Fields)) > 0 {
			p.plan.need(src, pairID(pr, src), "the rule overwrites with this record, and the listing of changes lacks it")
			return
		}
		p.emit(pr, outcome{synced: syncedCopy(p.in.Table, pr.base)})
		return
	}
	out := outcome{synced: HashFields(p.in.Table, from.Fields)}
	var differ []string
	for _, f := range p.in.Table.Fields {
		v := from.Fields[f]
		if (to == nil && FieldHash(v) != pr.base[f]) || (to != nil && v != to.Fields[f]) {
			differ = append(differ, f)
		}
	}
	if len(differ) > 0 {
		out.reasons = append(out.reasons, "the rule overwrites the "+src.Other().String()+" with the "+src.String()+"'s full record")
	}
	for _, f := range differ {
		p.write(&out, src.Other(), f, from.Fields[f])
	}
	p.emit(pr, out)
}

func pairID(pr pair, s Side) string {
	if s == CRM {
		return pr.crmID
	}
	return pr.gwID
}
