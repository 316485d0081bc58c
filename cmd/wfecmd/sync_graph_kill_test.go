//go:build unix

package wfecmd

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sort"
	"strings"
	"syscall"
	"testing"
)

// wrapBatches kills the running wfe process with SIGKILL right after
// the $batch answer whose number is the next kill point, flushed to it:
// the writes of the batch are done, and the links of some, none or all
// of them committed.
func (k *killer) wrapBatches(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/$batch") || rec.status != http.StatusOK {
			return
		}
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		k.mu.Lock()
		defer k.mu.Unlock()
		k.puts++
		if len(k.points) > 0 && k.puts >= k.points[0] && k.pid != 0 {
			k.points = k.points[1:]
			_ = syscall.Kill(k.pid, syscall.SIGKILL)
			k.killed++
			k.pid = 0
		}
	})
}

// TestSyncGraphKill9Batched: an initial sync of 500 contacts to Graph
// (25 $batch requests of 20 creates) killed with SIGKILL after 8 random
// batches, each time started again: in the end every contact is in the
// mailbox exactly once, carrying its CRM id (a create is never sent
// again for a contact whose batch went through before the crash), and a
// further run has nothing to do.
func TestSyncGraphKill9Batched(t *testing.T) {
	if testing.Short() {
		t.Skip("starts wfe some 9 times over 500 contacts")
	}
	const n, kills = 500, 8
	k := &killer{}
	for len(k.points) < kills {
		k.points = append(k.points, 1+rand.IntN(n/20-1))
	}
	sort.Ints(k.points)
	c, fake := graphSyncCLI(t)
	target, err := url.Parse(fake.Server.URL)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ErrorLog = log.New(io.Discard, "", 0) // a killed wfe leaves its request unread
	proxy := httptest.NewServer(k.wrapBatches(rp))
	defer proxy.Close()
	rp.ModifyResponse = func(resp *http.Response) error { // paging links name the proxy
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		body = bytes.ReplaceAll(body, []byte(fake.Server.URL), []byte(proxy.URL))
		resp.Body, resp.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		resp.Header.Set("Content-Length", fmt.Sprint(len(body)))
		return err
	}
	var csv strings.Builder
	csv.WriteString("partner,first_name,last_name,email\n")
	for i := 3; i <= n; i++ {
		fmt.Fprintf(&csv, "ACME,F%d,L%d,p%d@acme.example\n", i, i, i)
	}
	c.importCSV(csv.String())
	c.ok("mailconfig", "set", "M365", "--calendar-system", "graph", "--groupware-url", proxy.URL,
		"--oauth-client-id", "app", "--oauth-client-secret-env", "GRAPH_SECRET", "--oauth-token-url", fake.TokenURL)
	c.ok("sync", "rule", "add", "customers")
	t.Setenv("GRAPH_SECRET", "app-secret")
	bin := buildWFE(t)

	k.runUntilDone(t, bin, c.db, "sync", "run", "customers")
	if k.killed != kills {
		t.Fatalf("%d kills, want %d (kill points left: %v)", k.killed, kills, k.points)
	}
	gw := graphContacts(t, fake)
	if got := fake.ContactCount("anna@example.com"); got != n || len(gw) != n {
		t.Fatalf("%d contacts in the mailbox carrying %d distinct CRM ids, want %d of each", got, len(gw), n)
	}
	for i := 3; i <= n; i++ {
		if got := gw[fmt.Sprint(i)]; got.Surname != fmt.Sprintf("L%d", i) || len(got.Emails) != 1 || got.Emails[0] != fmt.Sprintf("p%d@acme.example", i) {
			t.Fatalf("contact %d in the mailbox: %+v", i, got)
		}
	}
	if out := c.ok("sync", "run", "customers", "--json"); !strings.Contains(out, `"to_groupware": {
        "new": 0,
        "changed": 0,`) || strings.Contains(out, `"errors"`) {
		t.Fatalf("a run after the crashes still had work:\n%s", out)
	}
}
