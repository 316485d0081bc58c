package console

import (
	"context"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/wfehq/wfe/store/crm"
	"github.com/wfehq/wfe/store/internal/sqldb"
)

// ActivityQuery selects a page of activities for the console's search,
// newest first. BeforeID is the keyset cursor (the last id of the
// previous page, or ActivityPage.NextBefore).
type ActivityQuery struct {
	Subject      string // contained in the subject, case-insensitively
	Sender       string // contained in the sender address, case-insensitively
	MessageID    string // exact Message-ID
	MailConfigID int64
	BeforeID     int64
	Limit        int // 0: 50; at most 500
}

// ActivityPage is one page of an activity search.
type ActivityPage struct {
	Activities []crm.Activity
	// NextBefore is the cursor (ActivityQuery.BeforeID) of the next page;
	// 0 when there is none.
	NextBefore int64
	// WindowFrom, when not 0, is the lowest id the page looked at: a text
	// shorter than three characters was looked for among the activities
	// from WindowFrom up to the cursor only, so the page may be short
	// while older activities match (NextBefore goes on from there).
	WindowFrom int64
}

// trigramMin is the shortest text the trigram indexes can find.
const trigramMin = 3

// shortTextWindow is how many activities (by id) one page of a search
// for a text too short for the trigram indexes reads at most.
const shortTextWindow = 50_000

// ActivitiesPage returns one page of activities without their bodies
// (SearchActivities without the cursor of the next page).
func (r *Repo) ActivitiesPage(ctx context.Context, q ActivityQuery) ([]crm.Activity, error) {
	page, err := r.SearchActivities(ctx, q)
	return page.Activities, err
}

// SearchActivities returns one page of activities without their bodies,
// newest first, and the cursor of the next page.
//
// A subject or sender text is found anywhere in the column, ignoring
// case. On SQLite a text of three characters or more is looked up in the
// trigram index activity_search, walked newest first from the cursor on;
// on PostgreSQL lower(column) LIKE '%text%' uses the pg_trgm indexes when
// the extension is installed. A shorter text has no trigram: the page
// then reads at most the 50,000 activities below the cursor (WindowFrom).
func (r *Repo) SearchActivities(ctx context.Context, q ActivityQuery) (ActivityPage, error) {
	db := r.db.WithContext(ctx)
	if q.Limit <= 0 {
		q.Limit = 50
	}
	q.Limit = min(q.Limit, 500)
	var page ActivityPage
	if needsWindow(q) {
		from, err := r.windowFrom(db, q.BeforeID)
		if err != nil {
			return page, sqldb.Translate(err, "search activities")
		}
		page.WindowFrom = from
	}
	if err := r.activitiesPageQuery(db, q, page.WindowFrom).Find(&page.Activities).Error; err != nil {
		return page, sqldb.Translate(err, "search activities")
	}
	switch n := len(page.Activities); {
	case n == q.Limit:
		page.NextBefore = page.Activities[n-1].ID
	case page.WindowFrom > 1:
		page.NextBefore = page.WindowFrom
	}
	return page, nil
}

// needsWindow reports whether a search has a subject or sender text no
// index can find (shorter than three characters) and no Message-ID.
func needsWindow(q ActivityQuery) bool {
	if q.MessageID != "" {
		return false
	}
	short := func(s string) bool { return s != "" && utf8.RuneCountInString(s) < trigramMin }
	return short(q.Subject) || short(q.Sender)
}

// windowFrom returns the lowest id a page below the cursor before (0:
// from the newest) reads for a short text; 0 when the window reaches the
// first activity.
func (r *Repo) windowFrom(db *gorm.DB, before int64) (int64, error) {
	if before <= 0 {
		if err := db.Table("activity").Select("COALESCE(MAX(id), 0) + 1").Scan(&before).Error; err != nil {
			return 0, err
		}
	}
	window := r.shortTextWindow
	if window <= 0 {
		window = shortTextWindow
	}
	if before-window <= 1 {
		return 0, nil
	}
	return before - window, nil
}
