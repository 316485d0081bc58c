package groupware

import "time"

// Contact holds the fields of the default contact mapping. A connector
// fills what its protocol has; fields wfe does not map stay on the server
// and are kept when wfe updates the record.
type Contact struct {
	ID    string // connector's id: Graph id or DAV resource path
	ETag  string // DAV ETag or Graph changeKey
	CRMID string // the CRM id stored with the record ("" if none)

	GivenName   string
	MiddleName  string
	Surname     string
	DisplayName string

	Emails         []string // in the server's order
	BusinessPhones []string
	MobilePhone    string

	Company         string
	Department      string
	JobTitle        string
	BusinessAddress Address

	// Modified is when the record was last changed as the server says
	// (vCard REV, Graph lastModifiedDateTime); zero when it does not say.
	// It only settles a conflict under the "newest" option: a newer time
	// alone never makes a record count as changed.
	Modified time.Time

	// Unmapped is what the connector keeps of the record beyond the
	// mapped fields, opaque to the caller: on CardDAV the card's other
	// properties as vCard lines (PHOTO and other values larger than
	// dav.MaxKeptValue are left out here and kept on the server); nil on
	// Graph, which keeps unmapped properties itself.
	Unmapped []byte
}

// Address is a postal address.
type Address struct {
	Street     string
	City       string
	State      string
	PostalCode string
	Country    string
}

// IsZero reports whether no part of the address is set.
func (a Address) IsZero() bool { return a == Address{} }
