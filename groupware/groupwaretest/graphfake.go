package groupwaretest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
)

// GraphFake is an in-process Microsoft Graph that implements the
// documented shapes wfe's Graph connector relies on: a token endpoint
// (client credentials and refresh tokens, invalid_client and
// invalid_grant), contact folders with child folders, contacts with a
// single-value extended property, per-folder contacts/delta with
// @odata.nextLink paging, @removed entries and @odata.deltaLink, 410
// syncStateNotFound for an expired delta token, If-Match against the
// change key, $batch of at most 20 parts, 429 with Retry-After, and
// Graph's error body. Tests steer it with its methods.
type GraphFake struct {
	Server *httptest.Server
	// BaseURL is the Graph root to configure (…/v1.0); TokenURL the token
	// endpoint.
	BaseURL, TokenURL string

	mu        sync.Mutex
	mailboxes map[string]*fakeMailbox
	clients   map[string]string // client id → secret
	refresh   map[string]string // refresh token → mailbox
	tokens    map[string]string // access token → mailbox ("" for app tokens)
	seq       int64             // change sequence, shared by all mailboxes
	minToken  int64             // delta tokens below this answer 410
	throttle  []throttleRule
	failures  map[string]fakeFailure // contact id or CRM id → injected answer
	pageSize  int

	requests  atomic.Int64 // HTTP requests to Graph (not the token endpoint)
	signIns   atomic.Int64 // token requests
	inFlight  atomic.Int64
	maxFlight atomic.Int64
	parts     atomic.Int64 // $batch parts
}

type throttleRule struct {
	left       int
	retryAfter string
	status     int
}

type fakeFailure struct {
	status int
	code   string
	// left is how many more answers fail (0: every one); retryAfter is
	// sent as Retry-After when set.
	left       int
	retryAfter string
}

// NewGraphFake starts a fake Graph; it stops when the test ends.
func NewGraphFake(t interface{ Cleanup(func()) }) *GraphFake {
	f := &GraphFake{
		mailboxes: map[string]*fakeMailbox{}, clients: map[string]string{},
		refresh: map[string]string{}, tokens: map[string]string{},
		failures: map[string]fakeFailure{}, pageSize: 10,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", f.serveToken)
	mux.HandleFunc("/v1.0/", f.serveGraph)
	f.Server = httptest.NewServer(mux)
	f.BaseURL = f.Server.URL + "/v1.0"
	f.TokenURL = f.Server.URL + "/token"
	t.Cleanup(f.Server.Close)
	return f
}

// AddApp registers an app registration's client id and secret.
func (f *GraphFake) AddApp(clientID, secret string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clients[clientID] = secret
}

// AddMailbox creates an empty mailbox with its default contacts folder.
func (f *GraphFake) AddMailbox(upn string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mailboxFor(upn)
}

// DelegatedRefreshToken returns a refresh token that signs in as upn.
func (f *GraphFake) DelegatedRefreshToken(upn string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mailboxFor(upn)
	tok := fmt.Sprintf("refresh-%s-%d", upn, len(f.refresh))
	f.refresh[tok] = upn
	return tok
}

// RevokeRefreshTokens makes every refresh token answer invalid_grant.
func (f *GraphFake) RevokeRefreshTokens() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refresh = map[string]string{}
	f.tokens = map[string]string{}
}

// SetPageSize sets how many items a delta or list page holds.
func (f *GraphFake) SetPageSize(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pageSize = n
}

// ExpireDeltaTokens makes every delta token issued so far answer 410.
func (f *GraphFake) ExpireDeltaTokens() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	f.minToken = f.seq
}

// Throttle makes the next n requests (a $batch part counts as one)
// answer status (429, 503 or 504) with the given Retry-After ("" for
// none).
func (f *GraphFake) Throttle(n, status int, retryAfter string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.throttle = append(f.throttle, throttleRule{left: n, retryAfter: retryAfter, status: status})
}

// FailRecord makes every request about the contact with this id, or a
// create carrying this CRM id, answer status with Graph error code.
func (f *GraphFake) FailRecord(idOrCRMID string, status int, code string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures[idOrCRMID] = fakeFailure{status: status, code: code}
}

// Requests is the number of Graph API requests served (a $batch is one).
func (f *GraphFake) Requests() int64 { return f.requests.Load() }

// SignIns is the number of token requests served, refused ones included.
func (f *GraphFake) SignIns() int64 { return f.signIns.Load() }

// MaxInFlight is the most requests the fake served at the same time.
func (f *GraphFake) MaxInFlight() int64 { return f.maxFlight.Load() }

// BatchParts is the number of $batch parts served.
func (f *GraphFake) BatchParts() int64 { return f.parts.Load() }

func (f *GraphFake) serveToken(w http.ResponseWriter, r *http.Request) {
	f.signIns.Add(1)
	if err := r.ParseForm(); err != nil {
		oauthError(w, "invalid_request")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var mailbox string
	switch r.PostForm.Get("grant_type") {
	case "client_credentials":
		secret, ok := f.clients[r.PostForm.Get("client_id")]
		if !ok || secret != r.PostForm.Get("client_secret") {
			oauthError(w, "invalid_client")
			return
		}
	case "refresh_token":
		upn, ok := f.refresh[r.PostForm.Get("refresh_token")]
		if !ok {
			oauthError(w, "invalid_grant")
			return
		}
		mailbox = upn
	default:
		oauthError(w, "unsupported_grant_type")
		return
	}
	tok := fmt.Sprintf("access-%d", len(f.tokens)+1)
	f.tokens[tok] = mailbox
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 3600})
}

func oauthError(w http.ResponseWriter, code string) {
	status := http.StatusBadRequest
	if code == "invalid_client" {
		status = http.StatusUnauthorized
	}
	writeJSON(w, status, map[string]string{"error": code, "error_description": code + " (fake)"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func graphErr(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

// serveGraph authenticates, counts and throttles a request, then routes it.
func (f *GraphFake) serveGraph(w http.ResponseWriter, r *http.Request) {
	f.requests.Add(1)
	n := f.inFlight.Add(1)
	defer f.inFlight.Add(-1)
	for old := f.maxFlight.Load(); n > old && !f.maxFlight.CompareAndSwap(old, n); old = f.maxFlight.Load() {
	}
	f.mu.Lock()
	me, ok := f.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	f.mu.Unlock()
	if !ok {
		graphErr(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token is empty or invalid.")
		return
	}
	path := strings.TrimPrefix(r.URL.Path, "/v1.0")
	if path == "/$batch" {
		f.serveBatch(w, r, me)
		return
	}
	f.route(w, r, me, path)
}

// throttled answers the request with a throttling status if a rule says so.
func (f *GraphFake) throttled(w http.ResponseWriter) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.throttle {
		rule := &f.throttle[i]
		if rule.left > 0 {
			rule.left--
			if rule.retryAfter != "" {
				w.Header().Set("Retry-After", rule.retryAfter)
			}
			graphErr(w, rule.status, "TooManyRequests", "Please retry after the time given.")
			return true
		}
	}
	return false
}
