package console

import (
	"context"
	"net/http"
	"strconv"

	"github.com/wfehq/wfe/actions/groupwaresync"
	"github.com/wfehq/wfe/store/syncstate"
)

// SyncRunner runs or previews a groupware sync rule
// (*groupwaresync.Runner).
type SyncRunner interface {
	Run(ctx context.Context, ruleName string, opts groupwaresync.Options) (*groupwaresync.Report, error)
}

func (s *Server) syncRunner() SyncRunner {
	if s.opts.Sync != nil {
		return s.opts.Sync
	}
	return &groupwaresync.Runner{Store: s.opts.Store}
}

// syncData is the sync page: the rules, the conflict queue with both
// versions side by side, and the report of a preview or a run.
type syncData struct {
	Rules     []syncstate.Rule
	Conflicts []syncstate.Conflict
	Report    *groupwaresync.Report
	Error     string
	Held      *syncHeld
}

func (s *Server) syncPage(w http.ResponseWriter, r *http.Request) {
	s.renderSync(w, r, nil, "")
}

func (s *Server) renderSync(w http.ResponseWriter, r *http.Request, rep *groupwaresync.Report, runErr string) {
	rules, err := s.opts.Store.Sync().ListRules(r.Context())
	if err != nil {
		s.internal(w, r, "list sync rules", err)
		return
	}
	conflicts, err := s.opts.Store.Sync().ListConflicts(r.Context())
	if err != nil {
		s.internal(w, r, "list sync conflicts", err)
		return
	}
	held, err := s.loadSyncHeld(r)
	if err != nil {
		s.internal(w, r, "load pending imports and the contact mapping", err)
		return
	}
	s.render(w, r, http.StatusOK, "sync", syncData{Rules: rules, Conflicts: conflicts, Report: rep, Error: runErr, Held: held})
}

// previewSync plans a rule without writing anything anywhere and shows
// its counts (what a run would do).
func (s *Server) previewSync(w http.ResponseWriter, r *http.Request) {
	s.syncRule(w, r, true)
}

// runSync runs a rule now ("Abgleich ausführen").
func (s *Server) runSync(w http.ResponseWriter, r *http.Request) {
	s.audit(r, principalOf(r), "sync.run", r.PathValue("rule"), "run now")
	s.syncRule(w, r, false)
}

func (s *Server) syncRule(w http.ResponseWriter, r *http.Request, preview bool) {
	rep, err := s.syncRunner().Run(r.Context(), r.PathValue("rule"), groupwaresync.Options{Preview: preview})
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	s.renderSync(w, r, rep, msg)
}

// resolveConflict records which side of a held conflict to keep; the next
// run of its rule applies it.
func (s *Server) resolveConflict(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, r, http.StatusNotFound, "no conflict "+r.PathValue("id"))
		return
	}
	keep := r.PostFormValue("keep")
	if err := s.opts.Store.Sync().DecideConflict(r.Context(), id, keep); err != nil {
		s.storeFailure(w, r, "conflict "+r.PathValue("id"), err)
		return
	}
	s.changed(w, r, "sync.resolve", r.PathValue("id"), "keep "+keep, "/sync", "conflict "+r.PathValue("id")+": the "+keep+" version is kept at the next run")
}
