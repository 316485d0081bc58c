package plan

import "sort"

// planLinks decides every linked pair by what each side's listing says
// about it.
func (p *planner) planLinks() {
	state := append([]Link(nil), p.in.State...)
	sort.Slice(state, func(i, j int) bool { return state[i].CRMID < state[j].CRMID })
	for _, l := range state {
		p.planLink(l)
	}
}

func (p *planner) planLink(l Link) {
	c, g := p.crm.status(l.CRMID), p.gw.status(l.GroupwareID)
	switch {
	case c == gone && g == gone:
		p.forget(l, "deleted on both sides")
	case c == gone:
		p.crmGone(l, g)
	case g == gone:
		p.groupwareGone(l, c)
	case c == outOfScope:
		p.leftFilter(l)
	case c == absent && g == absent:
		// Neither side changed since the last sync.
	default:
		p.mergePair(pair{
			crmID: l.CRMID, gwID: l.GroupwareID, base: l.Synced, etag: l.ETag,
			crm: p.crm.record(l.CRMID), gw: p.gw.record(l.GroupwareID),
		})
	}
}

func (p *planner) forget(l Link, reason string) {
	p.plan.add(Operation{Kind: Forget, CRMID: l.CRMID, GroupwareID: l.GroupwareID, Reason: reason})
}

// crmGone: the CRM record was deleted. The groupware item is deleted
// where the rule says so; otherwise it stays and is no longer linked.
func (p *planner) crmGone(l Link, g presence) {
	if p.changedSince(l, p.gw.record(l.GroupwareID)) {
		p.forget(l, "deleted in the CRM, but the groupware item changed since the last sync: the change wins, the item stays unlinked")
		p.survivorsGW = append(p.survivorsGW, *p.gw.record(l.GroupwareID))
		return
	}
	if p.opt.ToGroupware.Delete {
		p.plan.add(Operation{
			Kind: DeleteInGroupware, CRMID: l.CRMID, GroupwareID: l.GroupwareID,
			ETag: p.etagOf(l), Reason: "deleted in the CRM",
		})
		return
	}
	if g == absent {
		p.plan.need(Groupware, l.GroupwareID, "its CRM record "+l.CRMID+" was deleted and the item stays: it is matched again")
		return
	}
	p.forget(l, "deleted in the CRM; deleting in the groupware is off, so the item stays unlinked")
	p.survivorsGW = append(p.survivorsGW, *p.gw.record(l.GroupwareID))
}

// groupwareGone: the groupware item was deleted (or left the folders).
func (p *planner) groupwareGone(l Link, c presence) {
	switch {
	case c == outOfScope:
		p.forget(l, "deleted in the groupware; the CRM record is outside the rule's filter and stays")
	case p.changedSince(l, p.crm.record(l.CRMID)):
		p.forget(l, "deleted in the groupware, but the CRM record changed since the last sync: the change wins, the record stays unlinked")
		p.survivorsCRM = append(p.survivorsCRM, *p.crm.record(l.CRMID))
	case p.opt.ToCRM.Delete:
		p.plan.add(Operation{Kind: DeleteInCRM, CRMID: l.CRMID, GroupwareID: l.GroupwareID, Reason: "deleted in the groupware"})
	case c == absent:
		p.plan.need(CRM, l.CRMID, "its groupware item "+l.GroupwareID+" was deleted and the record stays: it is matched again")
	default:
		p.forget(l, "deleted in the groupware; deleting in the CRM is off, so the record stays unlinked")
		p.survivorsCRM = append(p.survivorsCRM, *p.crm.record(l.CRMID))
	}
}

// changedSince reports whether a listed record's fields differ from the
// link's last synced state; a record changed on one side is never
// deleted because the other side deleted its copy.
func (p *planner) changedSince(l Link, r *Record) bool {
	return r != nil && len(changedFields(p.in.Table, l.Synced, r.Fields)) > 0
}

// leftFilter: the CRM record no longer passes the rule's filter. It is
// out of scope, not deleted: nothing is written and the link is kept, so
// the pair is not duplicated if the record comes back.
func (p *planner) leftFilter(l Link) {
	gw := p.gw.record(l.GroupwareID)
	if !p.changedSince(l, gw) {
		return
	}
	p.plan.add(Operation{
		Kind: Skip, CRMID: l.CRMID, GroupwareID: l.GroupwareID, ETag: gw.ETag,
		Reason: "the CRM record is outside the rule's filter; the groupware item's changes are not synced",
	})
}

// etagOf gives the groupware item's current version: the listed one, or
// the one stored with the link.
func (p *planner) etagOf(l Link) string {
	if gw := p.gw.record(l.GroupwareID); gw != nil {
		return gw.ETag
	}
	return l.ETag
}
