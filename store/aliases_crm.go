package store

import "github.com/wfehq/wfe/store/crm"

// CRM entities (store/crm).
type (
	Employee            = crm.Employee
	BusinessPartner     = crm.BusinessPartner
	Contact             = crm.Contact
	Ticket              = crm.Ticket
	ContactMatch        = crm.ContactMatch
	Activity            = crm.Activity
	Document            = crm.Document
	ActivityDetail      = crm.ActivityDetail
	ActivityFilter      = crm.ActivityFilter
	ActivitySummary     = crm.ActivitySummary
	ActivityChanges     = crm.ActivityChanges
	AppointmentChanges  = crm.AppointmentChanges
	CalendarFields      = crm.CalendarFields
	AppointmentFilter   = crm.AppointmentFilter
	Attendee            = crm.Attendee
	AttendeeList        = crm.AttendeeList
	MailConfig          = crm.MailConfig
	Credentials         = crm.Credentials
	RejectedRow         = crm.RejectedRow
	ContactImportResult = crm.ContactImportResult
	ExtendedSearch      = crm.ExtendedSearch
	ContactEnv          = crm.ContactEnv
	PartnerEnv          = crm.PartnerEnv
	ContactMatcher      = crm.ContactMatcher
)

// Activity types and states, mail configuration defaults, the search
// entity (store/crm).
const (
	TypeMailOut         = crm.TypeMailOut
	TypeMailIn          = crm.TypeMailIn
	TypeMeeting         = crm.TypeMeeting
	TypeAppointment     = crm.TypeAppointment
	TypeTask            = crm.TypeTask
	StatusDone          = crm.StatusDone
	StatusOpen          = crm.StatusOpen
	DefaultImportFolder = crm.DefaultImportFolder
	DefaultErrorFolder  = crm.DefaultErrorFolder
	SearchEntityContact = crm.SearchEntityContact
)

// ContactCSVColumns are the columns of a contacts CSV file.
var ContactCSVColumns = crm.ContactCSVColumns

// IsMeetingType reports whether an activity type is a meeting.
func IsMeetingType(t string) bool { return crm.IsMeetingType(t) }

// LockedFields lists the fields GroupwareLock protects for an activity type.
func LockedFields(activityType string) []string { return crm.LockedFields(activityType) }

// EffectiveCredentials are the credentials an import logs in with.
func EffectiveCredentials(cfg *MailConfig, emp *Employee) Credentials {
	return crm.EffectiveCredentials(cfg, emp)
}

// CompileContactSearch compiles an ExtendedSearch expression over a contact.
func CompileContactSearch(src string) (*ContactMatcher, error) { return crm.CompileContactSearch(src) }
