package groupwaresync

import (
	"context"
	"fmt"
	"strconv"

	"github.com/wfehq/wfe/actions/groupwaresync/plan"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/syncstate"
)

// PlanOptions reads a rule's settings as the planner's options (the
// default partner still by name).
func PlanOptions(rule *syncstate.Rule) (plan.Options, error) {
	var o plan.Options
	var err error
	if o.Master, err = plan.ParseSide("master", rule.Master); err != nil {
		return o, err
	}
	if o.Conflict, err = plan.ParsePolicy(rule.Conflict); err != nil {
		return o, err
	}
	if rule.Overwrite != "" {
		if o.Overwrite, err = plan.ParseSide("overwrite", rule.Overwrite); err != nil {
			return o, err
		}
	}
	o.ToGroupware = plan.Direction{NoCreate: !rule.GWCreate, NoUpdate: !rule.GWUpdate, Delete: rule.GWDelete}
	o.ToCRM = plan.Direction{NoCreate: !rule.CRMCreate, NoUpdate: !rule.CRMUpdate, Delete: rule.CRMDelete}
	return o, o.Validate()
}

// options are the rule's planner options for this run, with the default
// partner found by name.
func (r *run) options(ctx context.Context, opts Options) (plan.Options, error) {
	o, err := PlanOptions(r.rule)
	if err != nil {
		return o, fmt.Errorf("sync rule %s: %w", r.rule.Name, err)
	}
	o.AllowMassDelete = opts.AllowMassDelete
	if r.rule.DefaultPartner != "" {
		ids, err := r.Store.Sync().PartnerIDsByName(ctx, r.rule.DefaultPartner)
		if err != nil {
			return o, err
		}
		if len(ids) != 1 {
			return o, fmt.Errorf("sync rule %s: default partner %q names %d business partners, want exactly one: %w",
				r.rule.Name, r.rule.DefaultPartner, len(ids), store.ErrNotFound)
		}
		o.DefaultPartner = strconv.FormatInt(ids[0], 10)
	}
	return o, nil
}

// addNeeds adds the records the plan asked for to the listings.
func (r *run) addNeeds(ctx context.Context, in *plan.Input, needs []plan.Need) error {
	byFolder := map[string][]string{}
	for _, n := range needs {
		if n.Side == plan.CRM {
			if c := r.crm[n.ID]; c != nil && !listed(in.CRM, n.ID) {
				if ok, _ := r.filter.Match(c); ok {
					in.CRM.Records = append(in.CRM.Records, plan.Record{ID: n.ID, Fields: r.mapping.crmFields(c), Modified: c.UpdatedAt})
				}
			}
			continue
		}
		fid := r.linkFolder(n.ID)
		byFolder[fid] = append(byFolder[fid], n.ID)
	}
	for fid, ids := range byFolder {
		if f, ok := r.gw.folders[fid]; ok {
			if err := r.readItems(ctx, f, ids); err != nil {
				return err
			}
		}
	}
	in.Groupware = r.groupwareListing()
	return nil
}

func listed(l plan.Listing, id string) bool {
	for _, rec := range l.Records {
		if rec.ID == id {
			return true
		}
	}
	return false
}
