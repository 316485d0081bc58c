package groupwaresync

import (
	"context"
	"strings"

	"github.com/wfehq/wfe/actions/groupwaresync/plan"
	"github.com/wfehq/wfe/store/syncstate"
)

// finish stores what waits for a person, drops the decisions the run
// applied, and, when every record went through, moves the folders'
// tokens and the reference date to this run's start (R60).
func (r *run) finish(ctx context.Context, p *plan.Plan) error {
	var conflicts []syncstate.Conflict
	var pending []syncstate.Pending
	held := map[string]bool{}
	for _, op := range p.Operations {
		switch op.Kind {
		case plan.Conflict:
			conflicts = append(conflicts, r.conflictRow(op))
			held[op.CRMID] = true
		case plan.OnlyInGroupware:
			pending = append(pending, r.pendingRow(op))
		}
	}
	sy := r.Store.Sync()
	if !r.incomplete {
		for _, c := range r.held.Conflicts {
			if c.Keep != "" && !held[c.CRMID] {
				if err := sy.SettleConflict(ctx, c.ID); err != nil {
					return err
				}
			}
		}
	}
	if err := sy.ReplaceHeld(ctx, r.acct, conflicts, pending); err != nil {
		return err
	}
	if r.incomplete {
		return nil
	}
	return sy.FinishRun(ctx, r.acct, r.gw.tokens, r.start)
}

func (r *run) conflictRow(op plan.Operation) syncstate.Conflict {
	c := syncstate.Conflict{CRMID: op.CRMID, GroupwareID: op.GroupwareID, Reason: op.Reason}
	if info := op.Conflict; info != nil {
		c.Fields, c.CRMVersion, c.GroupwareVersion = info.Fields, info.CRM, info.Groupware
		if cand := info.Candidates; cand != nil {
			c.CRMID, c.GroupwareID = strings.Join(cand.CRMIDs, ","), strings.Join(cand.GroupwareIDs, ",")
			c.Fields = []string{cand.Key}
		}
	}
	return c
}

func (r *run) pendingRow(op plan.Operation) syncstate.Pending {
	p := syncstate.Pending{GroupwareID: op.GroupwareID, FolderID: r.linkFolder(op.GroupwareID), ETag: op.ETag}
	if it := r.gw.items[op.GroupwareID]; it != nil {
		p.CRMCarried = it.CRMID
		p.Fields = r.mapping.groupwareFields(it)
		p.Email = firstNonEmpty(it.Emails...)
		p.Name = firstNonEmpty(it.DisplayName, strings.TrimSpace(it.GivenName+" "+it.Surname))
		return p
	}
	for _, old := range r.held.Pending {
		if old.GroupwareID == op.GroupwareID {
			p.CRMCarried, p.Fields, p.Email, p.Name = old.CRMCarried, old.Fields, old.Email, old.Name
		}
	}
	return p
}
