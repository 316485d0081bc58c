package groupwaresync

import (
	"context"
	"fmt"

	"github.com/wfehq/wfe/actions/groupwaresync/plan"
	"github.com/wfehq/wfe/groupware"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/syncstate"
)

// calRun is one calendar rule's sync (appointments or tasks) for one
// employee. It shares the contact run's account, state, held records,
// options, run record and finish (tokens and reference date), and keeps
// its own items: events or tasks on the groupware side, activities on
// the CRM side.
type calRun struct {
	*run
	table  calTable
	window groupware.Window // zero for tasks
	filter *Filter
	src    groupware.Source[groupware.Event]
	items  map[string]*groupware.Event // groupware id → item read
	acts   map[string]*store.Activity  // CRM id → activity read
}

// IsCalendarTable reports whether a rule's table is appointments or
// tasks, which sync activities with calendars and task lists.
func IsCalendarTable(table string) bool {
	_, ok := calendarTableOf(table)
	return ok
}

// runCalendar runs (or previews) a calendar rule for every employee in
// its scope, with the same report and run record as a contacts rule.
func (r *Runner) runCalendar(ctx context.Context, rule *syncstate.Rule, opts Options) (*Report, error) {
	table, _ := calendarTableOf(rule.Table)
	filter, err := CompileActivityFilter(rule.Filter)
	if err != nil {
		return nil, fmt.Errorf("sync rule %s: %w", rule.Name, err)
	}
	win, err := ruleWindow(rule, table)
	if err != nil {
		return nil, fmt.Errorf("sync rule %s: %w", rule.Name, err)
	}
	return r.forEachEmployee(ctx, rule, opts, func(one *run) {
		c := &calRun{run: one, table: table, filter: filter, items: map[string]*groupware.Event{}, acts: map[string]*store.Activity{}}
		if table.windowed {
			c.window = groupware.WindowAround(one.start, win.FromDays, win.ToDays)
		}
		c.sync(ctx, opts)
	})
}

// ruleWindow reads an appointments rule's window (the default when it
// names none).
func ruleWindow(rule *syncstate.Rule, table calTable) (Window, error) {
	if !table.windowed {
		return Window{}, nil
	}
	s := rule.Window
	if s == "" {
		s = DefaultWindow
	}
	return ParseWindow(s)
}

// sync is one employee's part: sign in, list both sides, plan, apply.
func (c *calRun) sync(ctx context.Context, opts Options) {
	if !c.ready(ctx) {
		return
	}
	c.src = c.table.source(c.sess.conn, c.window)
	p, err := c.plan(ctx, opts)
	if err != nil {
		c.signInFailed(ctx, err)
		return
	}
	c.rep.count(p.Summary())
	if opts.Preview || p.Refused() {
		return
	}
	c.apply(ctx, p)
	if err := c.finish(ctx, p); err != nil {
		c.rep.fail(err)
	}
}

// plan lists both sides and computes the plan, adding the records the
// plan asks for and computing again.
func (c *calRun) plan(ctx context.Context, opts Options) (*plan.Plan, error) {
	folders, newItems, err := c.resolveFolders(ctx)
	if err != nil {
		return nil, err
	}
	c.newItems = newItems
	if err := c.listGroupware(ctx, folders); err != nil {
		return nil, err
	}
	crmL, err := c.crmListing(ctx)
	if err != nil {
		return nil, err
	}
	in, err := c.input(ctx, opts, crmL)
	if err != nil {
		return nil, err
	}
	in.Table, in.Groupware = c.table.plan, c.groupwareListing()
	for round := 1; ; round++ {
		p, err := plan.Compute(in)
		if err != nil || len(p.Needs) == 0 || round == maxPlanRounds {
			return p, err
		}
		if err := c.addNeeds(ctx, &in, p.Needs); err != nil {
			return nil, err
		}
	}
}
