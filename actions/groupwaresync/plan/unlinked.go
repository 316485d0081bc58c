package plan

import (
	"fmt"
	"strings"
)

// planUnlinked handles the records no link covers: they are matched
// first (a rule's first run meets copies on both sides), and what stays
// unmatched is new on its side.
func (p *planner) planUnlinked() {
	crm := append(p.unlinked(p.crm, p.linkByCRM), p.survivorsCRM...)
	gw := p.matchableGroupware(append(p.unlinked(p.gw, p.linkByGW), p.survivorsGW...))
	sortRecords(crm)
	sortRecords(gw)
	m := matchRecords(p.in.Table.MatchKeys, crm, gw)
	for _, pr := range m.pairs {
		p.mergePair(pr)
	}
	for _, c := range m.candidates {
		p.plan.add(Operation{
			Kind: Conflict, Conflict: &ConflictInfo{Candidates: &c},
			Reason: fmt.Sprintf("the match by %s %q is not unique: CRM %s, groupware %s",
				c.Key, c.Value, strings.Join(c.CRMIDs, ", "), strings.Join(c.GroupwareIDs, ", ")),
		})
	}
	for _, r := range m.crm {
		p.onlyInCRM(r)
	}
	for _, r := range m.gw {
		p.onlyInGroupware(r)
	}
}

// unlinked lists a side's records that no link covers.
func (p *planner) unlinked(s sideIndex, links map[string]Link) []Record {
	var out []Record
	for _, r := range s.sortedRecords() {
		if _, ok := links[r.ID]; !ok {
			out = append(out, r)
		}
	}
	return out
}

// matchableGroupware holds back groupware items that carry the CRM id of
// a record this run cannot see: one outside the rule's filter is not
// imported as new; one the listing of changes left out is asked for.
func (p *planner) matchableGroupware(gw []Record) []Record {
	if !p.matchesByCRMID() {
		return gw
	}
	out := gw[:0:0]
	for _, r := range gw {
		id := r.CRMID
		_, linked := p.linkByCRM[id]
		switch st := p.crm.status(id); {
		case id == "" || st == present || st == gone || linked:
			out = append(out, r)
		case st == outOfScope:
			p.plan.add(Operation{Kind: Skip, GroupwareID: r.ID, ETag: r.ETag,
				Reason: "it carries the CRM id " + id + " of a record outside the rule's filter"})
		default:
			p.plan.need(CRM, id, "groupware item "+r.ID+" carries this CRM id")
		}
	}
	return out
}

func (p *planner) matchesByCRMID() bool {
	for _, k := range p.in.Table.MatchKeys {
		if k.ByCRMID {
			return true
		}
	}
	return false
}

// onlyInCRM: a CRM record in the rule's filter that the groupware lacks
// is created in the rule's folder for new items.
func (p *planner) onlyInCRM(r Record) {
	if p.opt.ToGroupware.NoCreate {
		p.plan.add(Operation{Kind: Skip, CRMID: r.ID, Reason: "new in the CRM; creating in the groupware is off for this rule"})
		return
	}
	p.plan.add(Operation{
		Kind: CreateInGroupware, CRMID: r.ID, ToGroupware: tableFields(p.in.Table, r.Fields),
		Synced: HashFields(p.in.Table, r.Fields), Reason: "new in the CRM",
	})
}

// onlyInGroupware: an item only the groupware has is created in the CRM
// when a person imported it, or when the groupware is master and a
// business partner is found; otherwise it waits for a manual import.
func (p *planner) onlyInGroupware(r Record) {
	if partner, ok := p.in.Imports[r.ID]; ok {
		p.createInCRM(r, partner, "imported by hand")
		return
	}
	if p.opt.master() != Groupware && !p.in.Table.Owned {
		p.pending(r, "the CRM is the master: it waits for a manual import")
		return
	}
	if p.opt.ToCRM.NoCreate {
		p.pending(r, "creating in the CRM is off for this rule: it waits for a manual import")
		return
	}
	partner, why, ok := p.partnerFor(r)
	if !ok {
		p.pending(r, why)
		return
	}
	p.createInCRM(r, partner, why)
}

func (p *planner) pending(r Record, reason string) {
	p.plan.add(Operation{Kind: OnlyInGroupware, GroupwareID: r.ID, ETag: r.ETag, Reason: reason})
}

func (p *planner) createInCRM(r Record, partner, reason string) {
	p.plan.add(Operation{
		Kind: CreateInCRM, GroupwareID: r.ID, ETag: r.ETag, PartnerID: partner,
		ToCRM: tableFields(p.in.Table, r.Fields), Synced: HashFields(p.in.Table, r.Fields), Reason: reason,
	})
}

// partnerFor finds the business partner a new CRM record goes under: the
// one whose name equals the item's company, else the rule's default.
func (p *planner) partnerFor(r Record) (id, why string, ok bool) {
	field := p.in.Table.PartnerField
	if field == "" && p.in.Table.Owned {
		return "", "new in the groupware: it becomes a record of the account's owner", true
	}
	if field == "" {
		return "", "new in the groupware, which is the master", true
	}
	name := strings.TrimSpace(r.Fields[field])
	var found []string
	if name != "" && p.in.Partners != nil {
		found = p.in.Partners(name)
	}
	var cause string
	switch {
	case len(found) == 1:
		return found[0], fmt.Sprintf("new in the groupware, created under the business partner named %q", name), true
	case name == "":
		cause = "it names no " + field
	case len(found) == 0:
		cause = fmt.Sprintf("no business partner is named %q", name)
	default:
		cause = fmt.Sprintf("%d business partners are named %q", len(found), name)
	}
	if p.opt.DefaultPartner != "" {
		return p.opt.DefaultPartner, cause + ", so it is created under the rule's default partner", true
	}
	return "", cause + " and the rule has no default partner: it waits for a manual import", false
}

// tableFields copies the table's non-empty fields of f.
func tableFields(t Table, f Fields) Fields {
	out := make(Fields, len(t.Fields))
	for _, name := range t.Fields {
		if v := f[name]; v != "" {
			out[name] = v
		}
	}
	return out
}
