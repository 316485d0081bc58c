package console

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	sc "github.com/wfehq/wfe/store/console"
)

type loginData struct {
	Next    string
	Error   string
	Account string
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "login", loginData{Next: safeNext(r.URL.Query().Get("next"))})
}

// login checks the posted username and password. Failures are throttled
// per user name and per client address; the answer never tells which of
// name and password was wrong.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	name, password := formValue(r, "username"), r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	keys := []string{"user:" + strings.ToLower(name), "addr:" + clientAddr(r)}
	if blocked, wait := s.throttle.blocked(keys...); blocked {
		w.Header().Set("Retry-After", fmt.Sprint(int(wait.Round(time.Second).Seconds())+1))
		s.render(w, r, http.StatusTooManyRequests, "login", loginData{Next: next, Account: name,
			Error: "Too many failed sign-ins. Try again in " + wait.Round(time.Second).String() + "."})
		return
	}
	u, err := s.opts.Store.Console().Authenticate(r.Context(), name, password)
	if err != nil {
		status := http.StatusInternalServerError
		msg := "Sign-in failed: the database did not answer."
		if errors.Is(err, sc.ErrBadCredentials) {
			s.throttle.fail(keys...)
			status, msg = http.StatusUnauthorized, "Wrong user name or password."
		} else {
			s.opts.Logger.Error("console: sign-in", "user", name, "err", err)
		}
		s.render(w, r, status, "login", loginData{Next: next, Account: name, Error: msg})
		return
	}
	s.throttle.succeed(keys[0])
	sess, err := s.opts.Store.Console().CreateSession(r.Context(), u.ID, s.opts.SessionTTL)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "could not start the session")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: s.sessionCookie(), Value: sess.ID, Path: "/", HttpOnly: true,
		Secure: s.opts.TLS, SameSite: http.SameSiteStrictMode, Expires: sess.ExpiresAt})
	s.audit(r, &Principal{Name: u.Name, Kind: sc.ActorUser}, "session.signin", u.Name, "from "+clientAddr(r))
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r)
	if err := s.opts.Store.Console().DeleteSession(r.Context(), p.sessionID); err != nil {
		s.fail(w, r, http.StatusInternalServerError, "could not end the session")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: s.sessionCookie(), Value: "", Path: "/", HttpOnly: true,
		Secure: s.opts.TLS, SameSite: http.SameSiteStrictMode, MaxAge: -1})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// safeNext keeps a redirect target on this site: a path, never
// "//host" or a URL.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

// clientAddr is the client's IP address (the connection's; headers set
// by the client are not trusted).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
