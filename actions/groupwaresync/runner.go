package groupwaresync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/wfehq/wfe/actions/groupwaresync/plan"
	"github.com/wfehq/wfe/groupware"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/syncstate"
)

// ServiceUser is the system user the sync runs as (R56).
const ServiceUser = "CRM_SERVICE"

// Runner runs sync rules: per employee in the rule's scope it signs in
// to the groupware, plans, and (unless previewing) applies the plan.
type Runner struct {
	Store *store.Store
	// HTTPClient carries groupware requests (nil: http.DefaultClient).
	HTTPClient *http.Client
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// Options steer one run.
type Options struct {
	// Employee limits the run to one login ("" = everyone in scope).
	Employee string
	// Preview plans without writing anything anywhere (R58).
	Preview bool
	// AllowMassDelete lifts the mass-delete guard for this run.
	AllowMassDelete bool
	// NoRecord leaves out the run record (the caller records the run:
	// a workflow's step, the built-in timer).
	NoRecord bool
}

// run is one rule's sync for one employee.
type run struct {
	*Runner
	rule    *syncstate.Rule
	acct    syncstate.Account
	emp     *store.Employee
	cfg     *store.MailConfig
	mapping Mapping
	filter  *Filter
	sess    *session
	state   *syncstate.State
	held    *syncstate.Held
	gw      *gwSide
	// newItems is the folder new groupware items are created in.
	newItems groupware.Folder
	crm      map[string]*syncstate.Contact
	rep      *EmployeeReport
	start    time.Time

	linkByCRM, linkByGW map[string]syncstate.Link
	// incomplete is set when a record could not be read or written: the
	// tokens and the reference date then stay, so the next run retries.
	incomplete bool
	// mu guards gw.folderOf, rep and incomplete while records are
	// applied side by side.
	mu sync.Mutex
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now().UTC()
	}
	return time.Now().UTC()
}

// Run runs (or previews) the named rule. An employee's failure is in the
// report and never stops the others; the error is for the rule itself
// (unknown rule, bad filter or mapping). A run that writes also stores a
// run record.
func (r *Runner) Run(ctx context.Context, ruleName string, opts Options) (*Report, error) {
	rule, err := r.Store.Sync().RuleByName(ctx, ruleName)
	if err != nil {
		return nil, err
	}
	if IsCalendarTable(rule.Table) {
		return r.runCalendar(ctx, rule, opts)
	}
	if IsEmailTable(rule.Table) {
		return r.runEmail(ctx, rule, opts)
	}
	mapping, err := LoadMapping(ctx, r.Store)
	if err != nil {
		return nil, err
	}
	filter, err := CompileFilter(rule.Filter)
	if err != nil {
		return nil, fmt.Errorf("sync rule %s: %w", rule.Name, err)
	}
	return r.forEachEmployee(ctx, rule, opts, func(one *run) {
		one.mapping, one.filter, one.crm = mapping, filter, map[string]*syncstate.Contact{}
		one.sync(ctx, opts)
	})
}

// forEachEmployee runs part for every employee in the rule's scope (or
// the one opts names), each with its own run and report, and records the
// run unless it is a preview or opts says the caller records it.
func (r *Runner) forEachEmployee(ctx context.Context, rule *syncstate.Rule, opts Options, part func(one *run)) (*Report, error) {
	emps, err := r.scope(ctx, rule, opts.Employee)
	if err != nil {
		return nil, err
	}
	started := r.now()
	rep := &Report{Rule: rule.Name, Preview: opts.Preview, Employees: []EmployeeReport{}}
	for i := range emps {
		one := &run{Runner: r, rule: rule, emp: &emps[i], start: r.now(), rep: &EmployeeReport{Login: emps[i].Login}}
		one.acct = syncstate.Account{RuleID: rule.ID, EmployeeID: emps[i].ID}
		part(one)
		rep.Employees = append(rep.Employees, *one.rep)
	}
	if !opts.Preview && !opts.NoRecord {
		if err := r.record(ctx, rep, started); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// scope lists the employees a rule is valid for (R57), or the one named.
func (r *Runner) scope(ctx context.Context, rule *syncstate.Rule, login string) ([]store.Employee, error) {
	all, err := r.Store.ListEmployees(ctx)
	if err != nil {
		return nil, err
	}
	members := map[int64]bool{}
	if rule.Scope == syncstate.ScopeGroup {
		ids, err := r.Store.Sync().GroupMembers(ctx, rule.ScopeName)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			members[id] = true
		}
	}
	var out []store.Employee
	for _, e := range all {
		in := rule.Scope == syncstate.ScopeAll || (rule.Scope == syncstate.ScopeUser && e.Login == rule.ScopeName) || members[e.ID]
		if in && (login == "" || e.Login == login) {
			out = append(out, e)
		}
	}
	if login != "" && len(out) == 0 {
		return nil, fmt.Errorf("employee %q is not in the scope of sync rule %s (%s): %w", login, rule.Name, rule.ScopeText(), store.ErrNotFound)
	}
	return out, nil
}

// record writes the run record: per employee counts and errors.
func (r *Runner) record(ctx context.Context, rep *Report, started time.Time) error {
	body, err := json.Marshal(rep)
	if err != nil {
		return err
	}
	done := r.now()
	status := store.RunSucceeded
	if rep.Failed() {
		status = store.RunFailed
	}
	return r.Store.SaveRun(ctx, &store.Run{WorkflowID: "sync:" + rep.Rule, RunAs: ServiceUser, StartedAt: started,
		FinishedAt: &done, Status: status, Record: body})
}

// sync is one employee's part: sign in, list both sides, plan, apply.
func (r *run) sync(ctx context.Context, opts Options) {
	if !r.ready(ctx) {
		return
	}
	p, err := r.plan(ctx, opts)
	if err != nil {
		r.signInFailed(ctx, err)
		return
	}
	r.rep.count(p.Summary())
	if opts.Preview || p.Refused() {
		return
	}
	r.apply(ctx, p)
	if err := r.finish(ctx, p); err != nil {
		r.rep.fail(err)
	}
}

// ready prepares the employee's part; false (reported) when the employee
// is locked or the preparation failed.
func (r *run) ready(ctx context.Context) bool {
	if r.emp.Locked {
		r.rep.Skipped = "locked (" + r.emp.LockedReason + "): no sign-in until the credentials change"
		return false
	}
	if err := r.prepare(ctx); err != nil {
		r.signInFailed(ctx, err)
		return false
	}
	return true
}

// prepare loads the account's configuration, state and connector.
func (r *run) prepare(ctx context.Context) error {
	cfgs, err := r.Store.Sync().GroupwareConfigs(ctx)
	if err != nil {
		return err
	}
	id, ok := cfgs[r.emp.ID]
	if !ok {
		return fmt.Errorf("employee %s has no groupware configuration (wfe employee set %s --groupware-config NAME)", r.emp.Login, r.emp.Login)
	}
	if r.cfg, err = r.Store.GetMailConfig(ctx, id); err != nil {
		return err
	}
	if r.cfg.AutoLocked {
		return fmt.Errorf("mail configuration %s is locked (%s)", r.cfg.MatchCode, r.cfg.AutoLockedReason)
	}
	if r.sess, err = Connect(ctx, r.Store, r.cfg, r.emp, r.HTTPClient); err != nil {
		return err
	}
	if err := r.mapping.Check(r.sess.system); err != nil {
		return fmt.Errorf("field mapping: %w", err)
	}
	if r.state, err = r.Store.Sync().LoadState(ctx, r.acct); err != nil {
		return err
	}
	r.linkByCRM, r.linkByGW = map[string]syncstate.Link{}, map[string]syncstate.Link{}
	for _, l := range r.state.Links {
		r.linkByCRM[l.CRMID], r.linkByGW[l.GroupwareID] = l, l
	}
	r.held, err = r.Store.Sync().LoadHeld(ctx, r.acct)
	return err
}

// signInFailed reports an employee's failure; a refused sign-in locks
// the credentials' owner so no further sign-in is tried (R50, R56).
func (r *run) signInFailed(ctx context.Context, err error) {
	r.rep.fail(err)
	if errors.Is(err, groupware.ErrAuth) && r.sess != nil {
		if lerr := lockAfterAuth(ctx, r.Store, r.sess, r.cfg, r.emp, err); lerr != nil {
			r.rep.fail(lerr)
		} else {
			r.rep.Skipped = "locked after a refused sign-in: no sign-in until the credentials change"
		}
	}
}

// maxPlanRounds bounds how often a plan is computed again with the
// records it asked for.
const maxPlanRounds = 3

// plan lists both sides and computes the plan, adding records the plan
// asks for (Plan.Needs) and computing again.
func (r *run) plan(ctx context.Context, opts Options) (*plan.Plan, error) {
	folders, newItems, err := r.resolveFolders(ctx)
	if err != nil {
		return nil, err
	}
	r.newItems = newItems
	if err := r.listGroupware(ctx, folders); err != nil {
		return nil, err
	}
	contacts, err := r.Store.Sync().ListContacts(ctx)
	if err != nil {
		return nil, err
	}
	crmL, err := r.crmListing(contacts)
	if err != nil {
		return nil, err
	}
	in, err := r.input(ctx, opts, crmL)
	if err != nil {
		return nil, err
	}
	for round := 1; ; round++ {
		p, err := plan.Compute(in)
		if err != nil || len(p.Needs) == 0 || round == maxPlanRounds {
			return p, err
		}
		if err := r.addNeeds(ctx, &in, p.Needs); err != nil {
			return nil, err
		}
	}
}

// input assembles the planner's input.
func (r *run) input(ctx context.Context, opts Options, crmL plan.Listing) (plan.Input, error) {
	o, err := r.options(ctx, opts)
	if err != nil {
		return plan.Input{}, err
	}
	in := plan.Input{Table: r.mapping.table(), Options: o, CRM: crmL, Groupware: r.groupwareListing(),
		Decisions: map[string]plan.Side{}, Imports: map[string]string{}}
	for _, l := range r.state.Links {
		in.State = append(in.State, plan.Link{CRMID: l.CRMID, GroupwareID: l.GroupwareID, Synced: l.Synced, ETag: l.ETag})
	}
	for _, c := range r.held.Conflicts {
		if c.Keep != "" && c.CRMID != "" {
			side, _ := plan.ParseSide("keep", c.Keep)
			in.Decisions[c.CRMID] = side
		}
	}
	for _, p := range r.held.Pending {
		if p.PartnerID != nil {
			in.Imports[p.GroupwareID] = strconv.FormatInt(*p.PartnerID, 10)
		}
	}
	in.Partners = func(name string) []string {
		ids, _ := r.Store.Sync().PartnerIDsByName(ctx, name)
		out := make([]string, len(ids))
		for i, id := range ids {
			out[i] = strconv.FormatInt(id, 10)
		}
		return out
	}
	return in, nil
}
