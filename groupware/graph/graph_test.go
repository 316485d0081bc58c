package graph_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wfehq/wfe/groupware"
	"github.com/wfehq/wfe/groupware/groupwaretest"
)

func errorsIsAuth(err error) bool { return errors.Is(err, groupware.ErrAuth) }

// TestGraphWrongSecret: a wrong client secret is ErrAuth after one
// sign-in attempt at the server, and the secret is in no error message.
func TestGraphWrongSecret(t *testing.T) {
	fake := newFake(t)
	var waits atomic.Int64
	c := appConnector(t, fake, "wrong-secret-value", noSleepPacer(&waits))
	_, err := c.Folders(context.Background(), groupware.TableContacts)
	if !errorsIsAuth(err) {
		t.Fatalf("wrong secret: %v, want ErrAuth", err)
	}
	if n := fake.SignIns(); n != 1 {
		t.Errorf("sign-ins at the server: %d, want 1", n)
	}
	if strings.Contains(err.Error(), "wrong-secret-value") {
		t.Errorf("error shows the secret: %v", err)
	}
}

// TestGraphThrottleStorm: 429 and 503 answers with Retry-After, on plain
// requests and on $batch parts, are waited out as the server asks, and
// the work completes.
func TestGraphThrottleStorm(t *testing.T) {
	fake := newFake(t)
	var waits atomic.Int64
	c := appConnector(t, fake, "s3cret", noSleepPacer(&waits))
	root := groupware.Folder{Path: "Contacts", Table: groupware.TableContacts}
	fake.Throttle(3, http.StatusTooManyRequests, "2")
	fake.Throttle(2, http.StatusServiceUnavailable, "1")
	writes := make([]groupware.Write[groupware.Contact], 25)
	for i := range writes {
		writes[i] = groupware.Write[groupware.Contact]{Op: groupware.OpCreate, CRMID: "s" + string(rune('a'+i)), Item: groupwaretest.SampleContact(i)}
	}
	res, err := c.Contacts().Write(context.Background(), root, writes)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Err != nil {
			t.Fatalf("write %d: %v", i, r.Err)
		}
	}
	if got := fake.ContactCount(testMailbox); got != 25 {
		t.Fatalf("%d contacts, want 25 (none twice)", got)
	}
	// Five parts of the first batch are throttled (2 s and 1 s asked):
	// they are sent again once, after the longer wait.
	if got := time.Duration(waits.Load()); got != 2*time.Second {
		t.Errorf("waited %v in all, want 2s (the longest Retry-After of the throttled round)", got)
	}
	fake.Throttle(2, http.StatusTooManyRequests, "5")
	before := waits.Load()
	if _, err := c.Contacts().Changes(context.Background(), root, ""); err != nil {
		t.Fatal(err)
	}
	if got := time.Duration(waits.Load() - before); got != 10*time.Second {
		t.Errorf("delta waited %v, want 10s", got)
	}
}

// TestGraphPropertyError: a value Graph refuses is that record's
// ErrInvalidData; the other records of the batch are written.
func TestGraphPropertyError(t *testing.T) {
	fake := newFake(t)
	var waits atomic.Int64
	c := appConnector(t, fake, "s3cret", noSleepPacer(&waits))
	root := groupware.Folder{Path: "Contacts", Table: groupware.TableContacts}
	fake.FailRecord("bad-1", http.StatusBadRequest, "ErrorInvalidProperty")
	res, err := c.Contacts().Write(context.Background(), root, []groupware.Write[groupware.Contact]{
		{Op: groupware.OpCreate, CRMID: "good-1", Item: groupwaretest.SampleContact(1)},
		{Op: groupware.OpCreate, CRMID: "bad-1", Item: groupwaretest.SampleContact(2)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Err != nil || !errors.Is(res[1].Err, groupware.ErrInvalidData) || !strings.Contains(res[1].Err.Error(), "ErrorInvalidProperty") {
		t.Fatalf("results %+v; want the second to fail with ErrInvalidData naming Graph's code", res)
	}
}

// TestGraphAtMostFourInFlight: many goroutines reading the same mailbox
// through two connectors never have more than 4 requests at the server.
func TestGraphAtMostFourInFlight(t *testing.T) {
	fake := newFake(t)
	var waits atomic.Int64
	a, b := appConnector(t, fake, "s3cret", noSleepPacer(&waits)), appConnector(t, fake, "s3cret", noSleepPacer(&waits))
	var wg sync.WaitGroup
	for i := range 24 {
		c := a
		if i%2 == 1 {
			c = b
		}
		wg.Go(func() {
			if _, err := c.Folders(context.Background(), groupware.TableContacts); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := fake.MaxInFlight(); got > 4 {
		t.Fatalf("%d requests in flight at once, at most 4 allowed", got)
	}
	t.Logf("most in flight: %d", fake.MaxInFlight())
}

// TestGraphEndlessThrottling: when the throttling does not stop, a call
// gives up after the pacer's attempts with ErrServer, having waited the
// server's Retry-After between them.
func TestGraphEndlessThrottling(t *testing.T) {
	fake := newFake(t)
	var waits atomic.Int64
	p := noSleepPacer(&waits)
	c := appConnector(t, fake, "s3cret", p)
	fake.Throttle(1000, http.StatusTooManyRequests, "30")
	before := fake.Requests()
	_, err := c.Contacts().Changes(context.Background(), groupware.Folder{Path: "Contacts"}, "")
	if !errors.Is(err, groupware.ErrServer) {
		t.Fatalf("endless 429: %v, want ErrServer", err)
	}
	if n := fake.Requests() - before; n != int64(p.MaxAttempts) {
		t.Errorf("%d requests, want %d (the pacer's attempts)", n, p.MaxAttempts)
	}
	if got, want := time.Duration(waits.Load()), time.Duration(p.MaxAttempts-1)*30*time.Second; got != want {
		t.Errorf("waited %v, want %v", got, want)
	}
}
