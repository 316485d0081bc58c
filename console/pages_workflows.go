package console

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/wfehq/wfe/store"
)

func (s *Server) dashboardPage(w http.ResponseWriter, r *http.Request) {
	src, err := s.sources(r)
	if err != nil {
		s.internal(w, r, "read the sources", err)
		return
	}
	s.render(w, r, http.StatusOK, "dashboard", src)
}

// workflowsData is the workflow list with, after a refused upload, the
// upload's diagnostics and its lines.
type workflowsData struct {
	Workflows   []store.WorkflowDef
	Upload      string // file name of a refused upload
	UploadXML   []byte
	Diagnostics []Diagnostic
	BadLines    map[int]bool
}

func (s *Server) workflowsPage(w http.ResponseWriter, r *http.Request) {
	s.renderWorkflows(w, r, http.StatusOK, workflowsData{})
}

func (s *Server) renderWorkflows(w http.ResponseWriter, r *http.Request, status int, d workflowsData) {
	defs, err := s.opts.Store.ListWorkflows(r.Context())
	if err != nil {
		s.internal(w, r, "list workflows", err)
		return
	}
	d.Workflows = defs
	s.render(w, r, status, "workflows", d)
}

// uploadWorkflow imports the file of the upload form; a refused document
// is shown again with its diagnostics at their lines.
func (s *Server) uploadWorkflow(w http.ResponseWriter, r *http.Request) {
	f, hdr, err := r.FormFile("file")
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, "choose a workflow file to upload")
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxUpload))
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, "the upload could not be read")
		return
	}
	res, diags, err := s.importWorkflow(r, hdr.Filename, data, r.PostFormValue("activate") == "1")
	switch {
	case diags != nil:
		bad := map[int]bool{}
		for _, d := range diags {
			bad[d.Line] = true
		}
		s.renderWorkflows(w, r, http.StatusUnprocessableEntity, workflowsData{Upload: hdr.Filename, UploadXML: data, Diagnostics: diags, BadLines: bad})
	case err != nil:
		s.internal(w, r, "import the workflow", err)
	default:
		http.Redirect(w, r, "/workflows/"+res.WorkflowID+"?flash="+
			url.QueryEscape(fmt.Sprintf("%s: %s, version %d", res.WorkflowID, res.Outcome, res.Version)), http.StatusSeeOther)
	}
}

// workflowData is one workflow with its document and, for a copy, what
// changed against the workflow it was copied from.
type workflowData struct {
	Def    *store.WorkflowDef
	XML    []byte
	Parent *store.WorkflowDef
	Diff   []DiffLine
	DiffOK bool
	Run    *runForm // "Run now" (admins, active workflow); nil: not offered
}

func (s *Server) workflowPage(w http.ResponseWriter, r *http.Request) {
	def, ok := s.loadWorkflow(w, r)
	if !ok {
		return
	}
	d := workflowData{Def: def, XML: def.Data}
	run, err := s.workflowRunForm(r.Context(), principalOf(r), def)
	if err != nil {
		s.internal(w, r, "list employees", err)
		return
	}
	d.Run = run
	if def.DerivedFrom != "" {
		if parent, err := s.opts.Store.GetWorkflow(r.Context(), def.DerivedFrom); err == nil {
			d.Parent = parent
			d.Diff, d.DiffOK = lineDiff(string(parent.Data), string(def.Data))
		}
	}
	s.render(w, r, http.StatusOK, "workflow", d)
}

func (s *Server) loadWorkflow(w http.ResponseWriter, r *http.Request) (*store.WorkflowDef, bool) {
	def, err := s.opts.Store.GetWorkflow(r.Context(), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, "no workflow "+r.PathValue("id"))
		return nil, false
	}
	if err != nil {
		s.internal(w, r, "read the workflow", err)
		return nil, false
	}
	return def, true
}

// exportWorkflow sends the stored document byte for byte.
func (s *Server) exportWorkflow(w http.ResponseWriter, r *http.Request) {
	def, ok := s.loadWorkflow(w, r)
	if !ok {
		return
	}
	name := def.FileName
	if name == "" || strings.ContainsAny(name, "\"\\/\r\n") {
		name = def.WorkflowID + ".xml"
	}
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
	w.Write(def.Data)
}

func (s *Server) activateWorkflow(w http.ResponseWriter, r *http.Request) {
	s.setWorkflowActive(w, r, true)
}
func (s *Server) deactivateWorkflow(w http.ResponseWriter, r *http.Request) {
	s.setWorkflowActive(w, r, false)
}

func (s *Server) setWorkflowActive(w http.ResponseWriter, r *http.Request, active bool) {
	id := r.PathValue("id")
	if err := s.opts.Store.SetWorkflowActive(r.Context(), id, active); err != nil {
		s.storeFailure(w, r, "change workflow "+id, err)
		return
	}
	action := map[bool]string{true: "workflow.activate", false: "workflow.deactivate"}[active]
	s.changed(w, r, action, id, "", "/workflows/"+id, id+map[bool]string{true: " is active", false: " is inactive"}[active])
}

// duplicateWorkflow copies a workflow under the new id of the form.
func (s *Server) duplicateWorkflow(w http.ResponseWriter, r *http.Request) {
	id, newID := r.PathValue("id"), strings.TrimSpace(r.PostFormValue("new_id"))
	if newID == "" {
		s.fail(w, r, http.StatusBadRequest, "give the copy a workflow id")
		return
	}
	def, err := s.opts.Store.DuplicateWorkflow(r.Context(), id, newID, r.PostFormValue("description"), s.opts.Validate)
	if err != nil {
		s.storeFailure(w, r, "duplicate workflow "+id, err)
		return
	}
	s.changed(w, r, "workflow.duplicate", def.WorkflowID, "copied from "+id, "/workflows/"+def.WorkflowID, def.WorkflowID+" copied from "+id)
}

// storeFailure maps the store's sentinels to 404, 409 and 400.
func (s *Server) storeFailure(w http.ResponseWriter, r *http.Request, what string, err error) {
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.fail(w, r, http.StatusNotFound, what+": not found")
	case errors.Is(err, store.ErrConflict):
		s.fail(w, r, http.StatusConflict, what+": already exists")
	case errors.Is(err, store.ErrInvalid):
		s.fail(w, r, http.StatusBadRequest, what+": "+err.Error())
	default:
		s.internal(w, r, what, err)
	}
}
