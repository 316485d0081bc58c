package graph

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/wfehq/wfe/groupware"
)

// recorded is a response as Graph sends it, captured by a recorder.
func recorded(status int, retryAfter, body string) *http.Response {
	rec := httptest.NewRecorder()
	if retryAfter != "" {
		rec.Header().Set("Retry-After", retryAfter)
	}
	rec.Header().Set("Content-Type", "application/json")
	rec.WriteHeader(status)
	fmt.Fprint(rec, body)
	return rec.Result()
}

func TestShouldRetry(t *testing.T) {
	throttled := `{"error":{"code":"ApplicationThrottled","message":"Application is over its MailboxConcurrency limit."}}`
	for _, tc := range []struct {
		name  string
		resp  *http.Response
		err   error
		retry bool
		wait  time.Duration
	}{
		{"429 with Retry-After", recorded(429, "17", throttled), nil, true, 17 * time.Second},
		{"429 without Retry-After", recorded(429, "", throttled), nil, true, 0},
		{"503 with Retry-After", recorded(503, "3", `{"error":{"code":"serviceNotAvailable"}}`), nil, true, 3 * time.Second},
		{"504", recorded(504, "", ""), nil, true, 0},
		{"502", recorded(502, "", ""), nil, true, 0},
		{"500 for one record", recorded(500, "", `{"error":{"code":"generalException"}}`), nil, false, 0},
		{"410 expired delta", recorded(410, "", `{"error":{"code":"syncStateNotFound"}}`), nil, false, 0},
		{"401", recorded(401, "", `{"error":{"code":"InvalidAuthenticationToken"}}`), nil, false, 0},
		{"412", recorded(412, "", `{"error":{"code":"ErrorIrresolvableConflict"}}`), nil, false, 0},
		{"200", recorded(200, "", `{}`), nil, false, 0},
		{"connection reset", nil, &netError{syscall.ECONNRESET}, true, 0},
		{"refused sign-in", nil, &oauth2.RetrieveError{ErrorCode: "invalid_client"}, false, 0},
		{"cancelled", nil, context.Canceled, false, 0},
	} {
		d := shouldRetry(tc.resp, tc.err)
		if d.Retry != tc.retry || d.Wait != tc.wait {
			t.Errorf("%s: retry %v wait %v, want %v %v", tc.name, d.Retry, d.Wait, tc.retry, tc.wait)
		}
	}
}

type netError struct{ err error }

func (e *netError) Error() string { return "read tcp: " + e.err.Error() }
func (e *netError) Unwrap() error { return e.err }

func TestStatusErrorKinds(t *testing.T) {
	for status, want := range map[int]string{401: "authentication", 410: "token expired", 404: "not found",
		412: "changed on the server", 400: "refused the data", 500: "server error"} {
		err := statusError(status, nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("status %d: %v, want it to say %q", status, err, want)
		}
	}
	if !errors.Is(statusError(http.StatusGone, nil), groupware.ErrTokenExpired) {
		t.Error("410 is not ErrTokenExpired")
	}
}

// TestDeltaLinkElsewhereIsRefused: a token that points outside the base
// URL is not followed, so the access token never leaves for another host.
func TestDeltaLinkElsewhereIsRefused(t *testing.T) {
	c, err := New(Config{BaseURL: "https://graph.example/v1.0", TokenSource: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "x"})})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.call(context.Background(), 1, http.MethodGet, "https://evil.example/v1.0/me/contacts/delta", nil)
	if err == nil {
		t.Fatal("a link to another host was followed")
	}
}
