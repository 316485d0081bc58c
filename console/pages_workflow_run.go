package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/wfehq/wfe/store"
)

// runWorkflow runs an active workflow now, as the employee of the form
// (like `wfe run WORKFLOWID --as LOGIN`), and opens the run's page. A
// run that failed opens its page too, with its error; a workflow that
// could not be run (inactive, does not compile, unknown employee) is
// refused with the reason.
func (s *Server) runWorkflow(w http.ResponseWriter, r *http.Request) {
	id, runAs := r.PathValue("id"), strings.TrimSpace(r.PostFormValue("run_as"))
	if s.opts.RunWorkflow == nil {
		s.fail(w, r, http.StatusServiceUnavailable, "workflows cannot be run from this console (no runner)")
		return
	}
	def, ok := s.loadWorkflow(w, r)
	if !ok {
		return
	}
	if !def.Active {
		s.fail(w, r, http.StatusConflict, "workflow "+id+" is not active; activate it before running it")
		return
	}
	if runAs != "" {
		if _, err := s.opts.Store.EmployeeByLogin(r.Context(), runAs); err != nil {
			s.storeFailure(w, r, "run as employee "+runAs, err)
			return
		}
	}
	runID, err := s.opts.RunWorkflow(r.Context(), id, runAs)
	if runID == "" {
		if err == nil {
			err = errors.New("no run record was saved")
		}
		s.audit(r, principalOf(r), "workflow.run", id, "not run: "+err.Error())
		s.fail(w, r, http.StatusConflict, "run workflow "+id+": "+err.Error())
		return
	}
	outcome := "ran"
	if err != nil {
		outcome = "failed: " + err.Error()
	}
	s.changed(w, r, "workflow.run", id, fmt.Sprintf("run %s as %s: %s", runID, orNobody(runAs), outcome),
		"/runs/"+url.PathEscape(runID), "workflow "+id+" "+outcome)
}

// runForm is the "Run now" form of a workflow's page: the employees to
// run as, the only one chosen when there is exactly one.
type runForm struct {
	Employees []store.Employee
	Default   string
}

// workflowRunForm gives the form for an admin on an active workflow when
// the console can run workflows; nil otherwise.
func (s *Server) workflowRunForm(ctx context.Context, p *Principal, def *store.WorkflowDef) (*runForm, error) {
	if s.opts.RunWorkflow == nil || p == nil || !p.CanChange() || !def.Active {
		return nil, nil
	}
	emps, err := s.opts.Store.ListEmployees(ctx)
	if err != nil {
		return nil, err
	}
	f := &runForm{Employees: emps}
	if len(emps) == 1 {
		f.Default = emps[0].Login
	}
	return f, nil
}
