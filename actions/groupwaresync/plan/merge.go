package plan

import "strings"

// pair is a linked (or just matched) CRM record and groupware item.
type pair struct {
	crmID, gwID string
	// base is the link's last synced state (nil for a new match: every
	// non-empty field then counts as changed on its side).
	base map[string]string
	etag string
	// crm and gw are the listed records; nil means not listed, which in
	// a listing of changes means unchanged since the last sync.
	crm, gw *Record
	// matchedBy names the match key of a first-run match ("" if linked).
	matchedBy string
}

func (pr pair) record(s Side) *Record {
	if s == CRM {
		return pr.crm
	}
	return pr.gw
}

// outcome is what the merge decided for a pair.
type outcome struct {
	toGW, toCRM Fields
	synced      map[string]string
	conflict    *ConflictInfo
	withheld    []string
	reasons     []string
}

// diff sorts the table's fields of a pair by who changed them since the
// last sync. Changed means the value differs from the last synced value;
// a newer modification time alone changes nothing.
type diff struct {
	fromCRM, fromGW, agreed, conflicts []string
}

func (p *planner) compare(pr pair) diff {
	var d diff
	for _, f := range p.in.Table.Fields {
		b := pr.base[f]
		hc, hg := b, b
		if pr.crm != nil {
			hc = FieldHash(pr.crm.Fields[f])
		}
		if pr.gw != nil {
			hg = FieldHash(pr.gw.Fields[f])
		}
		switch {
		case hc == b && hg == b:
		case hc == hg:
			d.agreed = append(d.agreed, f)
		case hg == b:
			d.fromCRM = append(d.fromCRM, f)
		case hc == b:
			d.fromGW = append(d.fromGW, f)
		default:
			d.conflicts = append(d.conflicts, f)
		}
	}
	return d
}

// mergePair is the three-way merge of one pair: a field changed on one
// side goes to the other; changes to different fields on the two sides
// are both kept; only a field changed differently on both sides is a
// conflict, settled by the conflict option or held for a person.
func (p *planner) mergePair(pr pair) {
	if p.opt.Overwrite != 0 {
		p.overwritePair(pr)
		return
	}
	d := p.compare(pr)
	out := outcome{synced: syncedCopy(p.in.Table, pr.base)}
	if len(d.conflicts) > 0 {
		winner, why := p.winner(pr)
		info := conflictInfo(d.conflicts, pr)
		if winner == 0 {
			p.hold(pr, d, info, why)
			return
		}
		info.Winner = winner
		out.conflict = info
		out.reasons = append(out.reasons, pr.bothLabel()+strings.Join(d.conflicts, ", ")+"; "+why)
		p.settle(&out, winner, d.conflicts, pr)
	}
	p.writeAll(&out, Groupware, d.fromCRM, pr)
	p.writeAll(&out, CRM, d.fromGW, pr)
	for _, f := range d.agreed {
		out.synced[f] = FieldHash(pr.crm.Fields[f])
	}
	p.emit(pr, out)
}

// writeAll writes fields of the other side's record to side s, noting
// what changed.
func (p *planner) writeAll(out *outcome, s Side, fields []string, pr pair) {
	if len(fields) == 0 {
		return
	}
	from := pr.record(s.Other())
	label := "changed in the "
	if pr.matchedBy != "" {
		label = "taken from the "
	}
	out.reasons = append(out.reasons, label+s.Other().String()+": "+strings.Join(fields, ", "))
	for _, f := range fields {
		p.write(out, s, f, from.Fields[f])
	}
}

// bothLabel introduces the fields in conflict.
func (pr pair) bothLabel() string {
	if pr.matchedBy != "" {
		return "different on the two sides: "
	}
	return "changed on both sides: "
}

// settle writes the winner's values of conflicting fields to the other
// side. Where updates towards that side are off, its value stays and
// becomes the synced state, so the winner's value remains a pending
// change that is never sent back, whatever the modification times say
// next time.
func (p *planner) settle(out *outcome, winner Side, fields []string, pr pair) {
	from, loser := pr.record(winner), pr.record(winner.Other())
	for _, f := range fields {
		if p.opt.towards(winner.Other()).NoUpdate {
			setHash(out.synced, f, FieldHash(loser.Fields[f]))
		}
		p.write(out, winner.Other(), f, from.Fields[f])
	}
}

// write plans one field value for side s, unless updates towards s are
// off: then the field keeps its last synced state, so the change stays
// pending and is neither lost nor sent back.
func (p *planner) write(out *outcome, s Side, field, value string) {
	if p.opt.towards(s).NoUpdate {
		out.withheld = append(out.withheld, field+" (to the "+s.String()+")")
		return
	}
	target := &out.toGW
	if s == CRM {
		target = &out.toCRM
	}
	if *target == nil {
		*target = Fields{}
	}
	(*target)[field] = value
	setHash(out.synced, field, FieldHash(value))
}

// hold queues a conflict for a person: nothing of the pair is written; a
// new match is linked all the same, so neither record is duplicated.
func (p *planner) hold(pr pair, d diff, info *ConflictInfo, why string) {
	op := Operation{
		Kind: Conflict, CRMID: pr.crmID, GroupwareID: pr.gwID, ETag: pr.gw.ETag, Conflict: info,
		Reason: pr.bothLabel() + strings.Join(d.conflicts, ", ") + "; " + why,
	}
	if pr.matchedBy != "" {
		op.NewLink = true
		op.Reason = "the same record, found by " + pr.matchedBy + ", linked now; " + op.Reason
		op.Synced = syncedCopy(p.in.Table, pr.base)
		for _, f := range d.agreed {
			setHash(op.Synced, f, FieldHash(pr.crm.Fields[f]))
		}
	}
	p.plan.add(op)
}

func conflictInfo(fields []string, pr pair) *ConflictInfo {
	info := &ConflictInfo{Fields: fields, CRM: Fields{}, Groupware: Fields{}}
	for _, f := range fields {
		info.CRM[f] = pr.crm.Fields[f]
		info.Groupware[f] = pr.gw.Fields[f]
	}
	return info
}

// syncedCopy copies the table's fields of a link's state.
func syncedCopy(t Table, base map[string]string) map[string]string {
	out := make(map[string]string, len(t.Fields))
	for _, f := range t.Fields {
		setHash(out, f, base[f])
	}
	return out
}

func setHash(m map[string]string, field, hash string) {
	if hash == "" {
		delete(m, field)
		return
	}
	m[field] = hash
}

// sameHashes compares two states, a missing field being empty.
func sameHashes(a, b map[string]string) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}

// changedFields lists the table's fields of f that differ from base.
func changedFields(t Table, base map[string]string, f Fields) []string {
	var out []string
	for _, name := range t.Fields {
		if FieldHash(f[name]) != base[name] {
			out = append(out, name)
		}
	}
	return out
}
