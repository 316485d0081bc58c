package console

import "time"

// SetShortTextWindow makes a search for a short text read n activities
// per window and stop after budget (0: after one window), so that tests
// page through windows of a few rows.
func SetShortTextWindow(r *Repo, n int64, budget time.Duration) {
	r.shortTextWindow, r.shortTextBudget = n, budget
}
