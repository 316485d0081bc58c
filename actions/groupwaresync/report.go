package groupwaresync

import (
	"fmt"

	"github.com/wfehq/wfe/actions/groupwaresync/plan"
)

// Report is what a run (or preview) of one rule did, per employee; the
// preview's JSON shape (R58).
type Report struct {
	Rule      string           `json:"rule"`
	Preview   bool             `json:"preview,omitempty"`
	Employees []EmployeeReport `json:"employees"`
	// Error says why the rule could not run at all (unknown rule, bad
	// filter or mapping); set by RunActive only.
	Error string `json:"error,omitempty"`
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
	// Quarantined counts mails an email rule put into quarantine.
	Quarantined int `json:"quarantined,omitempty"`
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

// Summary is one line of counts.
func (r *EmployeeReport) Summary() string {
	return fmt.Sprintf("%s: to groupware %d new, %d changed, %d deleted; to crm %d new, %d changed, %d deleted; %d only in groupware, %d conflicts, %d linked, %d failed",
		r.Login, r.ToGroupware.New, r.ToGroupware.Changed, r.ToGroupware.Deleted, r.ToCRM.New, r.ToCRM.Changed,
		r.ToCRM.Deleted, r.OnlyInGroupware, r.Conflicts, r.Linked, r.Failed)
}

func (r *EmployeeReport) fail(err error) {
	r.Errors = append(r.Errors, err.Error())
}

// Failed reports whether the rule or any employee had an error.
func (r *Report) Failed() bool {
	if r.Error != "" {
		return true
	}
	for _, e := range r.Employees {
		if len(e.Errors) > 0 {
			return true
		}
	}
	return false
}
