package console

import (
	"encoding/json"
	"net/http"

	"github.com/wfehq/wfe/engine"

	"github.com/wfehq/wfe/store"
	sc "github.com/wfehq/wfe/store/console"
)

type runsData struct {
	Runs   []store.Run
	Filter sc.RunQuery
	Since  string
	Until  string
	Next   string // query of the next page ("" on the last)
}

// runsPage lists runs with filters by workflow, timer, status and time,
// newest first, a page at a time.
func (s *Server) runsPage(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	q, err := runQuery(v)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	list, err := s.opts.Store.Console().RunsPage(r.Context(), q)
	if err != nil {
		s.internal(w, r, "list runs", err)
		return
	}
	d := runsData{Runs: list, Filter: q, Since: v.Get("since"), Until: v.Get("until")}
	if len(list) > 0 && len(list) == pageSize(q) {
		v.Set("after", cursorAfter(list[len(list)-1]))
		v.Del("flash")
		d.Next = v.Encode()
	}
	s.render(w, r, http.StatusOK, "runs", d)
}

// runData is a run with its record pretty-printed (steps, actions,
// durations, outputs, log lines and errors; secrets were redacted when
// the record was written).
type runData struct {
	Run    *store.Run
	Record string
	// Workflow is the record of a workflow run read as the engine wrote
	// it (nil for other runs, such as an import timer's), for the steps
	// table.
	Workflow *engine.RunRecord
}

func (s *Server) runPage(w http.ResponseWriter, r *http.Request) {
	run, ok := s.loadRun(w, r)
	if !ok {
		return
	}
	rec, err := json.MarshalIndent(run.Record, "", "  ")
	if err != nil {
		rec = run.Record
	}
	d := runData{Run: run, Record: string(rec)}
	var wr engine.RunRecord
	if run.WorkflowID != "" && json.Unmarshal(run.Record, &wr) == nil && len(wr.Steps) > 0 {
		d.Workflow = &wr
	}
	s.render(w, r, http.StatusOK, "run", d)
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) {
	list, err := s.opts.Store.Console().ListAudit(r.Context(), 0, 200)
	if err != nil {
		s.internal(w, r, "read the audit log", err)
		return
	}
	s.render(w, r, http.StatusOK, "audit", list)
}
