package groupwaresync

import "github.com/wfehq/wfe/actions/groupwaresync/plan"

// Report is what a run (or preview) of one rule did, per employee; the
// preview's JSON shape (R58).
type Report struct {
	Rule      string           `json:"rule"`
	Preview   bool             `json:"preview,omitempty"`
	Employees []EmployeeReport `json:"employees"`
}

// EmployeeReport counts one employee's part of a run.
type EmployeeReport struct {
	Login           string      `json:"login"`
	ToGroupware     plan.Counts `json:"to_groupware"`
	ToCRM           plan.Counts `json:"to_crm"`
	OnlyInGroupware int         `json:"only_in_groupware"`
	Conflicts       int         `json:"conflicts"`
	// Linked counts pairs found on both sides and linked (first runs).
	Linked int `json:"linked"`
	// Failed counts records whose write failed; they are retried next run.
	Failed int `json:"failed"`
	// Refused holds the mass-delete guard's message: nothing was written.
	Refused string `json:"refused,omitempty"`
	// Skipped says why the employee was not synced (locked, no account).
	Skipped string `json:"skipped,omitempty"`
	// Errors are the failures of this employee (never secrets).
	Errors []string `json:"errors,omitempty"`
}

func (r *EmployeeReport) count(s plan.Summary) {
	r.ToGroupware, r.ToCRM = s.ToGroupware, s.ToCRM
	r.OnlyInGroupware, r.Conflicts, r.Linked, r.Refused = s.OnlyInGroupware, s.Conflicts, s.Linked, s.Refused
}

func (r *EmployeeReport) fail(err error) {
	r.Errors = append(r.Errors, err.Error())
}

// Failed reports whether any employee had an error.
func (r *Report) Failed() bool {
	for _, e := range r.Employees {
		if len(e.Errors) > 0 {
			return true
		}
	}
	return false
}
