package crm

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/wfehq/wfe/store/blobs"
	"github.com/wfehq/wfe/store/internal/sqldb"
)

// Activity type and status keys of the CRM documentation.
const (
	TypeMailOut     = "MAILAUS"      // outgoing mail
	TypeMailIn      = "EMAILEINGANG" // incoming mail
	TypeMeeting     = "BESPRECHUNG"
	TypeAppointment = "TERMIN"

	StatusDone = "E"
	StatusOpen = "O"
)

// IsMeetingType reports whether an activity type is a meeting (its
// GroupwareLock protects the meeting field set).
func IsMeetingType(t string) bool { return t == TypeMeeting || t == TypeAppointment }

// Activity is a CRM activity (column names of docs/REQUIREMENTS.md section I in the column tags).
type Activity struct {
	ID             int64            `gorm:"primaryKey" json:"id"`
	Type           string           `gorm:"column:acttypekey" json:"type"`
	Status         string           `gorm:"column:actstatuskey" json:"status"`
	Subject        string           `json:"subject"`
	Text           string           `json:"text"`
	HTML           string           `gorm:"column:html" json:"html,omitempty"`
	Sender         string           `json:"sender"`
	To             sqldb.StringList `gorm:"column:recipients_to;type:text" json:"to"`
	Cc             sqldb.StringList `gorm:"column:recipients_cc;type:text" json:"cc"`
	StartDate      *time.Time       `gorm:"column:startdate" json:"start_date,omitempty"`
	EndDate        *time.Time       `gorm:"column:enddate" json:"end_date,omitempty"`
	RemindDate     *time.Time       `gorm:"column:reminddate" json:"remind_date,omitempty"`
	Location       string           `json:"location"`
	Priority       int              `json:"priority"`
	GlobalID       string           `gorm:"column:globalid" json:"message_id"` // Message-ID of a mail
	DelegatedTo    *int64           `gorm:"column:delegatedto" json:"delegated_to_id,omitempty"`
	DelegatedBy    *int64           `gorm:"column:delegatedby" json:"delegated_by_id,omitempty"`
	CreatedBy      *int64           `gorm:"column:created_by" json:"created_by_id,omitempty"`
	ImportFolder   string           `gorm:"column:importordner" json:"import_folder"`
	GroupwareLock  bool             `gorm:"column:groupwarelock" json:"groupware_lock"`
	Project        string           `json:"project"`
	Campaign       string           `json:"campaign"`
	TicketID       *int64           `json:"ticket_id,omitempty"`
	MailConfigID   *int64           `json:"mail_config_id,omitempty"`
	CalendarFields                  // appointments and tasks (appointments.go)
	// Unassigned: no contact could be matched.
	Unassigned bool `json:"unassigned"`
	// MatchExplanation says, line by line, why the activity is linked to
	// its contacts and partners.
	MatchExplanation sqldb.StringList `gorm:"type:text" json:"match_explanation"`
	CreatedAt        time.Time        `json:"created_at"`
	UpdatedAt        time.Time        `json:"updated_at"`

	// Links (join tables); set them before CreateActivity, filled by
	// GetActivity.
	ContactIDs []int64 `gorm:"-" json:"contact_ids"`
	PartnerIDs []int64 `gorm:"-" json:"partner_ids"`
}

// TableName implements gorm's tabler.
func (Activity) TableName() string { return "activity" }

// Document is a file attached to an activity; its content is a blob.
type Document struct {
	ID          int64     `gorm:"primaryKey" json:"id"`
	ActivityID  int64     `json:"activity_id"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `gorm:"column:sha256" json:"sha256"`
	BlobKey     string    `json:"blob_key"`
	CreatedAt   time.Time `json:"created_at"`
}

// TableName implements gorm's tabler.
func (Document) TableName() string { return "document" }

type activityContact struct {
	ActivityID int64 `gorm:"primaryKey"`
	ContactID  int64 `gorm:"primaryKey"`
}

func (activityContact) TableName() string { return "activity_contact" }

type activityPartner struct {
	ActivityID int64 `gorm:"primaryKey"`
	PartnerID  int64 `gorm:"primaryKey"`
}

func (activityPartner) TableName() string { return "activity_partner" }

// ActivityDetail is an activity with its linked contacts, partners and
// documents.
type ActivityDetail struct {
	Activity
	Contacts  []ContactMatch `json:"contacts"`
	Documents []Document     `json:"documents"`
}

// CreateActivity inserts a with its contact/partner links and documents
// (whose blobs must already be stored with PutBlob) in one transaction.
func (s *Repo) CreateActivity(ctx context.Context, a *Activity, docs ...*Document) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return InsertActivity(tx, a, docs)
	})
}

// InsertActivity inserts a with its links and documents in the
// transaction tx (CreateActivity, and the import ledger's commit).
func InsertActivity(tx *gorm.DB, a *Activity, docs []*Document) error {
	if a.Type == "" {
		return fmt.Errorf("create activity: empty type: %w", sqldb.ErrInvalid)
	}
	what := fmt.Sprintf("create activity %q", a.Subject)
	if err := tx.Omit("id").Create(a).Error; err != nil {
		return sqldb.Translate(err, what)
	}
	if err := linkActivity(tx, a.ID, a.ContactIDs, a.PartnerIDs); err != nil {
		return sqldb.Translate(err, what)
	}
	for _, d := range docs {
		d.ID = 0
		d.ActivityID = a.ID
		if d.BlobKey == "" {
			d.BlobKey = d.SHA256
		}
		if !blobs.ValidSHA(d.SHA256) {
			return fmt.Errorf("%s: document %q: SHA-256 %q: %w", what, d.Name, d.SHA256, sqldb.ErrInvalid)
		}
	}
	if len(docs) > 0 {
		if err := tx.Omit("id").Create(docs).Error; err != nil {
			return sqldb.Translate(err, what+": documents")
		}
	}
	return nil
}

func linkActivity(tx *gorm.DB, id int64, contacts, partners []int64) error {
	if cs := dedupe(contacts); len(cs) > 0 {
		rows := make([]activityContact, len(cs))
		for i, c := range cs {
			rows[i] = activityContact{ActivityID: id, ContactID: c}
		}
		if err := tx.Create(&rows).Error; err != nil {
			return fmt.Errorf("link contacts %v: %w", cs, err)
		}
	}
	if ps := dedupe(partners); len(ps) > 0 {
		rows := make([]activityPartner, len(ps))
		for i, p := range ps {
			rows[i] = activityPartner{ActivityID: id, PartnerID: p}
		}
		if err := tx.Create(&rows).Error; err != nil {
			return fmt.Errorf("link partners %v: %w", ps, err)
		}
	}
	return nil
}

func dedupe(ids []int64) []int64 {
	seen := map[int64]bool{}
	var out []int64
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// GetActivity loads an activity with its links and documents.
func (s *Repo) GetActivity(ctx context.Context, id int64) (*ActivityDetail, error) {
	db := s.db.WithContext(ctx)
	var d ActivityDetail
	if err := db.Take(&d.Activity, id).Error; err != nil {
		return nil, sqldb.Translate(err, fmt.Sprintf("activity %d", id))
	}
	if err := s.loadLinks(ctx, []*Activity{&d.Activity}); err != nil {
		return nil, err
	}
	var cs []Contact
	if len(d.ContactIDs) > 0 {
		if err := db.Where("id IN ?", d.ContactIDs).Order("id").Find(&cs).Error; err != nil {
			return nil, sqldb.Translate(err, fmt.Sprintf("activity %d contacts", id))
		}
	}
	var err error
	if d.Contacts, err = s.withPartners(ctx, cs); err != nil {
		return nil, err
	}
	if err := db.Where("activity_id = ?", id).Order("id").Find(&d.Documents).Error; err != nil {
		return nil, sqldb.Translate(err, fmt.Sprintf("activity %d documents", id))
	}
	return &d, nil
}

func (s *Repo) loadLinks(ctx context.Context, as []*Activity) error {
	if len(as) == 0 {
		return nil
	}
	ids := make([]int64, len(as))
	byID := map[int64]*Activity{}
	for i, a := range as {
		ids[i] = a.ID
		byID[a.ID] = a
		a.ContactIDs, a.PartnerIDs = nil, nil
	}
	db := s.db.WithContext(ctx)
	var acs []activityContact
	if err := db.Where("activity_id IN ?", ids).Order("contact_id").Find(&acs).Error; err != nil {
		return sqldb.Translate(err, "activity contacts")
	}
	for _, l := range acs {
		byID[l.ActivityID].ContactIDs = append(byID[l.ActivityID].ContactIDs, l.ContactID)
	}
	var aps []activityPartner
	if err := db.Where("activity_id IN ?", ids).Order("partner_id").Find(&aps).Error; err != nil {
		return sqldb.Translate(err, "activity partners")
	}
	for _, l := range aps {
		byID[l.ActivityID].PartnerIDs = append(byID[l.ActivityID].PartnerIDs, l.PartnerID)
	}
	return nil
}

// ActivityFilter selects activities for ListActivities.
type ActivityFilter struct {
	Type         string
	Status       string
	GlobalID     string // Message-ID
	ImportFolder string // compared case-insensitively
	MailConfigID int64
	DelegatedTo  int64
	Limit        int // 0 = no limit
}

// ActivitySummary is one line of an activity listing.
type ActivitySummary struct {
	Activity
	ContactEmails []string `json:"contacts"`
	DocumentCount int      `json:"documents"`
}

// ListActivities returns activities by id with their contact addresses and
// document counts.
func (s *Repo) ListActivities(ctx context.Context, f ActivityFilter) ([]ActivitySummary, error) {
	q := s.db.WithContext(ctx).Model(&Activity{}).Order("id")
	if f.Type != "" {
		q = q.Where("acttypekey = ?", f.Type)
	}
	if f.Status != "" {
		q = q.Where("actstatuskey = ?", f.Status)
	}
	if f.GlobalID != "" {
		q = q.Where("globalid = ?", f.GlobalID)
	}
	if f.ImportFolder != "" {
		q = q.Where("lower(importordner) = ?", strings.ToLower(f.ImportFolder))
	}
	if f.MailConfigID != 0 {
		q = q.Where("mail_config_id = ?", f.MailConfigID)
	}
	if f.DelegatedTo != 0 {
		q = q.Where("delegatedto = ?", f.DelegatedTo)
	}
	if f.Limit > 0 {
		q = q.Limit(f.Limit)
	}
	var as []Activity
	if err := q.Find(&as).Error; err != nil {
		return nil, sqldb.Translate(err, "list activities")
	}
	ptrs := make([]*Activity, len(as))
	ids := make([]int64, len(as))
	for i := range as {
		ptrs[i] = &as[i]
		ids[i] = as[i].ID
	}
	if err := s.loadLinks(ctx, ptrs); err != nil {
		return nil, err
	}
	db := s.db.WithContext(ctx)
	emails := map[int64][]string{}
	counts := map[int64]int{}
	if len(ids) > 0 {
		var rows []struct {
			ActivityID int64
			Email      string
		}
		err := db.Table("activity_contact").Select("activity_contact.activity_id, contact.email").
			Joins("JOIN contact ON contact.id = activity_contact.contact_id").
			Where("activity_contact.activity_id IN ?", ids).Order("contact.id").Scan(&rows).Error
		if err != nil {
			return nil, sqldb.Translate(err, "list activities: contacts")
		}
		for _, r := range rows {
			emails[r.ActivityID] = append(emails[r.ActivityID], r.Email)
		}
		var cnt []struct {
			ActivityID int64
			N          int
		}
		err = db.Table("document").Select("activity_id, count(*) AS n").
			Where("activity_id IN ?", ids).Group("activity_id").Scan(&cnt).Error
		if err != nil {
			return nil, sqldb.Translate(err, "list activities: documents")
		}
		for _, c := range cnt {
			counts[c.ActivityID] = c.N
		}
	}
	out := make([]ActivitySummary, len(as))
	for i, a := range as {
		out[i] = ActivitySummary{Activity: a, ContactEmails: emails[a.ID], DocumentCount: counts[a.ID]}
		if out[i].ContactEmails == nil {
			out[i].ContactEmails = []string{}
		}
	}
	return out, nil
}

// ActivityChanges lists the fields to change; nil means unchanged. For the
// optional date and employee fields, a pointer to nil clears the value.
type ActivityChanges struct {
	Subject     *string
	Text        *string
	HTML        *string
	Sender      *string
	Location    *string
	Type        *string
	Status      *string
	GlobalID    *string
	Priority    *int
	StartDate   **time.Time
	EndDate     **time.Time
	RemindDate  **time.Time
	DelegatedTo **int64
	DelegatedBy **int64
	// Not protected by GroupwareLock:
	Project       *string
	Campaign      *string
	ImportFolder  *string
	TicketID      **int64
	Unassigned    *bool
	GroupwareLock *bool
	ContactIDs    *[]int64 // replaces the contact links
	PartnerIDs    *[]int64 // replaces the partner links
}

// Locked field names (docs/REQUIREMENTS.md R26).
var (
	mailLockedFields    = []string{"STARTDATE", "ENDDATE", "SENDER", "LOCATION", "TEXT", "ACTTYPEKEY", "PRIORITY"}
	meetingLockedFields = []string{"SUBJECT", "STARTDATE", "ENDDATE", "REMINDDATE", "SENDER", "LOCATION", "TEXT",
		"ACTTYPEKEY", "GLOBALID", "PRIORITY", "ACTSTATUSKEY", "DELEGATEDTO", "DELEGATEDBY"}
)

// LockedFields returns the fields GroupwareLock protects for an activity
// type: the meeting set for BESPRECHUNG/TERMIN, the mail set otherwise.
func LockedFields(activityType string) []string {
	if IsMeetingType(activityType) {
		return append([]string(nil), meetingLockedFields...)
	}
	return append([]string(nil), mailLockedFields...)
}

type fieldChange struct {
	name    string // column name in docs/REQUIREMENTS.md section I
	column  string
	changed bool
	value   any
}

func strChange(name, column string, p *string, cur string) fieldChange {
	if p == nil {
		return fieldChange{name: name, column: column}
	}
	return fieldChange{name: name, column: column, changed: *p != cur, value: *p}
}

func timeChange(name, column string, p **time.Time, cur *time.Time) fieldChange {
	if p == nil {
		return fieldChange{name: name, column: column}
	}
	nv := *p
	same := (nv == nil && cur == nil) || (nv != nil && cur != nil && nv.Equal(*cur))
	var v any
	if nv != nil {
		v = nv.UTC()
	}
	return fieldChange{name: name, column: column, changed: !same, value: v}
}

func idChange(name, column string, p **int64, cur *int64) fieldChange {
	if p == nil {
		return fieldChange{name: name, column: column}
	}
	nv := *p
	same := (nv == nil && cur == nil) || (nv != nil && cur != nil && *nv == *cur)
	var v any
	if nv != nil {
		v = *nv
	}
	return fieldChange{name: name, column: column, changed: !same, value: v}
}

func (c ActivityChanges) fields(a *Activity) []fieldChange {
	fs := []fieldChange{
		strChange("SUBJECT", "subject", c.Subject, a.Subject),
		strChange("TEXT", "text", c.Text, a.Text),
		strChange("TEXT", "html", c.HTML, a.HTML),
		strChange("SENDER", "sender", c.Sender, a.Sender),
		strChange("LOCATION", "location", c.Location, a.Location),
		strChange("ACTTYPEKEY", "acttypekey", c.Type, a.Type),
		strChange("ACTSTATUSKEY", "actstatuskey", c.Status, a.Status),
		strChange("GLOBALID", "globalid", c.GlobalID, a.GlobalID),
		timeChange("STARTDATE", "startdate", c.StartDate, a.StartDate),
		timeChange("ENDDATE", "enddate", c.EndDate, a.EndDate),
		timeChange("REMINDDATE", "reminddate", c.RemindDate, a.RemindDate),
		idChange("DELEGATEDTO", "delegatedto", c.DelegatedTo, a.DelegatedTo),
		idChange("DELEGATEDBY", "delegatedby", c.DelegatedBy, a.DelegatedBy),
		strChange("PROJECT", "project", c.Project, a.Project),
		strChange("CAMPAIGN", "campaign", c.Campaign, a.Campaign),
		strChange("IMPORTORDNER", "importordner", c.ImportFolder, a.ImportFolder),
		idChange("TICKET", "ticket_id", c.TicketID, a.TicketID),
	}
	if c.Priority != nil {
		fs = append(fs, fieldChange{name: "PRIORITY", column: "priority", changed: *c.Priority != a.Priority, value: *c.Priority})
	}
	if c.Unassigned != nil {
		fs = append(fs, fieldChange{name: "UNASSIGNED", column: "unassigned", changed: *c.Unassigned != a.Unassigned, value: *c.Unassigned})
	}
	if c.GroupwareLock != nil {
		fs = append(fs, fieldChange{name: "GROUPWARELOCK", column: "groupwarelock", changed: *c.GroupwareLock != a.GroupwareLock, value: *c.GroupwareLock})
	}
	return fs
}

// UpdateActivity applies changes to activity id. When the activity carries
// GroupwareLock and locking is on for its kind (settings lock_mail,
// lock_meeting_request), changing a protected field fails with
// ErrGroupwareLocked naming the fields, and nothing is changed. Setting a
// field to its current value is not a change.
func (s *Repo) UpdateActivity(ctx context.Context, id int64, c ActivityChanges) error {
	set, err := s.settings.Settings(ctx)
	if err != nil {
		return err
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var a Activity
		if err := tx.Take(&a, id).Error; err != nil {
			return sqldb.Translate(err, fmt.Sprintf("update activity %d", id))
		}
		fs := c.fields(&a)
		if a.GroupwareLock && set.Locks(IsMeetingType(a.Type)) {
			// the lock follows the type the activity has now
			protected := map[string]bool{}
			for _, f := range LockedFields(a.Type) {
				protected[f] = true
			}
			var hit []string
			for _, f := range fs {
				if f.changed && protected[f.name] && !slices.Contains(hit, f.name) {
					hit = append(hit, f.name)
				}
			}
			if len(hit) > 0 {
				sort.Strings(hit)
				return fmt.Errorf("update activity %d (%s): %s: %w", id, a.Type, strings.Join(hit, ", "), sqldb.ErrGroupwareLocked)
			}
		}
		up := map[string]any{}
		for _, f := range fs {
			if f.changed {
				up[f.column] = f.value
			}
		}
		if len(up) > 0 {
			up["updated_at"] = s.db.Now()
			if err := tx.Model(&Activity{}).Where("id = ?", id).Updates(up).Error; err != nil {
				return sqldb.Translate(err, fmt.Sprintf("update activity %d", id))
			}
		}
		if c.ContactIDs != nil {
			if err := tx.Where("activity_id = ?", id).Delete(&activityContact{}).Error; err != nil {
				return sqldb.Translate(err, fmt.Sprintf("update activity %d contacts", id))
			}
			if err := linkActivity(tx, id, *c.ContactIDs, nil); err != nil {
				return sqldb.Translate(err, fmt.Sprintf("update activity %d", id))
			}
		}
		if c.PartnerIDs != nil {
			if err := tx.Where("activity_id = ?", id).Delete(&activityPartner{}).Error; err != nil {
				return sqldb.Translate(err, fmt.Sprintf("update activity %d partners", id))
			}
			if err := linkActivity(tx, id, nil, *c.PartnerIDs); err != nil {
				return sqldb.Translate(err, fmt.Sprintf("update activity %d", id))
			}
		}
		return nil
	})
}

// CopyActivity copies an activity with its links and documents (sharing
// the blobs); the copy carries no GroupwareLock (docs/REQUIREMENTS.md R25).
func (s *Repo) CopyActivity(ctx context.Context, id int64) (*Activity, error) {
	src, err := s.GetActivity(ctx, id)
	if err != nil {
		return nil, err
	}
	cp := src.Activity
	cp.ID = 0
	cp.GroupwareLock = false
	cp.CreatedAt, cp.UpdatedAt = time.Time{}, time.Time{}
	docs := make([]*Document, len(src.Documents))
	for i := range src.Documents {
		d := src.Documents[i]
		d.CreatedAt = time.Time{}
		docs[i] = &d
	}
	if err := s.CreateActivity(ctx, &cp, docs...); err != nil {
		return nil, fmt.Errorf("copy activity %d: %w", id, err)
	}
	return &cp, nil
}

// AddDocument attaches a document (blob already stored) to an activity.
func (s *Repo) AddDocument(ctx context.Context, d *Document) error {
	if !blobs.ValidSHA(d.SHA256) {
		return fmt.Errorf("add document %q: SHA-256 %q: %w", d.Name, d.SHA256, sqldb.ErrInvalid)
	}
	if d.BlobKey == "" {
		d.BlobKey = d.SHA256
	}
	err := s.db.WithContext(ctx).Create(d).Error
	return sqldb.Translate(err, fmt.Sprintf("add document %q to activity %d", d.Name, d.ActivityID))
}
