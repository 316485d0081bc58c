package console

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"

	sc "github.com/wfehq/wfe/store/console"
)

// view is what every page template gets: the page's data and who is
// signed in (for the menu, the sign-out form and the CSRF token of
// forms).
type view struct {
	Page  string
	User  *Principal
	Flash string
	Data  any
}

// render executes a page template into a buffer first, so that a
// template error never leaves half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	t, ok := s.pages[page]
	if !ok {
		http.Error(w, "no page "+page, http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	v := view{Page: page, User: principalOf(r), Flash: r.URL.Query().Get("flash"), Data: data}
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		s.opts.Logger.Error("console: render", "page", page, "err", err)
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// apiError is the JSON body of every API error.
type apiError struct {
	Error       string `json:"error"`
	Diagnostics any    `json:"diagnostics,omitempty"`
}

// fail answers an error: JSON for the API and for scripts, a page for
// browsers.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if isAPI(r) || r.Header.Get("Authorization") != "" || r.URL.Path == "/metrics" {
		writeJSON(w, status, apiError{Error: msg})
		return
	}
	s.render(w, r, status, "error", map[string]any{"Status": status, "StatusText": http.StatusText(status), "Message": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// audit writes a change to the audit log. A failure to write is logged:
// the change itself has happened already.
func (s *Server) audit(r *http.Request, p *Principal, action, target, detail string) {
	e := sc.AuditEntry{Actor: p.Name, ActorKind: p.Kind, Action: action, Target: target, Detail: detail}
	if err := s.opts.Store.Console().Audit(r.Context(), e); err != nil {
		s.opts.Logger.Error("console: audit log", "action", action, "target", target, "err", err)
	}
}

// changed audits a change by the request's principal and sends a browser
// back to to with a note.
func (s *Server) changed(w http.ResponseWriter, r *http.Request, action, target, detail, to, flash string) {
	s.audit(r, principalOf(r), action, target, detail)
	http.Redirect(w, r, to+"?flash="+url.QueryEscape(flash), http.StatusSeeOther)
}
