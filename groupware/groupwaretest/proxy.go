package groupwaretest

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
)

// Proxy sits in front of a real DAV server: it counts the requests the
// server gets (and the refused logins), and can make the server fail for
// one record, or refuse sync-collection, as a real server might.
type Proxy struct {
	URL string

	server   *httptest.Server
	requests atomic.Int64
	refused  atomic.Int64 // answers 401

	mu          sync.Mutex
	failPaths   map[string]bool
	noSyncToken bool
}

func newProxy(t interface{ Cleanup(func()) }, target string) *Proxy {
	u, _ := url.Parse(target)
	p := &Proxy{failPaths: map[string]bool{}}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ModifyResponse = func(resp *http.Response) error {
		if resp.StatusCode == http.StatusUnauthorized {
			p.refused.Add(1)
		}
		return nil
	}
	p.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.requests.Add(1)
		if p.injected(w, r) {
			return
		}
		rp.ServeHTTP(w, r)
	}))
	p.URL = p.server.URL
	t.Cleanup(p.server.Close)
	return p
}

// injected answers a request the way a failure was injected: 500 for a
// failing record (also for a REPORT that names it), 403 for a
// sync-collection when the server is to have none.
func (p *Proxy) injected(w http.ResponseWriter, r *http.Request) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	var body []byte
	if r.Method == "REPORT" {
		body, _ = io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if p.noSyncToken && bytes.Contains(body, []byte("sync-collection")) {
			http.Error(w, "sync-collection is not supported here", http.StatusForbidden)
			return true
		}
	}
	for path := range p.failPaths {
		if r.URL.Path == path || bytes.Contains(body, []byte(path)) {
			http.Error(w, "injected failure", http.StatusInternalServerError)
			return true
		}
	}
	return false
}

// FailPath makes the server answer 500 for the resource at path.
func (p *Proxy) FailPath(path string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.failPaths[(&url.URL{Path: path}).EscapedPath()] = true
	p.failPaths[path] = true
}

// RefuseSyncCollection makes the server refuse sync-collection REPORTs.
func (p *Proxy) RefuseSyncCollection() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.noSyncToken = true
}

// Requests is the number of requests the server got.
func (p *Proxy) Requests() int64 { return p.requests.Load() }

// RefusedLogins is the number of requests the server answered with 401.
func (p *Proxy) RefusedLogins() int64 { return p.refused.Load() }
