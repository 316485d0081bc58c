package groupwaretest

import "net/http"

// ThrottleRecord makes the next n requests about the contact with this
// id, or creates carrying this CRM id, answer 429 with the given
// Retry-After ("" for none); the requests after them are served.
func (f *GraphFake) ThrottleRecord(idOrCRMID string, n int, retryAfter string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures[idOrCRMID] = fakeFailure{status: http.StatusTooManyRequests, code: "TooManyRequests", left: n, retryAfter: retryAfter}
}

// HealRecord ends a failure FailRecord or ThrottleRecord injected.
func (f *GraphFake) HealRecord(idOrCRMID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.failures, idOrCRMID)
}
