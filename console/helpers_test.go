package console_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wfehq/wfe/actions/basic"
	"github.com/wfehq/wfe/conditions"
	"github.com/wfehq/wfe/console"
	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/store"
	sc "github.com/wfehq/wfe/store/console"
	"github.com/wfehq/wfe/store/storetest"
)

const (
	adminPassword  = "admin password 1234"
	viewerPassword = "viewer password 1234"
)

// validator compiles documents against the built-in actions and
// conditions, as wfe serve does.
func validator() store.ValidateFunc {
	reg := engine.NewRegistry()
	basic.Register(reg)
	conditions.Register(reg)
	return func(name string, data []byte) (store.WorkflowMeta, error) {
		p, err := engine.CompileBytes(name, data, reg)
		if err != nil {
			return store.WorkflowMeta{}, err
		}
		return store.WorkflowMeta{ID: p.WorkflowID(), Description: p.Doc().Description}, nil
	}
}

// runner runs a stored active workflow with the built-in actions and
// conditions and saves its run record, as wfe serve's runner does.
func runner(st *store.Store) func(ctx context.Context, workflowID, runAs string) (string, error) {
	reg := engine.NewRegistry()
	basic.Register(reg)
	conditions.Register(reg)
	return func(ctx context.Context, workflowID, runAs string) (string, error) {
		def, err := st.GetWorkflow(ctx, workflowID)
		if err != nil {
			return "", err
		}
		prog, err := engine.CompileBytes(def.FileName, def.Data, reg)
		if err != nil {
			return "", err
		}
		rec, runErr := prog.Run(ctx, engine.Event{Name: "TimerWFEvent"}, engine.RunOptions{RunAs: runAs, Trigger: "console"})
		data, err := json.Marshal(rec)
		if err != nil {
			return "", err
		}
		status := map[string]string{engine.StatusOK: store.RunSucceeded, engine.StatusFailed: store.RunFailed}[rec.Status]
		finished := rec.FinishedAt
		run := &store.Run{ID: rec.ID, WorkflowID: rec.WorkflowID, RunAs: runAs, StartedAt: rec.StartedAt, FinishedAt: &finished,
			Status: status, Error: rec.Error, Record: data}
		if err := st.SaveRun(ctx, run); err != nil {
			return "", err
		}
		return rec.ID, runErr
	}
}

// clock is a settable clock for the throttle.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fixture is a console on a fresh store with an admin "anna", a viewer
// "victor" and one API token of each role.
type fixture struct {
	t           *testing.T
	st          *store.Store
	srv         *httptest.Server
	console     *console.Server
	clock       *clock
	adminToken  string
	viewerToken string
	ready       error
}

func newFixture(t *testing.T, tweak ...func(*console.Options)) *fixture {
	t.Helper()
	f := &fixture{t: t, st: storetest.Open(t), clock: &clock{now: time.Now()}}
	ctx := context.Background()
	for _, u := range [][3]string{{"anna", sc.RoleAdmin, adminPassword}, {"victor", sc.RoleViewer, viewerPassword}} {
		if _, err := f.st.Console().CreateUser(ctx, u[0], u[1], u[2]); err != nil {
			t.Fatal(err)
		}
	}
	var err error
	if _, f.adminToken, err = f.st.Console().CreateToken(ctx, "deploy-script", sc.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	if _, f.viewerToken, err = f.st.Console().CreateToken(ctx, "report-script", sc.RoleViewer); err != nil {
		t.Fatal(err)
	}
	opts := console.Options{Store: f.st, Validate: validator(), Now: f.clock.Now, Ready: func() error { return f.ready },
		RunWorkflow: runner(f.st)}
	for _, tw := range tweak {
		tw(&opts)
	}
	if f.console, err = console.New(opts); err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(f.console)
	t.Cleanup(f.srv.Close)
	return f
}

// client is a browser-like client: a cookie jar and no redirects
// followed, so tests see 303s.
func (f *fixture) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// signIn signs in and returns the client with its session and the
// session's CSRF token (read from a page, as a browser gets it).
func (f *fixture) signIn(name, password string) (*http.Client, string) {
	f.t.Helper()
	c := f.client()
	resp, err := c.PostForm(f.srv.URL+"/login", url.Values{"username": {name}, "password": {password}})
	if err != nil {
		f.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		f.t.Fatalf("sign in as %s: %s", name, resp.Status)
	}
	_, body := f.get(c, "/")
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		f.t.Fatalf("no CSRF token on the dashboard of %s", name)
	}
	return c, m[1]
}

func (f *fixture) get(c *http.Client, path string) (*http.Response, string) {
	f.t.Helper()
	return f.do(c, mustRequest(f.t, "GET", f.srv.URL+path, nil))
}

func (f *fixture) do(c *http.Client, req *http.Request) (*http.Response, string) {
	f.t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func mustRequest(t *testing.T, method, u string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// postForm posts a form with the CSRF token (empty: none).
func (f *fixture) postForm(c *http.Client, path, csrf string, v url.Values) (*http.Response, string) {
	f.t.Helper()
	if v == nil {
		v = url.Values{}
	}
	if csrf != "" {
		v.Set("csrf_token", csrf)
	}
	req := mustRequest(f.t, "POST", f.srv.URL+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return f.do(c, req)
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func httptestTLS(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	s := httptest.NewTLSServer(h)
	t.Cleanup(s.Close)
	return s
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
