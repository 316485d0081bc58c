package plan

// guardDeletes stops a plan that would delete more than MassDeleteCount
// records and more than MassDeletePercent of a side, unless the run
// overrides the guard: such a run more often means a wrong filter or
// folder than a wish to empty the folder.
func (p *planner) guardDeletes() {
	if p.opt.AllowMassDelete {
		return
	}
	deletes := map[Side]int{}
	for _, op := range p.plan.Operations {
		switch op.Kind {
		case DeleteInGroupware:
			deletes[Groupware]++
		case DeleteInCRM:
			deletes[CRM]++
		}
	}
	for _, s := range []Side{Groupware, CRM} {
		n, total := deletes[s], p.sideTotal(s)
		if n > MassDeleteCount && n*100 > MassDeletePercent*total {
			p.plan.Refusals = append(p.plan.Refusals, Refusal{Side: s, Deletes: n, Total: total})
		}
	}
}

// sideTotal is the size of a side before this run: what the caller says,
// or the records the planner knows of (linked, listed, deleted) if more.
func (p *planner) sideTotal(s Side) int {
	l, links := p.in.Groupware, p.linkByGW
	if s == CRM {
		l, links = p.in.CRM, p.linkByCRM
	}
	known := make(map[string]bool, len(links)+len(l.Records))
	for id := range links {
		known[id] = true
	}
	for _, r := range l.Records {
		known[r.ID] = true
	}
	for _, id := range l.Deleted {
		known[id] = true
	}
	return max(l.Total, len(known))
}
