package console

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/wfehq/wfe/actions/mailconn"
	"github.com/wfehq/wfe/mailbox"
	"github.com/wfehq/wfe/store"
	sc "github.com/wfehq/wfe/store/console"
)

// The delegated OAuth2 sign-in of a mail configuration or an employee
// (authorization code with PKCE): an admin starts it from the
// configuration's page, the provider redirects the browser to
// mailbox.OAuthCallbackPath on the console, and the token is stored
// encrypted as `wfe oauth login` stores it.
//
// The session cookie is SameSite=Strict, so the provider's redirect (a
// cross-site navigation) does not carry it. The state is therefore bound
// to the browser that started the sign-in by a cookie of its own
// (HttpOnly, SameSite=Lax, only sent to the callback path, ten minutes):
// a callback whose state is unknown, expired, already used or arrives
// without that cookie is refused.

// oauthFlowTTL is how long a started sign-in may take.
const oauthFlowTTL = 10 * time.Minute

// oauthFlow is one started sign-in, keyed by its state.
type oauthFlow struct {
	configID   int64
	employeeID int64 // 0: the configuration's own sign-in
	verifier   string
	binding    string // digest of the binding cookie's value
	actor      Principal
	cfg        *oauth2.Config
	secret     string // the client secret, kept out of errors
	expires    time.Time
}

// oauthFlows holds the started sign-ins of this process.
type oauthFlows struct {
	mu sync.Mutex
	m  map[string]*oauthFlow
}

func (f *oauthFlows) put(state string, fl *oauthFlow, now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m == nil {
		f.m = map[string]*oauthFlow{}
	}
	for k, v := range f.m {
		if now.After(v.expires) {
			delete(f.m, k)
		}
	}
	f.m[state] = fl
}

// take removes and returns the flow of state when it is still valid.
func (f *oauthFlows) take(state string, now time.Time) *oauthFlow {
	f.mu.Lock()
	defer f.mu.Unlock()
	fl := f.m[state]
	delete(f.m, state)
	if fl == nil || now.After(fl.expires) {
		return nil
	}
	return fl
}

func (s *Server) oauthCookie() string {
	if s.opts.TLS {
		return "__Secure-wfe_oauth"
	}
	return "wfe_oauth"
}

// callbackURL is the redirect URI the provider sends the browser back to:
// Options.PublicURL, else this request's host.
func (s *Server) callbackURL(r *http.Request) string {
	base := strings.TrimSuffix(s.opts.PublicURL, "/")
	if base == "" {
		scheme := "http"
		if s.opts.TLS {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	return base + mailbox.OAuthCallbackPath
}

// startOAuth starts the sign-in of a configuration (or, with the form
// field employee, of that employee) and sends the browser to the provider.
func (s *Server) startOAuth(w http.ResponseWriter, r *http.Request) {
	cfg, ok := s.loadMailConfig(w, r)
	if !ok {
		return
	}
	if !cfg.HasOAuth() {
		s.fail(w, r, http.StatusBadRequest, fmt.Sprintf("mail configuration %s has no OAuth2 app registration (client id)", cfg.MatchCode))
		return
	}
	fl := &oauthFlow{configID: cfg.ID, actor: *principalOf(r), secret: cfg.OAuthClientSecret, expires: s.opts.Now().Add(oauthFlowTTL)}
	who := "mail configuration " + cfg.MatchCode
	if login := strings.TrimSpace(r.PostFormValue("employee")); login != "" {
		emp, err := s.opts.Store.EmployeeByLogin(r.Context(), login)
		if err != nil {
			s.storeFailure(w, r, "employee "+login, err)
			return
		}
		fl.employeeID, who = emp.ID, "employee "+emp.Login
	}
	oc := mailconn.OAuthConfig(cfg)
	oc.RedirectURL = s.callbackURL(r)
	fl.cfg = oc.OAuth2()
	state, verifier := mailbox.NewOAuthState()
	binding := sc.NewSecret()
	fl.verifier, fl.binding = verifier, sc.Digest(binding)
	s.oauth.put(state, fl, s.opts.Now())
	http.SetCookie(w, &http.Cookie{Name: s.oauthCookie(), Value: binding, Path: mailbox.OAuthCallbackPath, HttpOnly: true,
		Secure: s.opts.TLS, SameSite: http.SameSiteLaxMode, MaxAge: int(oauthFlowTTL / time.Second)})
	s.audit(r, principalOf(r), "oauth.start", who, "mail configuration "+cfg.MatchCode)
	http.Redirect(w, r, fl.cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)), http.StatusSeeOther)
}

// oauthCallback completes a sign-in: checks the state and its binding
// cookie, exchanges the code and stores the token.
func (s *Server) oauthCallback(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: s.oauthCookie(), Value: "", Path: mailbox.OAuthCallbackPath, HttpOnly: true,
		Secure: s.opts.TLS, SameSite: http.SameSiteLaxMode, MaxAge: -1})
	fl := s.oauth.take(r.URL.Query().Get("state"), s.opts.Now())
	c, err := r.Cookie(s.oauthCookie())
	if fl == nil || err != nil || subtle.ConstantTimeCompare([]byte(sc.Digest(c.Value)), []byte(fl.binding)) != 1 {
		s.fail(w, r, http.StatusBadRequest, "unknown, expired or already used sign-in (start it again from the mail configuration's page in this browser)")
		return
	}
	tok, err := mailbox.OAuthExchange(r.Context(), fl.cfg, r.URL.Query(), fl.verifier, fl.secret)
	if err != nil {
		s.audit(r, &fl.actor, "oauth.signin", fmt.Sprintf("mail configuration %d", fl.configID), "failed: "+err.Error())
		s.fail(w, r, http.StatusBadRequest, "sign-in failed: "+err.Error())
		return
	}
	res, who, err := s.storeSignIn(r, fl, tok)
	if err != nil {
		s.storeFailure(w, r, "store the sign-in", err)
		return
	}
	s.audit(r, &fl.actor, "oauth.signin", who, "token stored, valid until "+res.Expiry.UTC().Format(time.RFC3339))
	s.render(w, r, http.StatusOK, "oauth", map[string]any{"Who": who, "ConfigID": fl.configID, "Expiry": res.Expiry, "Warnings": res.Warnings})
}

// storeSignIn stores the token for the flow's configuration or employee.
func (s *Server) storeSignIn(r *http.Request, fl *oauthFlow, tok *oauth2.Token) (*mailconn.SignInResult, string, error) {
	cfg, err := s.opts.Store.GetMailConfig(r.Context(), fl.configID)
	if err != nil {
		return nil, "", err
	}
	var emp *store.Employee
	who := "mail configuration " + cfg.MatchCode
	if fl.employeeID != 0 {
		if emp, err = s.opts.Store.GetEmployee(r.Context(), fl.employeeID); err != nil {
			return nil, "", err
		}
		who = "employee " + emp.Login
	}
	res, err := mailconn.StoreSignIn(r.Context(), s.opts.Store, cfg, emp, tok)
	return res, who, err
}
