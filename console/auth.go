package console

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strings"

	sc "github.com/wfehq/wfe/store/console"
)

const (
	roleAdmin  = sc.RoleAdmin
	roleViewer = sc.RoleViewer
)

// Principal is who makes a request: a signed-in user or an API token.
type Principal struct {
	Name string
	Role string
	Kind string // sc.ActorUser or sc.ActorToken
	// CSRF is the session's token (empty for API tokens, which carry no
	// ambient credential and need none).
	CSRF      string
	sessionID string
}

// CanChange tells whether the principal may change data.
func (p *Principal) CanChange() bool { return p != nil && p.Role == roleAdmin }

type principalKey struct{}

func withPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

func principalOf(r *http.Request) *Principal {
	p, _ := r.Context().Value(principalKey{}).(*Principal)
	return p
}

var errNoCredentials = errors.New("sign-in required")

// sessionCookie is the cookie's name: with TLS the __Host- prefix binds it
// to this host, HTTPS and path /.
func (s *Server) sessionCookie() string {
	if s.opts.TLS {
		return "__Host-wfe_session"
	}
	return "wfe_session"
}

// authenticate finds the principal of a request: an API token in the
// Authorization header, else the session cookie.
func (s *Server) authenticate(r *http.Request) (*Principal, error) {
	ctx := r.Context()
	if h := r.Header.Get("Authorization"); h != "" {
		secret, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return nil, errors.New("Authorization: want 'Bearer TOKEN'")
		}
		t, err := s.opts.Store.Console().TokenBySecret(ctx, strings.TrimSpace(secret))
		if err != nil {
			return nil, err
		}
		return &Principal{Name: t.Name, Role: t.Role, Kind: sc.ActorToken}, nil
	}
	c, err := r.Cookie(s.sessionCookie())
	if err != nil || c.Value == "" {
		return nil, errNoCredentials
	}
	sess, err := s.opts.Store.Console().SessionByID(ctx, c.Value)
	if err != nil {
		return nil, err
	}
	return &Principal{Name: sess.User.Name, Role: sess.User.Role, Kind: sc.ActorUser, CSRF: sess.CSRFToken, sessionID: sess.ID}, nil
}

// unauthenticated answers a request without a valid sign-in: 401 for the
// API, for changes and for scripts (which send a token), a redirect to
// the sign-in page for pages.
func (s *Server) unauthenticated(w http.ResponseWriter, r *http.Request, err error) {
	if !errors.Is(err, errNoCredentials) && !errors.Is(err, sc.ErrNoSession) && !errors.Is(err, sc.ErrBadToken) {
		s.opts.Logger.Warn("console: authentication", "err", err)
	}
	if isAPI(r) || r.Method != http.MethodGet || r.Header.Get("Authorization") != "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="wfe"`)
		s.fail(w, r, http.StatusUnauthorized, "sign-in required")
		return
	}
	http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
}

// csrfOK checks the CSRF token of a state-changing request from a
// session: the form field csrf_token or the X-CSRF-Token header must equal
// the session's token. Token requests carry no cookie, so a forged
// request cannot use them.
func (s *Server) csrfOK(r *http.Request, p *Principal) bool {
	if p.Kind == sc.ActorToken {
		return true
	}
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		got = formValue(r, "csrf_token")
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(p.CSRF)) == 1
}

// formValue reads a form field of a urlencoded or multipart body (up to
// maxUpload bytes).
func formValue(r *http.Request, name string) string {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		if r.MultipartForm == nil {
			r.ParseMultipartForm(maxUpload)
		}
	} else {
		r.Body = http.MaxBytesReader(nil, r.Body, maxUpload)
	}
	return r.PostFormValue(name)
}

// maxUpload bounds request bodies (a workflow document, a form).
const maxUpload = 8 << 20
