package syncstate

import (
	"context"
	"fmt"
	"strconv"

	"gorm.io/gorm"

	"github.com/wfehq/wfe/store/crm"
	"github.com/wfehq/wfe/store/internal/sqldb"
)

// CalendarColumns are the activity columns a calendar sync writes: what
// an event or groupware task holds. GroupwareLock does not stop these
// writes: a meeting's dates and attendees come from the groupware, the
// lock keeps CRM users from changing them.
var CalendarColumns = []string{"subject", "text", "location", "priority", "actstatuskey", "startdate", "enddate",
	"all_day", "time_zone", "attendees", "recurrence", "exdates", "overrides", "ical_uid", "teams_join_url", "duedate"}

// CreateActivityLinked checks and inserts an appointment or task and the
// link to its groupware item in one transaction; l.CRMID is set to the
// new activity's id.
func (s *Repo) CreateActivityLinked(ctx context.Context, a *crm.Activity, l *Link) error {
	if err := crm.CheckAppointment(a); err != nil {
		return fmt.Errorf("create appointment from the groupware: %v: %w", err, sqldb.ErrInvalid)
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		a.ID = 0
		if err := crm.InsertActivity(tx, a, nil); err != nil {
			return err
		}
		l.CRMID = strconv.FormatInt(a.ID, 10)
		return saveLink(tx, s.db.Now(), l)
	})
}

// UpdateActivityLinked writes the CalendarColumns of a (an appointment
// or task as it is to be) and its link's new state in one transaction.
func (s *Repo) UpdateActivityLinked(ctx context.Context, a *crm.Activity, l *Link) error {
	if err := crm.CheckAppointment(a); err != nil {
		return fmt.Errorf("update appointment %d from the groupware: %v: %w", a.ID, err, sqldb.ErrInvalid)
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		a.UpdatedAt = s.db.Now()
		res := tx.Model(&crm.Activity{}).Where("id = ?", a.ID).Select(append(CalendarColumns, "updated_at")).Updates(a)
		if err := sqldb.RowsOrNotFound(res.Error, res.RowsAffected, fmt.Sprintf("update appointment %d", a.ID)); err != nil {
			return err
		}
		return saveLink(tx, s.db.Now(), l)
	})
}

// MarkMeetingSent write-protects a meeting the sync created in the
// groupware (GroupwareLock: a sent meeting belongs to the calendar) and
// keeps its Teams join URL when Graph gave one, without moving its update
// time (neither is a synced value, so the next run sees no CRM change).
func (s *Repo) MarkMeetingSent(ctx context.Context, id int64, joinURL string) error {
	up := map[string]any{"groupwarelock": true}
	if joinURL != "" {
		up["teams_join_url"] = joinURL
	}
	res := s.db.WithContext(ctx).Model(&crm.Activity{}).Where("id = ?", id).UpdateColumns(up)
	return sqldb.RowsOrNotFound(res.Error, res.RowsAffected, fmt.Sprintf("mark meeting %d sent", id))
}

// DeleteActivityLinked deletes an activity (with its contact and partner
// links and documents' rows) and its sync link in one transaction.
func (s *Repo) DeleteActivityLinked(ctx context.Context, a Account, id int64) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		crmID := strconv.FormatInt(id, 10)
		if err := a.where(tx).Where("crm_id = ?", crmID).Delete(&Link{}).Error; err != nil {
			return sqldb.Translate(err, "delete sync link of activity "+crmID)
		}
		for _, t := range []string{"activity_contact", "activity_partner"} {
			if err := tx.Table(t).Where("activity_id = ?", id).Delete(nil).Error; err != nil {
				return sqldb.Translate(err, "delete links of activity "+crmID)
			}
		}
		return sqldb.Translate(tx.Table("activity").Where("id = ?", id).Delete(nil).Error, "delete activity "+crmID)
	})
}

// ExistingActivities returns which of ids name an activity.
func (s *Repo) ExistingActivities(ctx context.Context, ids []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	for len(ids) > 0 {
		n := min(len(ids), 500)
		var found []int64
		if err := s.db.WithContext(ctx).Table("activity").Where("id IN ?", ids[:n]).Pluck("id", &found).Error; err != nil {
			return nil, sqldb.Translate(err, "look up activities")
		}
		for _, id := range found {
			out[id] = true
		}
		ids = ids[n:]
	}
	return out, nil
}
