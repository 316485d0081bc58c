package console

import (
	"context"
	"time"
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
	// WindowFrom, when not 0, is where the page stopped looking: a text
	// shorter than three characters was looked for among the activities
	// from WindowFrom up to the cursor only, so the page is short while
	// older activities may match (NextBefore goes on from there).
	WindowFrom int64
}

// trigramMin is the shortest text the trigram indexes can find.
const trigramMin = 3

// A text too short for the trigram indexes is looked for window by
// window: shortTextWindow activities (by id) at a time, below the
// cursor, until the page is full, the oldest activity is reached or
// shortTextBudget has passed.
const (
	shortTextWindow = 10_000
	shortTextBudget = 40 * time.Millisecond
)

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
// the extension is installed. A shorter text has no trigrams: it is
// looked for 10,000 activities at a time for at most about 40 ms, and a
// page that stops there says where (WindowFrom).
func (r *Repo) SearchActivities(ctx context.Context, q ActivityQuery) (ActivityPage, error) {
	db := r.db.WithContext(ctx)
	if q.Limit <= 0 {
		q.Limit = 50
	}
	q.Limit = min(q.Limit, 500)
	if needsWindow(q) {
		return r.searchWindows(db, q)
	}
	var page ActivityPage
	if err := r.activitiesPageQuery(db, q, 0).Find(&page.Activities).Error; err != nil {
		return page, sqldb.Translate(err, "search activities")
	}
	if n := len(page.Activities); n == q.Limit {
		page.NextBefore = page.Activities[n-1].ID
	}
	return page, nil
}

// searchWindows looks for a short text window by window below the
// cursor.
func (r *Repo) searchWindows(db *gorm.DB, q ActivityQuery) (ActivityPage, error) {
	var page ActivityPage
	start := time.Now()
	for {
		from, err := r.windowFrom(db, q.BeforeID)
		if err != nil {
			return page, sqldb.Translate(err, "search activities")
		}
		var found []crm.Activity
		if err := r.activitiesPageQuery(db, q, from).Find(&found).Error; err != nil {
			return page, sqldb.Translate(err, "search activities")
		}
		page.Activities = append(page.Activities, found...)
		q.Limit -= len(found)
		switch {
		case q.Limit == 0:
			page.NextBefore = found[len(found)-1].ID
			return page, nil
		case from == 0:
			return page, nil
		case time.Since(start) >= r.shortTextBudget:
			page.NextBefore, page.WindowFrom = from, from
			return page, nil
		}
		q.BeforeID = from
	}
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

// windowFrom returns the lowest id of the window below the cursor before
// (0: from the newest activity on); 0 when the window reaches the oldest.
func (r *Repo) windowFrom(db *gorm.DB, before int64) (int64, error) {
	if before <= 0 {
		if err := db.Table("activity").Select("COALESCE(MAX(id), 0) + 1").Scan(&before).Error; err != nil {
			return 0, err
		}
	}
	if before-r.shortTextWindow <= 1 {
		return 0, nil
	}
	return before - r.shortTextWindow, nil
}
