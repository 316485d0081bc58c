package mailimport_test

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/wfehq/wfe/actions/mailimport"
	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/mailbox/mailtest"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/storetest"
)

// An import never overlaps another run against the same configuration:
// while a lease is held elsewhere the import ends with a retryable error
// naming the node, without logging in; once it is free the import runs
// and gives the lease up again.
func TestImportLease(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, mailtest.IMAPOptions{})
		e.appendRaw(simpleMail(muellerAddr, "info@firma.example", "Lease", "lease@x", "x"))
		key := mailimport.LeaseKey(e.cfg.ID)
		if ok, err := st.AcquireLease(e.ctx, key, "node-b run 1234", mailimport.LeaseTTL); err != nil || !ok {
			t.Fatalf("acquire: %v %v", ok, err)
		}
		_, err := e.importOnce(false, 0)
		if !errors.Is(err, mailimport.ErrImportBusy) || !engine.IsRetryable(err) ||
			!strings.Contains(err.Error(), "mail configuration 123 is being imported by node node-b (lease until") {
			t.Fatalf("import while the lease is held elsewhere: %v (class %s)", err, engine.ClassOf(err))
		}
		if n := e.srv.LoginAttempts(); n != 0 {
			t.Errorf("%d logins while the lease was held elsewhere", n)
		}
		// a dry run changes nothing and needs no lease
		if res, err := e.importOnce(true, 0); err != nil || res.Unseen != 1 {
			t.Fatalf("dry run: %+v %v", res, err)
		}
		if err := st.ReleaseLease(e.ctx, key, "node-b run 1234"); err != nil {
			t.Fatal(err)
		}
		res, err := e.importOnce(false, 0)
		if err != nil || res.Imported != 1 {
			t.Fatalf("import after release: %+v %v", res, err)
		}
		if _, _, err := st.LeaseHolder(e.ctx, key); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("lease still held after the import: %v", err)
		}
		if len(e.inbox()) != 0 {
			t.Errorf("%d mails left in the inbox", len(e.inbox()))
		}
	})
}

func TestLeaseNode(t *testing.T) {
	for holder, want := range map[string]string{"host:12 run ab12cd34": "host:12", "node-a": "node-a", "": ""} {
		if got := mailimport.LeaseNode(holder); got != want {
			t.Errorf("LeaseNode(%q) = %q, want %q", holder, got, want)
		}
	}
}

// deadPID returns the id of a process of this host that has exited.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatalf("run a short-lived process: %v", err)
	}
	return cmd.ProcessState.Pid()
}

// A lease whose holder is gone is taken over at once: its process ran on
// this host and has died, or it stopped renewing. A lease of a live
// process on another node still excludes, also one whose pid is dead
// here (the pid names a process of the other host).
func TestImportLeaseTakeover(t *testing.T) {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	dead := deadPID(t)
	cases := []struct {
		name   string
		holder string
		ttl    time.Duration
		taken  bool
	}{
		{"dead pid on this host", mailimport.LeaseHolderName(host+":1", "deadbeef", dead, host), mailimport.LeaseTTL, true},
		{"stale heartbeat on another node", mailimport.LeaseHolderName("node-b", "cafe0001", os.Getpid(), "node-b.example"), mailimport.LeaseTTL / 4, true},
		{"live process on another node", mailimport.LeaseHolderName("node-b", "cafe0002", os.Getpid(), "node-b.example"), mailimport.LeaseTTL, false},
		{"dead pid number on another node", mailimport.LeaseHolderName("node-b", "cafe0003", dead, "node-b.example"), mailimport.LeaseTTL, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, st *store.Store) {
				e := newEnv(t, st, mailtest.IMAPOptions{})
				e.appendRaw(simpleMail(muellerAddr, "info@firma.example", "Lease", "takeover@x", "x"))
				key := mailimport.LeaseKey(e.cfg.ID)
				if ok, err := st.AcquireLease(e.ctx, key, c.holder, c.ttl); err != nil || !ok {
					t.Fatalf("acquire: %v %v", ok, err)
				}
				res, err := e.importOnce(false, 0)
				if !c.taken {
					if !errors.Is(err, mailimport.ErrImportBusy) || !strings.Contains(err.Error(), "being imported by node node-b") {
						t.Fatalf("import while a live holder has the lease: %+v %v", res, err)
					}
					if holder, _, err := st.LeaseHolder(e.ctx, key); err != nil || holder != c.holder {
						t.Fatalf("the lease changed hands: %q %v", holder, err)
					}
					return
				}
				if err != nil || res.Imported != 1 {
					t.Fatalf("import after taking the lease over: %+v %v", res, err)
				}
				if _, _, err := st.LeaseHolder(e.ctx, key); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("lease still held after the import: %v", err)
				}
			})
		})
	}
}
