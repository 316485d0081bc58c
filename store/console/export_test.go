package console

// SetShortTextWindow makes a search for a short text read at most n
// activities per page (tests page through windows with a few rows).
func SetShortTextWindow(r *Repo, n int64) { r.shortTextWindow = n }
