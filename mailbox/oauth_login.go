package mailbox

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// OAuthLogin runs the interactive sign-in (authorization code flow with
// PKCE): it listens on listen (such as 127.0.0.1:0 or the port of the
// registered redirect URI), calls show with the URL the user has to open,
// waits for the provider's redirect to OAuthCallbackPath (or for ctx to
// end), exchanges the code and returns the token, which holds the refresh
// token when offline_access was granted. The listener is closed before
// OAuthLogin returns.
func OAuthLogin(ctx context.Context, c OAuthConfig, listen string, show func(authURL string)) (*oauth2.Token, error) {
	cfg := c.OAuth2()
	server := endpointHost(cfg.Endpoint.TokenURL)
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", listen)
	if err != nil {
		return nil, &Error{Kind: KindOther, Server: listen, Op: "oauth callback listen", Err: err}
	}
	if cfg.RedirectURL == "" {
		cfg.RedirectURL = "http://" + ln.Addr().String() + OAuthCallbackPath
	}
	cb := &oauthCallback{cfg: cfg, server: server, state: oauthRandom(), verifier: oauth2.GenerateVerifier(), done: make(chan oauthResult, 1)}
	cb.secrets = []string{c.ClientSecret, cb.verifier}
	mux := http.NewServeMux()
	mux.Handle(OAuthCallbackPath, cb)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
	}()

	show(cfg.AuthCodeURL(cb.state, oauth2.S256ChallengeOption(cb.verifier)))

	select {
	case res := <-cb.done:
		return res.tok, res.err
	case <-ctx.Done():
		return nil, &Error{Kind: KindOther, Server: server, Op: "oauth sign-in",
			Err: fmt.Errorf("no sign-in arrived at %s: %w", cfg.RedirectURL, ctx.Err())}
	}
}

// oauthResult is the outcome of the sign-in callback.
type oauthResult struct {
	tok *oauth2.Token
	err error
}

// oauthCallback handles the provider's redirect of one sign-in: the first
// request with the right state is exchanged for a token and sent on done.
type oauthCallback struct {
	cfg      *oauth2.Config
	server   string // the token endpoint's host, for errors
	state    string
	verifier string   // the PKCE code verifier
	secrets  []string // kept out of errors
	done     chan oauthResult

	mu   sync.Mutex // one callback at a time
	once bool       // a valid callback has been handled
}

func (cb *oauthCallback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cb.mu.Lock()
	defer cb.mu.Unlock()
	q := r.URL.Query()
	if cb.once {
		http.Error(w, "The sign-in is already complete.", http.StatusGone)
		return
	}
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(cb.state)) != 1 {
		// a stray or forged request: keep waiting for the real one
		http.Error(w, "Unknown sign-in state.", http.StatusBadRequest)
		return
	}
	cb.once = true
	res := cb.exchange(r)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if res.err != nil {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, "<!doctype html><title>wfe sign-in</title><p>Sign-in failed: %s</p>", html.EscapeString(res.err.Error()))
	} else {
		fmt.Fprint(w, "<!doctype html><title>wfe sign-in</title><p>Signed in. You can close this window.</p>")
	}
	cb.done <- res
}

// exchange turns the callback's code into a token, or its error into a
// sign-in error.
func (cb *oauthCallback) exchange(r *http.Request) oauthResult {
	tok, err := OAuthExchange(r.Context(), cb.cfg, r.URL.Query(), cb.verifier, cb.secrets...)
	return oauthResult{tok: tok, err: err}
}

// OAuthExchange completes a sign-in from the query of the provider's
// redirect: its error becomes a sign-in error (KindAuth), its code is
// exchanged for a token with the PKCE verifier. secrets (and the code)
// are kept out of every error. The caller has checked the state.
func OAuthExchange(ctx context.Context, cfg *oauth2.Config, q url.Values, verifier string, secrets ...string) (*oauth2.Token, error) {
	server := endpointHost(cfg.Endpoint.TokenURL)
	switch code := q.Get("code"); {
	case q.Get("error") != "":
		msg := q.Get("error")
		if d := q.Get("error_description"); d != "" {
			msg += ": " + d
		}
		return nil, &Error{Kind: KindAuth, Server: server, Op: "oauth sign-in",
			Err: redactSecrets(fmt.Errorf("the provider refused the sign-in: %s", msg), secrets...)}
	case code == "":
		return nil, &Error{Kind: KindAuth, Server: server, Op: "oauth sign-in", Err: errors.New("the callback carries no code")}
	default:
		tok, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier))
		if err != nil {
			return nil, oauthError(server, "oauth code exchange", err, append(secrets, code)...)
		}
		return tok, nil
	}
}

// NewOAuthState returns a random state and PKCE verifier for a sign-in
// whose redirect another handler receives (OAuthExchange completes it).
func NewOAuthState() (state, verifier string) { return oauthRandom(), oauth2.GenerateVerifier() }

// oauthRandom is 32 random bytes, URL-safe base64.
func oauthRandom() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
