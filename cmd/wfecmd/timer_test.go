package wfecmd

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wfehq/wfe/engine/timer"
	"github.com/wfehq/wfe/store"
)

const sleepyWorkflow = `<?xml version="1.0" encoding="UTF-8"?>
<WorkFlowMapping WorkFlowID="Sleepy" Description="Never activated" ExecutionType="100">
<Step No="1">
<Event Name="TimerWFEvent"><EventToContextMap/></Event>
<Actions>
<Action Name="LogAction">
<ContextToActionMap>
<ValueMapping Name="Message"><Parameter Name="Message" DataType="java.lang.String" Value="zzz"/></ValueMapping>
</ContextToActionMap>
</Action>
</Actions>
</Step>
</WorkFlowMapping>
`

func (c *storeCLI) timers() map[string]timerView {
	c.t.Helper()
	var views []timerView
	if err := json.Unmarshal([]byte(c.ok("timer", "list", "--json")), &views); err != nil {
		c.t.Fatal(err)
	}
	m := map[string]timerView{}
	for _, v := range views {
		m[v.Name] = v
	}
	return m
}

// fails runs args and expects exit status code with want in stderr.
func (c *storeCLI) fails(code int, want string, args ...string) {
	c.t.Helper()
	out, errs, got := c.run(args...)
	if got != code || !strings.Contains(errs, want) {
		c.t.Fatalf("wfe %s: exit %d (want %d), stderr %q (want %q)\nstdout: %s", strings.Join(args, " "), got, code, errs, want, out)
	}
}

func TestTimerCommands(t *testing.T) {
	c := newStoreCLI(t)
	c.importWorkflow(helloWorkflow, true)
	c.importWorkflow(sleepyWorkflow, false)
	c.ok("employee", "add", "mm", "--email", "mm@firma.example")

	// a missing or inactive workflow is an error at add time
	c.fails(1, `workflow "Nope" is not installed`, "timer", "add", "Nope", "--as", "mm", "--every", "10m")
	c.fails(1, "workflow Sleepy is not active; activate it with 'wfe workflow activate Sleepy'", "timer", "add", "Sleepy", "--as", "mm", "--every", "10m")
	c.fails(1, `--as carl`, "timer", "add", "Hello", "--as", "carl", "--every", "10m")
	c.fails(2, "either --every or --cron", "timer", "add", "Hello", "--as", "mm")
	c.fails(2, "either --every or --cron", "timer", "add", "Hello", "--as", "mm", "--every", "1m", "--cron", "* * * * *")
	c.fails(2, "--every 500ms: too short a period", "timer", "add", "Hello", "--as", "mm", "--every", "500ms")
	c.fails(1, "want 5 fields", "timer", "add", "Hello", "--as", "mm", "--cron", "0 2 * *")
	c.fails(2, "--start", "timer", "add", "Hello", "--as", "mm", "--every", "1m", "--start", "soon")
	c.fails(2, "--type", "timer", "add", "Hello", "--type", "NIGHTLY", "--every", "1m")

	// the CRM documentation's example: the workflow timer for ImportMails-like work as MM every 10 minutes
	out := c.ok("timer", "add", "Hello", "--as", "mm", "--every", "10m")
	if !strings.Contains(out, "timer Hello added: workflow Hello as mm, every 10m; next run ") {
		t.Fatalf("add: %s", out)
	}
	c.ok("timer", "add", "nightly", "--workflow", "Hello", "--as", "mm", "--cron", "0 2 * * *", "--end", "2099-12-31")
	c.fails(1, "timer Hello exists already", "timer", "add", "Hello", "--as", "mm", "--every", "1m")

	tm := c.timers()
	auto, hello, nightly := tm[builtinAutoImport], tm["Hello"], tm["nightly"]
	if auto.Type != store.TimerMailAutoImport || auto.Every != "10m0s" || !auto.Active || auto.NextRun == nil || auto.Problem != "" {
		t.Errorf("built-in timer: %+v", auto)
	}
	if hello.WorkflowID != "Hello" || hello.RunAs != "mm" || hello.Schedule != "every 10m" || hello.NextRun == nil ||
		hello.NextRun.Sub(time.Unix(0, 0))%(10*time.Minute) != 0 || hello.Problem != "" {
		t.Errorf("Hello: %+v", hello)
	}
	if nightly.Schedule != "cron 0 2 * * *" || nightly.NextRun == nil || nightly.NextRun.Local().Hour() != 2 || nightly.EndAt == nil {
		t.Errorf("nightly: %+v", nightly)
	}
	if text := c.ok("timer", "list", "--wide"); !strings.Contains(text, "NEXT RUN") || !strings.Contains(text, "every 10m") {
		t.Errorf("list:\n%s", text)
	}

	// disable, enable
	c.ok("timer", "disable", "Hello")
	if h := c.timers()["Hello"]; h.Active || h.NextRun != nil {
		t.Errorf("disabled: %+v", h)
	}
	c.ok("timer", "enable", "Hello")
	c.fails(1, `timer "Nope" does not exist`, "timer", "enable", "Nope")

	// a workflow deactivated later: list marks it, enable warns, run fails with a record
	c.ok("workflow", "deactivate", "Hello")
	if p := c.timers()["Hello"].Problem; p != "workflow Hello is not active" {
		t.Errorf("problem %q", p)
	}
	if _, errs, code := c.run("timer", "enable", "Hello"); code != 0 || !strings.Contains(errs, "timer Hello will fail: workflow Hello is not active") {
		t.Errorf("enable with an inactive workflow: exit %d %q", code, errs)
	}
	out, _, code := c.run("timer", "run", "Hello")
	if code != 1 || !strings.Contains(out, "of Hello: failed") || !strings.Contains(out, "workflow Hello (version 1) is not active") {
		t.Fatalf("run with an inactive workflow: exit %d\n%s", code, out)
	}
	if h := c.timers()["Hello"]; h.LastOutcome != store.RunFailed || h.LastRunAt == nil || h.LastNode != nodeName() {
		t.Errorf("last run after failure: %+v", h)
	}

	c.ok("workflow", "activate", "Hello")
	out = c.ok("timer", "run", "Hello")
	if !strings.Contains(out, "of Hello as mm: ok") || !strings.Contains(out, "hello from the timer") {
		t.Fatalf("run:\n%s", out)
	}
	// a disabled timer runs by hand as well
	c.ok("timer", "disable", "nightly")
	c.ok("timer", "run", "nightly")
	out = c.ok("timer", "run", builtinAutoImport)
	if !strings.Contains(out, "of timer mail-auto-import: succeeded") {
		t.Fatalf("built-in run:\n%s", out)
	}
	c.fails(1, `no timer named "Nope"`, "timer", "run", "Nope")

	// the run history
	var runs []map[string]any
	if err := json.Unmarshal([]byte(c.ok("runs", "list", "--json", "--timer", "Hello")), &runs); err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 {
		t.Fatalf("%d runs of timer Hello", len(runs))
	}
	for _, r := range runs {
		for _, k := range []string{"id", "workflow_id", "timer", "scheduled_at", "started_at", "finished_at", "status", "node"} {
			if v, ok := r[k]; !ok || v == nil || v == "" {
				t.Errorf("run %v: key %s = %v", r["id"], k, v)
			}
		}
	}
	if runs[0]["status"] != store.RunSucceeded || runs[1]["status"] != store.RunFailed ||
		!strings.Contains(runs[1]["error"].(string), "is not active") {
		t.Errorf("runs: %v / %v", runs[0]["status"], runs[1])
	}

	// remove
	c.fails(1, "built in and cannot be removed; disable it", "timer", "remove", builtinAutoImport)
	c.ok("timer", "remove", "Hello")
	c.fails(1, "does not exist", "timer", "remove", "Hello")
	if _, ok := c.timers()["Hello"]; ok {
		t.Error("Hello still listed")
	}
	c.fails(2, "exactly one NAME", "timer", "run")
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// served is a `wfe serve` running in process.
type served struct {
	cancel context.CancelFunc
	stderr *syncBuffer
	done   chan int // exit status
}

// startServe runs `wfe serve args...` until stop; it returns once the
// scheduler runs.
func (c *storeCLI) startServe(args ...string) *served {
	c.t.Helper()
	ready := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	s := &served{cancel: cancel, stderr: &syncBuffer{}, done: make(chan int, 1)}
	env := &Env{Stdin: strings.NewReader(""), Stdout: &bytes.Buffer{}, Stderr: s.stderr,
		Getenv: func(k string) string { return c.env[k] },
		watch:  watchers{serveReady: func(string) { close(ready) }, timerStart: c.timerStart}}
	go func() {
		s.done <- Execute(ctx, root, env, append([]string{"--db", c.db, "serve", "--http", "off"}, args...))
	}()
	select {
	case <-ready:
	case code := <-s.done:
		c.t.Fatalf("serve ended with %d before it was ready:\n%s", code, s.stderr.String())
	case <-time.After(20 * time.Second):
		c.t.Fatal("serve not ready after 20s")
	}
	c.t.Cleanup(func() {
		cancel()
		<-s.done
	})
	return s
}

// stop cancels serve's context (as SIGTERM does) and returns its exit status.
func (s *served) stop(t *testing.T) int {
	t.Helper()
	s.cancel()
	select {
	case code := <-s.done:
		s.done <- code // for the cleanup
		return code
	case <-time.After(time.Minute):
		t.Fatal("serve did not stop within a minute")
		return -1
	}
}

// waitRuns waits until the run history holds a run that ok accepts.
func (c *storeCLI) waitRuns(st *store.Store, what string, f store.RunFilter, ok func([]store.Run) bool) []store.Run {
	c.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		runs, err := st.ListRuns(context.Background(), f)
		if err != nil {
			c.t.Fatal(err)
		}
		if ok(runs) {
			return runs
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("no %s within 20s; runs: %+v", what, runs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// serve picks up a timer added while it runs, records skipped ticks of a
// run still going, refuses a second serve on the same SQLite file, and on
// cancel lets the running job finish, then exits 0.
func TestServe(t *testing.T) {
	c := newStoreCLI(t)
	c.importWorkflow(helloWorkflow, true)
	c.ok("employee", "add", "mm", "--email", "mm@firma.example")

	started, release := make(chan timer.Task, 1), make(chan struct{})
	var hold sync.Once
	c.timerStart = func(ctx context.Context, tk timer.Task) {
		if tk.Name != "Slow" {
			return
		}
		first := false
		hold.Do(func() { first = true })
		if first {
			started <- tk
			<-release
		}
	}

	srv := c.startServe("--reload", "100ms", "--log-format", "json", "--node", "node-a")
	st := c.store()

	// a second serve on the same file is refused
	c.fails(1, "another 'wfe serve' runs on "+c.db, "serve")

	// a timer added while serve runs fires within the reload interval
	c.ok("timer", "add", "Hello", "--as", "mm", "--every", "1s")
	runs := c.waitRuns(st, "two runs of Hello", store.RunFilter{Timer: "Hello"}, func(r []store.Run) bool { return len(r) >= 2 })
	for _, r := range runs {
		if r.Status != store.RunSucceeded || r.Node != "node-a" || r.ScheduledAt == nil || r.ScheduledAt.Nanosecond() != 0 {
			t.Errorf("run %+v", r)
		}
	}
	if runs[0].ScheduledAt.Equal(*runs[1].ScheduledAt) {
		t.Errorf("two runs for one tick %s", runs[0].ScheduledAt)
	}
	c.ok("timer", "disable", "Hello")

	// a tick while the previous run still goes is skipped, with a record
	c.ok("timer", "add", "Slow", "--workflow", "Hello", "--as", "mm", "--every", "1s")
	<-started
	skipped := c.waitRuns(st, "a skipped run of Slow", store.RunFilter{Timer: "Slow", Status: store.RunSkipped},
		func(r []store.Run) bool { return len(r) > 0 })
	if !strings.Contains(skipped[0].Error, "previous run of timer Slow is still going on node node-a") {
		t.Errorf("skipped run: %+v", skipped[0])
	}

	// cancel: serve stops taking ticks but waits for the held run
	srv.cancel()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(srv.stderr.String(), "serve stopping") {
		if time.Now().After(deadline) {
			t.Fatalf("serve does not stop:\n%s", srv.stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case code := <-srv.done:
		t.Fatalf("serve ended (%d) while a run was still going", code)
	default:
	}
	close(release)
	if code := srv.stop(t); code != 0 {
		t.Fatalf("serve exit %d:\n%s", code, srv.stderr.String())
	}
	done, err := st.ListRuns(context.Background(), store.RunFilter{Timer: "Slow", Status: store.RunSucceeded})
	if err != nil || len(done) != 1 || done[0].FinishedAt == nil {
		t.Fatalf("the held run: %+v %v", done, err)
	}
	log := srv.stderr.String()
	for _, want := range []string{`"msg":"serve started"`, `"msg":"timer run"`, `"msg":"serve stopped"`, `"node":"node-a"`} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %s:\n%s", want, log)
		}
	}

	// the lock went with the first serve
	c.startServe("--reload", "1h").stop(t)
}

// With --grace 0 a run still going at shutdown is cancelled at once; serve
// still exits 0 and the run is recorded as cancelled.
func TestServeGraceOver(t *testing.T) {
	c := newStoreCLI(t)
	c.importWorkflow(helloWorkflow, true)
	c.ok("employee", "add", "mm", "--email", "mm@firma.example")
	started := make(chan struct{})
	var once sync.Once
	c.timerStart = func(ctx context.Context, tk timer.Task) {
		once.Do(func() {
			close(started)
			<-ctx.Done()
		})
	}
	c.ok("timer", "disable", builtinAutoImport)
	c.ok("timer", "add", "Hello", "--as", "mm", "--every", "1s")
	srv := c.startServe("--grace", "0s")
	<-started
	if code := srv.stop(t); code != 0 {
		t.Fatalf("serve exit %d:\n%s", code, srv.stderr.String())
	}
	runs, err := c.store().ListRuns(context.Background(), store.RunFilter{Timer: "Hello"})
	if err != nil || len(runs) != 1 || runs[0].Status != store.RunCancelled {
		t.Fatalf("runs %+v %v", runs, err)
	}
}
