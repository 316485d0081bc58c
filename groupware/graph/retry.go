package graph

import (
	"context"
	"errors"
	"net/http"
	"time"

	"golang.org/x/oauth2"

	"github.com/wfehq/wfe/groupware/pacer"
)

// shouldRetry is Graph's retry decision, made from one response alone:
// throttling (429) and an unavailable or timed-out service (503, 504)
// are retried after the Retry-After the server names, a bad gateway (502)
// and transport failures after a backoff. A refused sign-in is never
// retried (it would count as another failed login), nor is a cancelled
// call, nor any other status: 500 for one record is that record's error.
func shouldRetry(resp *http.Response, err error) pacer.Decision {
	if err != nil {
		var retrieve *oauth2.RetrieveError
		if errors.As(err, &retrieve) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return pacer.Decision{}
		}
		return pacer.Decision{Retry: true}
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return pacer.Decision{Retry: true, Wait: pacer.RetryAfter(resp.Header, time.Now())}
	case http.StatusBadGateway:
		return pacer.Decision{Retry: true}
	}
	return pacer.Decision{}
}
