package plan

import "strings"

// emit turns a pair's outcome into its operation: an update when either
// side is written, a state refresh when only the sync state moves, a
// skip when the rule withheld a change, nothing when all is in step.
func (p *planner) emit(pr pair, out outcome) {
	etag := pr.etag
	if pr.gw != nil {
		etag = pr.gw.ETag
	}
	writes := len(out.toGW)+len(out.toCRM) > 0
	moved := etag != pr.etag || !sameHashes(out.synced, pr.base)
	op := Operation{
		CRMID: pr.crmID, GroupwareID: pr.gwID, ETag: etag,
		ToGroupware: out.toGW, ToCRM: out.toCRM, Synced: out.synced,
		NewLink: pr.matchedBy != "", Conflict: out.conflict,
	}
	switch {
	case op.NewLink:
		op.Kind = LinkPair
		out.reasons = append([]string{"the same record, found by " + pr.matchedBy}, out.reasons...)
	case writes:
		op.Kind = Update
	case moved:
		op.Kind = Refresh
		out.reasons = append(out.reasons, "the sync state catches up (same values on both sides, or a new item version)")
	case len(out.withheld) > 0:
		op.Kind, op.Synced = Skip, nil
	default:
		return
	}
	op.Reason = strings.Join(append(out.reasons, p.withheldReason(out.withheld)...), "; ")
	p.plan.add(op)
}

// withheldReason says which changes the rule's --no-update kept back.
func (p *planner) withheldReason(fields []string) []string {
	if len(fields) == 0 {
		return nil
	}
	return []string{"not written, updates are off for this rule: " + strings.Join(fields, ", ")}
}
