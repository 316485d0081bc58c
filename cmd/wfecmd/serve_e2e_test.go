package wfecmd

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wfehq/wfe/mailbox/mailtest"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/storetest"
)

// End to end: serve runs the shipped WKF_ImportMailsByBCC every second
// against Dovecot; a mail appended while it runs is imported within two
// ticks.
func TestServeImportsBCCFromDovecot(t *testing.T) {
	d := mailtest.StartDovecot(t, mailtest.DovecotOptions{Users: map[string]string{"bcc": testPassword}})
	c := newStoreCLI(t)
	c.env["PW"] = testPassword
	c.ok("employee", "add", "anna", "--email", "anna.schmidt@firma.example")
	c.ok("employee", "add", "bccbot", "--email", "crm-technik@firma.example")
	c.ok("settings", "set", "internal-domains", "firma.example")
	c.ok("mailconfig", "set", "BCCIMPORTER", "--user", "bcc", "--password-env", "PW", "--imap", d.TLSAddr,
		"--imap-security", "tls", "--ca-file", d.CAFile)
	c.ok("timer", "disable", builtinAutoImport)
	c.ok("timer", "add", "bcc-import", "--workflow", "WKF_ImportMailsByBCC", "--as", "bccbot", "--every", "1s")

	c.startServe("--reload", "100ms")
	st := c.store()
	c.waitRuns(st, "a first run of bcc-import", store.RunFilter{Timer: "bcc-import"}, func(r []store.Run) bool {
		return len(r) > 0 && r[0].Status == store.RunSucceeded
	})
	appended := time.Now()
	d.Append(t, "bcc", "INBOX", fixtureMail(t, "20-bcc-customer.eml"))
	runs := c.waitRuns(st, "a run that imported the mail", store.RunFilter{Timer: "bcc-import"}, func(r []store.Run) bool {
		return strings.Contains(string(r[0].Record), "1 imported")
	})
	imp := runs[0]
	if imp.Status != store.RunSucceeded || imp.ScheduledAt == nil || imp.ScheduledAt.After(appended.Truncate(time.Second).Add(2*time.Second)) {
		t.Errorf("appended at %s, imported by the run of tick %s (status %s)", appended.Format(time.RFC3339Nano), imp.ScheduledAt, imp.Status)
	}
	if n := len(d.Folder(t, "bcc", "INBOX")); n != 0 {
		t.Errorf("%d mails left in the inbox", n)
	}
	if acts := c.ok("activity", "list", "--wide"); !strings.Contains(acts, "Terminbestätigung Aufbau") {
		t.Errorf("activity missing:\n%s", acts)
	}
}

// buildWFE builds the wfe binary once into a temporary directory.
func buildWFE(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "wfe")
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, "../wfe")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// node is one `wfe serve` process.
type node struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan error
}

// Three serve processes on one PostgreSQL database, one timer every
// second: every scheduled time runs exactly once, and after one node is
// killed with SIGKILL the others go on.
func TestServeNodesOnPostgres(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	if testing.Short() {
		t.Skip("runs for about 25s")
	}
	bin := buildWFE(t)
	dir := t.TempDir()
	environ := append(os.Environ(), "WFE_DB="+dsn, "WFE_SECRET_KEY="+storetest.TestKey, "WFE_BLOB_DIR="+filepath.Join(dir, "blobs"))
	wfe := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = environ
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("wfe %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	wf := filepath.Join(dir, "hello.xml")
	if err := os.WriteFile(wf, []byte(helloWorkflow), 0o644); err != nil {
		t.Fatal(err)
	}
	wfe("workflow", "import", wf, "--activate")
	wfe("employee", "add", "mm", "--email", "mm@firma.example")
	wfe("timer", "disable", builtinAutoImport)
	wfe("timer", "add", "Hello", "--as", "mm", "--every", "1s")

	nodes := make([]*node, 3)
	for i := range nodes {
		n := &node{name: "n" + string(rune('1'+i)), log: filepath.Join(dir, "n"+string(rune('1'+i))+".log"), done: make(chan error, 1)}
		f, err := os.Create(n.log)
		if err != nil {
			t.Fatal(err)
		}
		n.cmd = exec.Command(bin, "serve", "--http", "off", "--node", n.name, "--reload", "1s", "--grace", "5s")
		n.cmd.Env, n.cmd.Stderr = environ, f
		if err := n.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { n.done <- n.cmd.Wait(); f.Close() }()
		t.Cleanup(func() {
			n.cmd.Process.Kill()
			<-n.done
			if t.Failed() {
				b, _ := os.ReadFile(n.log)
				t.Logf("log of %s:\n%s", n.name, tail(string(b), 3000))
			}
		})
		nodes[i] = n
	}
	st, err := store.Open(context.Background(), dsn, store.WithSecretKey(storetest.TestKey))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c := &storeCLI{t: t}
	all := func(r []store.Run) bool { return true }
	started := time.Now()
	// run ~10 ticks, then kill the node that ran most
	runs := c.waitRuns(st, "10 runs", store.RunFilter{Timer: "Hello"}, func(r []store.Run) bool {
		return len(r) >= 10 && r[0].ScheduledAt.After(started.Add(10*time.Second))
	})
	count := map[string]int{}
	for _, r := range runs {
		count[r.Node]++
	}
	victim := nodes[0]
	for _, n := range nodes {
		if count[n.name] > count[victim.name] {
			victim = n
		}
	}
	if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-victim.done
	killed := time.Now()
	c.waitRuns(st, "10 runs after the kill", store.RunFilter{Timer: "Hello"}, func(r []store.Run) bool {
		return r[0].ScheduledAt.After(killed.Add(12 * time.Second))
	})
	for _, n := range nodes {
		if n == victim {
			continue
		}
		if err := n.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatalf("%s is gone: %v", n.name, err)
		}
		if err := <-n.done; err != nil {
			t.Errorf("%s: exit %v", n.name, err)
		}
		n.done <- nil // for the cleanup
	}
	victim.done <- nil

	runs = c.waitRuns(st, "the runs", store.RunFilter{Timer: "Hello"}, all)
	perTick := map[int64][]string{}
	var ticks []int64
	after := map[string]int{}
	for _, r := range runs {
		if r.Status != store.RunSucceeded {
			t.Errorf("run %s on %s: %s %s", r.ID, r.Node, r.Status, r.Error)
		}
		s := r.ScheduledAt.Unix()
		if len(perTick[s]) == 0 {
			ticks = append(ticks, s)
		}
		perTick[s] = append(perTick[s], r.Node)
		if r.ScheduledAt.After(killed) {
			after[r.Node]++
		}
	}
	sort.Slice(ticks, func(i, j int) bool { return ticks[i] < ticks[j] })
	gaps := 0
	for i, s := range ticks {
		if len(perTick[s]) != 1 {
			t.Errorf("tick %s ran %d times: %v", time.Unix(s, 0).UTC().Format(time.TimeOnly), len(perTick[s]), perTick[s])
		}
		if i > 0 && s-ticks[i-1] != 1 {
			gaps += int(s - ticks[i-1] - 1)
		}
	}
	// a tick claimed by the victim just before it died has no record
	if gaps > 1 {
		t.Errorf("%d ticks without a run between %s and %s", gaps, time.Unix(ticks[0], 0).UTC(), time.Unix(ticks[len(ticks)-1], 0).UTC())
	}
	if after[victim.name] > 0 || after[nodes[0].name]+after[nodes[1].name]+after[nodes[2].name]-after[victim.name] < 10 {
		t.Errorf("runs after the kill of %s per node: %v", victim.name, after)
	}
	t.Logf("%d ticks, runs per node %v, after killing %s: %v", len(ticks), count, victim.name, after)
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := bufio.NewReader(strings.NewReader(s[len(s)-n:]))
	r.ReadString('\n')
	rest, _ := r.ReadString(0)
	return rest
}
