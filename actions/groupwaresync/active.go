package groupwaresync

import "context"

// RunActive runs every active rule (the built-in timer's work, R56), each
// on its own: a rule that cannot run at all has its Error set in its
// report, and the other rules go on.
func (r *Runner) RunActive(ctx context.Context, opts Options) ([]*Report, error) {
	rules, err := r.Store.Sync().ListRules(ctx)
	if err != nil {
		return nil, err
	}
	out := []*Report{}
	for _, rule := range rules {
		if !rule.Active {
			continue
		}
		rep, err := r.Run(ctx, rule.Name, opts)
		if err != nil {
			rep = &Report{Rule: rule.Name, Employees: []EmployeeReport{}, Error: err.Error()}
		}
		out = append(out, rep)
	}
	return out, nil
}
