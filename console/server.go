// Package console is wfe's admin console: server-rendered pages and a
// JSON API under /api/v1 that the pages and scripts share, served by
// `wfe serve --http ADDR` beside the timers.
//
// Every page and API call needs a signed-in console user (a session
// cookie) or an API token (Authorization: Bearer), except the sign-in
// page, static assets, /healthz, /readyz and /metrics. Viewers read,
// admins change; every change needs a same-origin request (Go's
// http.CrossOriginProtection) and, from a browser session, the session's
// CSRF token, and is written to the audit log. Secrets are never
// rendered: forms for them are write-only.
package console

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wfehq/wfe/console/pages"
	"github.com/wfehq/wfe/console/watchdog"
	"github.com/wfehq/wfe/store"
)

// Scheduler is what the console needs of the running timers.
type Scheduler interface {
	// RunNow runs a timer task at once and returns its error.
	RunNow(ctx context.Context, name string) error
	// NextRuns gives the next tick of every scheduled task.
	NextRuns() map[string]time.Time
}

// Options configure New.
type Options struct {
	Store *store.Store
	// Validate compiles an uploaded workflow document against the
	// registry; required.
	Validate store.ValidateFunc
	// Scheduler runs timers on demand; nil disables "run now".
	Scheduler Scheduler
	// TestMailConfig checks a configuration's accounts ("test account");
	// nil hides the button.
	TestMailConfig TestMailConfigFunc
	// PublicURL is the console's address as the browser reaches it
	// (e.g. https://wfe.example.com), for the OAuth redirect URI
	// (PublicURL + /oauth/authorization/callback, to be registered with
	// the app); "" = the request's host.
	PublicURL string
	// RunWorkflow runs an active workflow now, as the employee runAs
	// ("" = nobody), and returns the id of the run record it saved (also
	// when the run failed; "" when nothing ran); nil hides "Run now".
	RunWorkflow func(ctx context.Context, workflowID, runAs string) (runID string, err error)
	// ReplayRunAs gives the employee login a replayed quarantined mail is
	// imported as (creator of the activity), asked at every replay; nil
	// or "" = none.
	ReplayRunAs func(ctx context.Context) (string, error)
	// SyncTimer names the built-in groupware sync timer, whose run
	// records /metrics reads for the sync changes ("" =
	// DefaultSyncTimer).
	SyncTimer string
	// Sync runs and previews groupware sync rules (nil: a
	// groupwaresync.Runner on Store).
	Sync SyncRunner
	// Ready tells /readyz whether the scheduler is running (nil: it is
	// not checked).
	Ready func() error
	// TLS: the console is served over HTTPS, so cookies are Secure and
	// carry the __Host- prefix.
	TLS bool
	// Watchdog tunes when a source is quiet or failing.
	Watchdog watchdog.Config
	// SessionTTL is how long a sign-in lasts (default 12h).
	SessionTTL time.Duration
	// Throttle bounds failed sign-ins (zero: 5 per 15 minutes per user
	// name and per client address).
	Throttle ThrottleConfig
	Logger   *slog.Logger
	// Now replaces time.Now (tests).
	Now func() time.Time
}

// Server is the console's http.Handler.
type Server struct {
	opts     Options
	mux      *http.ServeMux
	handler  http.Handler
	routes   []Route
	throttle *throttle
	pages    map[string]*template.Template
	registry *prometheus.Registry
	oauth    oauthFlows
}

// New builds the console.
func New(o Options) (*Server, error) {
	if o.Store == nil || o.Validate == nil {
		return nil, errors.New("console: Store and Validate are required")
	}
	if o.SessionTTL <= 0 {
		o.SessionTTL = 12 * time.Hour
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	tmpl, err := pages.Parse()
	if err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	s := &Server{opts: o, mux: http.NewServeMux(), throttle: newThrottle(o.Throttle, o.Now), pages: tmpl}
	s.registry = prometheus.NewRegistry()
	if err := s.registry.Register(newCollector(s)); err != nil {
		return nil, fmt.Errorf("console: metrics: %w", err)
	}
	s.routes = s.routeTable()
	for _, rt := range s.routes {
		s.mux.Handle(rt.Method+" "+rt.Path, s.guard(rt))
	}
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, http.StatusForbidden, "cross-origin request refused")
	}))
	s.handler = securityHeaders(cop.Handler(s.mux))
	return s, nil
}

// Routes lists the console's routes (for tests and documentation).
func (s *Server) Routes() []Route { return append([]Route(nil), s.routes...) }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// securityHeaders forbids scripts, framing and content sniffing on every
// answer: the console needs no JavaScript, so even markup that slipped
// through escaping could not run.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}
