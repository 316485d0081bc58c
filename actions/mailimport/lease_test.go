package mailimport_test

import (
	"errors"
	"strings"
	"testing"

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
