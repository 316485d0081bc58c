package console

import (
	"net/http"
	"strings"

	"github.com/wfehq/wfe/mailbox"
)

// Access is who may call a route.
type Access int

const (
	// Public routes need no sign-in: the sign-in page, static assets,
	// /healthz, /readyz and /metrics.
	Public Access = iota
	// Read routes need a signed-in user or token of any role.
	Read
	// Session routes change only the caller's own sign-in (sign-out):
	// any role, with the CSRF token.
	Session
	// Change routes change data: admin role, same origin and the CSRF
	// token; each is written to the audit log.
	Change
)

// Route is one entry of the console's route table.
type Route struct {
	Method string
	Path   string // http.ServeMux pattern path, e.g. /api/v1/runs/{id}
	Access Access
	h      http.HandlerFunc
}

// routeTable is every route of the console. The router test walks it, so
// a new route gets the checks of its access level without a test of its
// own.
func (s *Server) routeTable() []Route {
	return []Route{
		{"GET", "/login", Public, s.loginPage},
		{"POST", "/login", Public, s.login},
		{"GET", "/static/", Public, s.static},
		{"GET", "/healthz", Public, s.healthz},
		{"GET", "/readyz", Public, s.readyz},
		{"GET", "/metrics", Public, s.metrics},
		{"GET", mailbox.OAuthCallbackPath, Public, s.oauthCallback},
		{"POST", "/logout", Session, s.logout},

		{"GET", "/api/v1/sources", Read, s.apiSources},
		{"GET", "/api/v1/workflows", Read, s.apiWorkflows},
		{"POST", "/api/v1/workflows", Change, s.apiImportWorkflow},
		{"GET", "/api/v1/runs", Read, s.apiRuns},
		{"GET", "/api/v1/runs/{id}", Read, s.apiRun},
		{"GET", "/api/v1/audit", Read, s.apiAudit},

		{"GET", "/{$}", Read, s.dashboardPage},
		{"GET", "/workflows", Read, s.workflowsPage},
		{"POST", "/workflows", Change, s.uploadWorkflow},
		{"GET", "/workflows/{id}", Read, s.workflowPage},
		{"GET", "/workflows/{id}/export", Read, s.exportWorkflow},
		{"POST", "/workflows/{id}/activate", Change, s.activateWorkflow},
		{"POST", "/workflows/{id}/deactivate", Change, s.deactivateWorkflow},
		{"POST", "/workflows/{id}/duplicate", Change, s.duplicateWorkflow},
		{"POST", "/workflows/{id}/run", Change, s.runWorkflow},
		{"GET", "/timers", Read, s.timersPage},
		{"POST", "/timers/{name}/enable", Change, s.enableTimer},
		{"POST", "/timers/{name}/disable", Change, s.disableTimer},
		{"POST", "/timers/{name}/interval", Change, s.timerInterval},
		{"POST", "/timers/{name}/run", Change, s.runTimer},
		{"GET", "/runs", Read, s.runsPage},
		{"GET", "/runs/{id}", Read, s.runPage},
		{"GET", "/audit", Read, s.auditPage},
		{"GET", "/activities", Read, s.activitiesPage},
		{"GET", "/activities/{id}", Read, s.activityPage},
		{"GET", "/quarantine", Read, s.quarantinePage},
		{"GET", "/quarantine/{id}/raw", Read, s.quarantinedRaw},
		{"POST", "/quarantine/{id}/replay", Change, s.replayQuarantined},
		{"GET", "/sync", Read, s.syncPage},
		{"GET", "/sync/{rule}/preview", Read, s.previewSync},
		{"POST", "/sync/{rule}/run", Change, s.runSync},
		{"POST", "/sync/conflicts/{id}/resolve", Change, s.resolveConflict},
		{"POST", "/sync/pending/{id}/adopt", Change, s.adoptPending},
		{"POST", "/sync/mapping", Change, s.saveMapping},
		{"GET", "/mailconfigs", Read, s.mailConfigsPage},
		{"POST", "/mailconfigs", Change, s.saveMailConfig},
		{"GET", "/mailconfigs/{id}", Read, s.mailConfigPage},
		{"POST", "/mailconfigs/{id}", Change, s.saveMailConfig},
		{"POST", "/mailconfigs/{id}/test", Change, s.testMailConfig},
		{"POST", "/mailconfigs/{id}/oauth", Change, s.startOAuth},
	}
}

// guard wraps a route's handler with the checks of its access level.
func (s *Server) guard(rt Route) http.Handler {
	if rt.Access == Public {
		return rt.h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.authenticate(r)
		if err != nil {
			s.unauthenticated(w, r, err)
			return
		}
		if rt.Access >= Session && !s.csrfOK(r, p) {
			s.fail(w, r, http.StatusForbidden, "missing or wrong CSRF token (reload the page and try again)")
			return
		}
		if rt.Access == Change && p.Role != roleAdmin {
			s.fail(w, r, http.StatusForbidden, "viewers cannot change anything")
			return
		}
		rt.h(w, r.WithContext(withPrincipal(r.Context(), p)))
	})
}

// isAPI tells whether a request is for the JSON API (answers are JSON, a
// missing sign-in is 401 rather than a redirect).
func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }
