package console

import (
	"context"
	"strings"

	"github.com/wfehq/wfe/store/crm"
	"github.com/wfehq/wfe/store/internal/sqldb"
)

// ActivityQuery selects a page of activities for the console's search,
// newest first. BeforeID is the keyset cursor (the last id of the
// previous page).
type ActivityQuery struct {
	Subject      string // contained in the subject, case-insensitively
	Sender       string // contained in the sender address
	MessageID    string // exact Message-ID
	MailConfigID int64
	BeforeID     int64
	Limit        int // 0: 50; at most 500
}

// activityListColumns leave out the bodies (text and HTML), which can be
// large.
const activityListColumns = "id, acttypekey, actstatuskey, subject, sender, globalid, mail_config_id, groupwarelock, unassigned, created_at"

// ActivitiesPage returns one page of activities without their bodies.
func (r *Repo) ActivitiesPage(ctx context.Context, q ActivityQuery) ([]crm.Activity, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 50
	}
	db := r.db.WithContext(ctx).Select(activityListColumns).Order("id DESC").Limit(min(limit, 500))
	if q.Subject != "" {
		db = db.Where("LOWER(subject) LIKE ? ESCAPE '\\'", "%"+likeEscape(strings.ToLower(q.Subject))+"%")
	}
	if q.Sender != "" {
		db = db.Where("LOWER(sender) LIKE ? ESCAPE '\\'", "%"+likeEscape(strings.ToLower(q.Sender))+"%")
	}
	if q.MessageID != "" {
		db = db.Where("globalid = ?", q.MessageID)
	}
	if q.MailConfigID != 0 {
		db = db.Where("mail_config_id = ?", q.MailConfigID)
	}
	if q.BeforeID > 0 {
		db = db.Where("id < ?", q.BeforeID)
	}
	var out []crm.Activity
	return out, sqldb.Translate(db.Find(&out).Error, "search activities")
}

// likeEscape escapes the LIKE wildcards of a search text.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
