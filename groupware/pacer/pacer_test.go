package pacer

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func response(status int, retryAfter string) *http.Response {
	h := http.Header{}
	if retryAfter != "" {
		h.Set("Retry-After", retryAfter)
	}
	return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader("x"))}
}

func retryOn429(resp *http.Response, err error) Decision {
	if resp != nil && resp.StatusCode == 429 {
		return Decision{Retry: true, Wait: RetryAfter(resp.Header, time.Now())}
	}
	return Decision{}
}

func recordingPacer(waits *[]time.Duration) *Pacer {
	p := New()
	p.MaxAttempts = 4
	p.Sleep = func(_ context.Context, d time.Duration) error {
		*waits = append(*waits, d)
		return nil
	}
	return p
}

func TestDoHonoursRetryAfterAndStops(t *testing.T) {
	var waits []time.Duration
	p := recordingPacer(&waits)
	answers := []*http.Response{response(429, "3"), response(429, "9999"), response(200, "")}
	calls := 0
	resp, err := p.Do(context.Background(), retryOn429, func() (*http.Response, error) {
		calls++
		return answers[calls-1], nil
	})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("got %v %v, want 200", resp, err)
	}
	want := []time.Duration{3 * time.Second, p.MaxWait}
	if len(waits) != 2 || waits[0] != want[0] || waits[1] != want[1] {
		t.Fatalf("waits %v, want %v (Retry-After, then capped)", waits, want)
	}
}

func TestDoGivesUpAfterMaxAttempts(t *testing.T) {
	var waits []time.Duration
	p := recordingPacer(&waits)
	calls := 0
	resp, _ := p.Do(context.Background(), retryOn429, func() (*http.Response, error) {
		calls++
		return response(429, ""), nil
	})
	if calls != p.MaxAttempts || resp.StatusCode != 429 {
		t.Fatalf("calls %d status %d, want %d calls ending in the last 429", calls, resp.StatusCode, p.MaxAttempts)
	}
	for i, w := range waits {
		top := p.MinBackoff << i
		if w < top/2 || w > top {
			t.Errorf("backoff %d = %v, want within [%v, %v]", i, w, top/2, top)
		}
	}
}

func TestDoStopsWhenContextEnds(t *testing.T) {
	p := New()
	ctx, cancel := context.WithCancel(context.Background())
	p.Sleep = func(ctx context.Context, d time.Duration) error { cancel(); return ctx.Err() }
	_, err := p.Do(ctx, retryOn429, func() (*http.Response, error) { return response(429, "1"), nil })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
}

func TestRetryAfterForms(t *testing.T) {
	now := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	date := now.Add(90 * time.Second).Format(http.TimeFormat)
	for _, tc := range []struct {
		value string
		want  time.Duration
	}{{"", 0}, {"7", 7 * time.Second}, {"-1", 0}, {"soon", 0}, {date, 90 * time.Second}} {
		h := http.Header{}
		if tc.value != "" {
			h.Set("Retry-After", tc.value)
		}
		if got := RetryAfter(h, now); got != tc.want {
			t.Errorf("Retry-After %q = %v, want %v", tc.value, got, tc.want)
		}
	}
}
