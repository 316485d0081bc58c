package crm

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/wfehq/wfe/store/internal/sqldb"
)

// TypeTask is the activity type of a CRM task (due date, done status).
const TypeTask = "TASK"

// IsCalendarType reports whether activities of type t are synced with a
// calendar or task list: BESPRECHUNG, TERMIN and TASK.
func IsCalendarType(t string) bool { return IsMeetingType(t) || t == TypeTask }

// CalendarFields are the columns an appointment (BESPRECHUNG, TERMIN) or a
// task keeps besides the common activity columns. The activity's StartDate
// and EndDate are the instants (an all-day event: dates at midnight UTC,
// the end exclusive); TimeZone names the IANA zone they were written in.
// Recurrence, Exdates and Overrides use the notation of the calendar model
// (groupware/calendar): the RRULE value as written, the original starts of
// cancelled instances comma-separated, and the moved or changed instances
// as a JSON array. A task is done when its status is StatusDone.
type CalendarFields struct {
	AllDay       bool         `gorm:"column:all_day" json:"all_day"`
	TimeZone     string       `gorm:"column:time_zone" json:"time_zone"`
	Attendees    AttendeeList `gorm:"column:attendees;type:text" json:"attendees"`
	Recurrence   string       `gorm:"column:recurrence" json:"recurrence"`
	Exdates      string       `gorm:"column:exdates" json:"exdates"`
	Overrides    string       `gorm:"column:overrides" json:"overrides"`
	ICalUID      string       `gorm:"column:ical_uid" json:"ical_uid"`
	TeamsJoinURL string       `gorm:"column:teams_join_url" json:"teams_join_url"`
	DueDate      *time.Time   `gorm:"column:duedate" json:"due_date,omitempty"`
}

// Attendee is one participant of a meeting; Role is required, optional or
// resource, Status accepted, declined, tentative or needs-action.
type Attendee struct {
	Email  string `json:"email"`
	Name   string `json:"name,omitempty"`
	Role   string `json:"role,omitempty"`
	Status string `json:"status,omitempty"`
}

// AttendeeList is stored as a JSON array in a text column.
type AttendeeList = sqldb.JSONList[Attendee]

// CheckAppointment reports what makes a an invalid appointment or task:
// a type other than BESPRECHUNG, TERMIN or TASK, an appointment without
// start, an end before its start, all-day dates that are not midnight UTC,
// an attendee without a valid address, an unknown time zone.
func CheckAppointment(a *Activity) error {
	if !IsCalendarType(a.Type) {
		return fmt.Errorf("type %q: want %s, %s or %s", a.Type, TypeMeeting, TypeAppointment, TypeTask)
	}
	if IsMeetingType(a.Type) && a.StartDate == nil {
		return fmt.Errorf("%s %q: start is missing", a.Type, a.Subject)
	}
	if a.StartDate != nil && a.EndDate != nil && a.EndDate.Before(*a.StartDate) {
		return fmt.Errorf("%s %q: end %s is before start %s", a.Type, a.Subject,
			a.EndDate.Format(time.RFC3339), a.StartDate.Format(time.RFC3339))
	}
	if a.AllDay {
		for _, t := range []*time.Time{a.StartDate, a.EndDate} {
			if t != nil && !t.UTC().Equal(t.UTC().Truncate(24*time.Hour)) {
				return fmt.Errorf("%s %q: all-day date %s is not a date", a.Type, a.Subject, t.Format(time.RFC3339))
			}
		}
	}
	if a.TimeZone != "" {
		if _, err := time.LoadLocation(a.TimeZone); err != nil {
			return fmt.Errorf("%s %q: time zone %q: %v", a.Type, a.Subject, a.TimeZone, err)
		}
	}
	for i, at := range a.Attendees {
		if _, err := mail.ParseAddress(at.Email); err != nil || strings.ContainsAny(at.Email, "<> ") {
			return fmt.Errorf("%s %q: attendee %d: %q is not an e-mail address", a.Type, a.Subject, i+1, at.Email)
		}
	}
	return nil
}

// CreateAppointment checks a (CheckAppointment) and inserts it with its
// links. A new task is open unless its status says otherwise.
func (s *Repo) CreateAppointment(ctx context.Context, a *Activity) error {
	if err := CheckAppointment(a); err != nil {
		return fmt.Errorf("create appointment: %v: %w", err, sqldb.ErrInvalid)
	}
	if a.Status == "" {
		a.Status = StatusOpen
	}
	return s.CreateActivity(ctx, a)
}

// AppointmentChanges lists the calendar fields to change besides
// ActivityChanges; nil means unchanged.
type AppointmentChanges struct {
	ActivityChanges
	AllDay       *bool
	TimeZone     *string
	Attendees    *AttendeeList
	Recurrence   *string
	Exdates      *string
	Overrides    *string
	ICalUID      *string
	TeamsJoinURL *string
	DueDate      **time.Time
}

// calendarColumns returns the changed calendar columns of c against a,
// and whether one of them is part of a meeting's protected date and
// attendee set (all-day, zone, attendees, recurrence and its instances).
func (c AppointmentChanges) calendarColumns(a *Activity) (up map[string]any, protected []string) {
	up = map[string]any{}
	set := func(name, column string, changed bool, v any, locked bool) {
		if !changed {
			return
		}
		up[column] = v
		if locked {
			protected = append(protected, name)
		}
	}
	if c.AllDay != nil {
		set("ALL_DAY", "all_day", *c.AllDay != a.AllDay, *c.AllDay, true)
	}
	str := func(name, column string, p *string, cur string, locked bool) {
		if p != nil {
			set(name, column, *p != cur, *p, locked)
		}
	}
	str("TIME_ZONE", "time_zone", c.TimeZone, a.TimeZone, true)
	str("RECURRENCE", "recurrence", c.Recurrence, a.Recurrence, true)
	str("EXDATES", "exdates", c.Exdates, a.Exdates, true)
	str("OVERRIDES", "overrides", c.Overrides, a.Overrides, true)
	str("ICAL_UID", "ical_uid", c.ICalUID, a.ICalUID, false)
	str("TEAMS_JOIN_URL", "teams_join_url", c.TeamsJoinURL, a.TeamsJoinURL, false)
	if c.Attendees != nil {
		old, _ := a.Attendees.Value()
		nv, _ := c.Attendees.Value()
		set("ATTENDEES", "attendees", old != nv, *c.Attendees, true)
	}
	if c.DueDate != nil {
		ch := timeChange("DUEDATE", "duedate", c.DueDate, a.DueDate)
		set(ch.name, ch.column, ch.changed, ch.value, false)
	}
	return up, protected
}

// UpdateAppointment applies c to appointment or task id: the calendar
// columns, checked together with the common ones, are written after
// UpdateActivity has written those. A meeting carrying GroupwareLock (with
// locking on) refuses changes of its dates, zone, attendees and
// recurrence, as UpdateActivity refuses its protected fields.
func (s *Repo) UpdateAppointment(ctx context.Context, id int64, c AppointmentChanges) error {
	var a Activity
	if err := s.db.WithContext(ctx).Take(&a, id).Error; err != nil {
		return sqldb.Translate(err, fmt.Sprintf("update appointment %d", id))
	}
	if !IsCalendarType(a.Type) {
		return fmt.Errorf("update appointment %d: type %s is not an appointment or task: %w", id, a.Type, sqldb.ErrInvalid)
	}
	up, protected := c.calendarColumns(&a)
	set, err := s.settings.Settings(ctx)
	if err != nil {
		return err
	}
	if len(protected) > 0 && a.GroupwareLock && IsMeetingType(a.Type) && set.Locks(true) {
		return fmt.Errorf("update appointment %d (%s): %s: %w", id, a.Type, strings.Join(protected, ", "), sqldb.ErrGroupwareLocked)
	}
	if err := s.checkChanged(ctx, a, c, up); err != nil {
		return fmt.Errorf("update appointment %d: %v: %w", id, err, sqldb.ErrInvalid)
	}
	if err := s.UpdateActivity(ctx, id, c.ActivityChanges); err != nil {
		return err
	}
	if len(up) == 0 {
		return nil
	}
	up["updated_at"] = s.db.Now()
	err = s.db.WithContext(ctx).Model(&Activity{}).Where("id = ?", id).Updates(up).Error
	return sqldb.Translate(err, fmt.Sprintf("update appointment %d", id))
}

// checkChanged checks the appointment as it will be after the change.
func (s *Repo) checkChanged(ctx context.Context, a Activity, c AppointmentChanges, up map[string]any) error {
	if c.StartDate != nil {
		a.StartDate = *c.StartDate
	}
	if c.EndDate != nil {
		a.EndDate = *c.EndDate
	}
	if c.Type != nil {
		a.Type = *c.Type
	}
	if c.AllDay != nil {
		a.AllDay = *c.AllDay
	}
	if c.TimeZone != nil {
		a.TimeZone = *c.TimeZone
	}
	if c.Attendees != nil {
		a.Attendees = *c.Attendees
	}
	return CheckAppointment(&a)
}

// AppointmentFilter selects appointments and tasks for ListAppointments.
type AppointmentFilter struct {
	Types []string // default: BESPRECHUNG and TERMIN
	// From and To bound the window (either may be zero): an appointment
	// is in it when it starts before To and ends (or, without an end,
	// starts) at or after From; a series is in it when it starts before
	// To, whatever its end. Tasks are selected by due date, and tasks
	// without one are always in.
	From, To    time.Time
	DelegatedTo int64 // 0: any
}

// ListAppointments returns the appointments or tasks f selects, by id.
func (s *Repo) ListAppointments(ctx context.Context, f AppointmentFilter) ([]Activity, error) {
	types := f.Types
	if len(types) == 0 {
		types = []string{TypeMeeting, TypeAppointment}
	}
	q := s.db.WithContext(ctx).Model(&Activity{}).Where("acttypekey IN ?", types).Order("id")
	if f.DelegatedTo != 0 {
		q = q.Where("delegatedto = ?", f.DelegatedTo)
	}
	q = windowWhere(q, f.From, f.To)
	var as []Activity
	if err := q.Find(&as).Error; err != nil {
		return nil, sqldb.Translate(err, "list appointments")
	}
	return as, nil
}

func windowWhere(q *gorm.DB, from, to time.Time) *gorm.DB {
	if !to.IsZero() {
		q = q.Where("((acttypekey = ? AND (duedate IS NULL OR duedate < ?)) OR (acttypekey <> ? AND startdate < ?))",
			TypeTask, to.UTC(), TypeTask, to.UTC())
	}
	if !from.IsZero() {
		q = q.Where("((acttypekey = ? AND (duedate IS NULL OR duedate >= ?)) OR (acttypekey <> ? AND (recurrence <> '' OR COALESCE(enddate, startdate) >= ?)))",
			TypeTask, from.UTC(), TypeTask, from.UTC())
	}
	return q
}
