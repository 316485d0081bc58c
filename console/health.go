package console

import (
	"context"
	"net/http"
	"time"

	"github.com/wfehq/wfe/console/pages"
)

// healthz answers while the process is alive.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 200 when the database answers and the scheduler runs,
// 503 otherwise; the body names what is not ready, nothing more.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	checks := map[string]string{"database": "ok", "scheduler": "ok"}
	status := http.StatusOK
	if err := s.opts.Store.Console().Ping(ctx); err != nil {
		checks["database"], status = "unreachable", http.StatusServiceUnavailable
	}
	if s.opts.Ready != nil && s.opts.Ready() != nil {
		checks["scheduler"], status = "not running", http.StatusServiceUnavailable
	}
	writeJSON(w, status, checks)
}

// static serves the embedded style sheet.
func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	http.StripPrefix("/static/", http.FileServerFS(pages.Static())).ServeHTTP(w, r)
}
