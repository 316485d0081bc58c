package console

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wfehq/wfe/console/watchdog"
	"github.com/wfehq/wfe/schema"
	"github.com/wfehq/wfe/store"
	sc "github.com/wfehq/wfe/store/console"
)

// sources judges every source now.
func (s *Server) sources(r *http.Request) ([]watchdog.Source, error) {
	cfg := s.opts.Watchdog
	if s.opts.Scheduler != nil {
		cfg.NextRuns = s.opts.Scheduler.NextRuns
	}
	return watchdog.Sources(r.Context(), s.opts.Store, cfg, s.opts.Now())
}

func (s *Server) apiSources(w http.ResponseWriter, r *http.Request) {
	src, err := s.sources(r)
	if err != nil {
		s.internal(w, r, "read the sources", err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(src))
}

func (s *Server) apiWorkflows(w http.ResponseWriter, r *http.Request) {
	defs, err := s.opts.Store.ListWorkflows(r.Context())
	if err != nil {
		s.internal(w, r, "list workflows", err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(defs))
}

// apiImportWorkflow imports the XML document of the body (?name=FILE
// names it in diagnostics, ?activate=1 activates it). An invalid document
// is 422 with every diagnostic.
func (s *Server) apiImportWorkflow(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxUpload))
	if err != nil {
		s.fail(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("the document is larger than %d bytes", maxUpload))
		return
	}
	name := r.URL.Query().Get("name")
	if name == "" {
		name = "upload.xml"
	}
	res, diags, err := s.importWorkflow(r, name, data, r.URL.Query().Get("activate") == "1")
	switch {
	case diags != nil:
		writeJSON(w, http.StatusUnprocessableEntity, apiError{Error: "the workflow is invalid; nothing was imported", Diagnostics: diags})
	case err != nil:
		s.internal(w, r, "import the workflow", err)
	default:
		writeJSON(w, http.StatusOK, res)
	}
}

// Diagnostic is one validation problem as the API and the upload page
// show it.
type Diagnostic struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Path    string `json:"path,omitempty"`
	Code    string `json:"code,omitempty"`
	Message string `json:"message"`
}

// importWorkflow validates and stores a document and audits it. An
// invalid document gives its diagnostics (never nil then) and no error.
func (s *Server) importWorkflow(r *http.Request, name string, data []byte, activate bool) (*store.WorkflowImportResult, []Diagnostic, error) {
	files := []store.WorkflowFile{{Name: name, Data: data}}
	res, err := s.opts.Store.ImportWorkflows(r.Context(), files, s.opts.Validate, store.ImportOptions{Activate: activate})
	var invalid *store.WorkflowImportError
	if errors.As(err, &invalid) {
		return nil, diagnosticsOf(invalid), nil
	}
	if err != nil {
		return nil, nil, err
	}
	out := res[0]
	s.audit(r, principalOf(r), "workflow.import", out.WorkflowID,
		fmt.Sprintf("%s version %d from %s (%s)", out.Outcome, out.Version, name, map[bool]string{true: "activated", false: "not activated"}[activate]))
	return &out, nil, nil
}

// diagnosticsOf lists the positioned problems of refused files; a file
// error without positions becomes one diagnostic at line 0.
func diagnosticsOf(e *store.WorkflowImportError) []Diagnostic {
	out := []Diagnostic{}
	for _, f := range e.Files {
		var ds schema.Diagnostics
		var d schema.Diagnostic
		switch {
		case errors.As(f.Err, &ds):
			for _, d := range ds {
				out = append(out, Diagnostic{File: f.File, Line: d.Line, Column: d.Col, Path: d.Path, Code: d.Code, Message: d.Message})
			}
		case errors.As(f.Err, &d):
			out = append(out, Diagnostic{File: f.File, Line: d.Line, Column: d.Col, Path: d.Path, Code: d.Code, Message: d.Message})
		default:
			out = append(out, Diagnostic{File: f.File, Message: f.Err.Error()})
		}
	}
	return out
}

// runQuery reads the run filters of a request: workflow, timer, status,
// since and until (RFC 3339 or YYYY-MM-DD), after (a cursor), limit.
func runQuery(v url.Values) (sc.RunQuery, error) {
	q := sc.RunQuery{WorkflowID: v.Get("workflow"), Timer: v.Get("timer"), Status: v.Get("status")}
	var err error
	if q.Since, err = parseWhen("since", v.Get("since")); err != nil {
		return q, err
	}
	if q.Until, err = parseWhen("until", v.Get("until")); err != nil {
		return q, err
	}
	if l := v.Get("limit"); l != "" {
		if q.Limit, err = strconv.Atoi(l); err != nil || q.Limit < 1 {
			return q, fmt.Errorf("limit %q: want a positive number", l)
		}
	}
	if c := v.Get("after"); c != "" {
		raw, err := base64.RawURLEncoding.DecodeString(c)
		at, id, ok := strings.Cut(string(raw), "|")
		if q.AfterStart, q.AfterID = parseTime(at), id; err != nil || !ok || q.AfterStart.IsZero() {
			return q, fmt.Errorf("after %q: not a cursor of this list", c)
		}
	}
	return q, nil
}

func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

func parseWhen(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, time.Local); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%s %q: want RFC 3339 (2026-12-05T10:00:00Z) or a date (2026-12-05)", field, s)
}

// cursorAfter is the cursor of the page after the one ending with r.
func cursorAfter(r store.Run) string {
	return base64.RawURLEncoding.EncodeToString([]byte(r.StartedAt.UTC().Format(time.RFC3339Nano) + "|" + r.ID))
}

// apiRuns lists runs newest first; a full page links the next one in a
// Link header (rel="next").
func (s *Server) apiRuns(w http.ResponseWriter, r *http.Request) {
	q, err := runQuery(r.URL.Query())
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	list, err := s.opts.Store.Console().RunsPage(r.Context(), q)
	if err != nil {
		s.internal(w, r, "list runs", err)
		return
	}
	if len(list) > 0 && len(list) == pageSize(q) {
		v := r.URL.Query()
		v.Set("after", cursorAfter(list[len(list)-1]))
		w.Header().Set("Link", fmt.Sprintf(`<%s?%s>; rel="next"`, r.URL.Path, v.Encode()))
	}
	writeJSON(w, http.StatusOK, nonNil(list))
}

func pageSize(q sc.RunQuery) int {
	if q.Limit <= 0 {
		return 50
	}
	return min(q.Limit, 500)
}

func (s *Server) apiRun(w http.ResponseWriter, r *http.Request) {
	if run, ok := s.loadRun(w, r); ok {
		writeJSON(w, http.StatusOK, run)
	}
}

// loadRun reads the run of the path's {id}, answering 404 or 500 itself.
func (s *Server) loadRun(w http.ResponseWriter, r *http.Request) (*store.Run, bool) {
	run, err := s.opts.Store.GetRun(r.Context(), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, "no run "+r.PathValue("id"))
		return nil, false
	}
	if err != nil {
		s.internal(w, r, "read the run", err)
		return nil, false
	}
	return run, true
}

func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request) {
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	list, err := s.opts.Store.Console().ListAudit(r.Context(), before, 100)
	if err != nil {
		s.internal(w, r, "read the audit log", err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(list))
}

// internal answers 500 and logs the cause (which may name internals the
// client need not see).
func (s *Server) internal(w http.ResponseWriter, r *http.Request, what string, err error) {
	s.opts.Logger.Error("console: "+what, "path", r.URL.Path, "err", err)
	s.fail(w, r, http.StatusInternalServerError, "could not "+what+" (see the server log)")
}

// nonNil makes an empty list marshal as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
