package plan

// Canonical field names the planner's ready-made match keys and tables
// use; connectors give records with these names.
const (
	FieldEmail   = "email"
	FieldCompany = "company"
	FieldUID     = "uid"
	FieldSubject = "subject"
	FieldStart   = "start"
)

// ByCRMID matches the CRM id wfe stored on a groupware item.
var ByCRMID = MatchKey{Name: "crm id", ByCRMID: true}

// ContactKeys match contacts by the stored CRM id, then by e-mail address.
func ContactKeys() []MatchKey {
	return []MatchKey{ByCRMID, {Name: "e-mail", Fields: []string{FieldEmail}}}
}

// AppointmentKeys match appointments by the stored CRM id, the iCalendar
// UID, then subject and start together.
func AppointmentKeys() []MatchKey {
	return []MatchKey{
		ByCRMID,
		{Name: "uid", Fields: []string{FieldUID}},
		{Name: "subject and start", Fields: []string{FieldSubject, FieldStart}},
	}
}

// ContactTable is the contacts table over the mapped fields: matched by
// ContactKeys, created in the CRM under the partner named by its company.
func ContactTable(fields ...string) Table {
	return Table{Name: "contacts", Fields: fields, MatchKeys: ContactKeys(), PartnerField: FieldCompany}
}
