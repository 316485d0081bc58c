package graph

import (
	"net/url"
	"time"

	"github.com/wfehq/wfe/groupware"
)

// crmIDProperty is the single-value extended property that holds the CRM
// id on every contact wfe creates (a named string property in wfe's own
// property set).
const crmIDProperty = "String {5ecca12c-6cc8-4d31-842e-304c80ce57c6} Name WfeCrmId"

// expandCRMID asks Graph to return the CRM id property with a contact.
var expandCRMID = "$expand=" + url.QueryEscape("singleValueExtendedProperties($filter=id eq '"+crmIDProperty+"')")

type emailJSON struct {
	Address string `json:"address"`
	Name    string `json:"name,omitempty"`
}

type addressJSON struct {
	Street          string `json:"street"`
	City            string `json:"city"`
	State           string `json:"state"`
	PostalCode      string `json:"postalCode"`
	CountryOrRegion string `json:"countryOrRegion"`
}

type extendedJSON struct {
	ID    string `json:"id"`
	Value string `json:"value"`
}

// contactJSON is Graph's contact resource, the mapped properties only.
type contactJSON struct {
	ID              string         `json:"id,omitempty"`
	ETag            string         `json:"@odata.etag,omitempty"`
	ChangeKey       string         `json:"changeKey,omitempty"`
	Removed         *struct{}      `json:"@removed,omitempty"`
	GivenName       string         `json:"givenName"`
	MiddleName      string         `json:"middleName"`
	Surname         string         `json:"surname"`
	DisplayName     string         `json:"displayName"`
	EmailAddresses  []emailJSON    `json:"emailAddresses"`
	BusinessPhones  []string       `json:"businessPhones"`
	MobilePhone     string         `json:"mobilePhone"`
	CompanyName     string         `json:"companyName"`
	Department      string         `json:"department"`
	JobTitle        string         `json:"jobTitle"`
	BusinessAddress addressJSON    `json:"businessAddress"`
	Extended        []extendedJSON `json:"singleValueExtendedProperties,omitempty"`
	// LastModified is read only: Graph sets it, wfe never sends it.
	LastModified *time.Time `json:"lastModifiedDateTime,omitempty"`
}

func (j *contactJSON) etag() string {
	if j.ETag != "" {
		return j.ETag
	}
	if j.ChangeKey != "" {
		return `W/"` + j.ChangeKey + `"`
	}
	return ""
}

func (j *contactJSON) contact() *groupware.Contact {
	c := &groupware.Contact{
		ID: j.ID, ETag: j.etag(),
		GivenName: j.GivenName, MiddleName: j.MiddleName, Surname: j.Surname, DisplayName: j.DisplayName,
		BusinessPhones: append([]string(nil), j.BusinessPhones...), MobilePhone: j.MobilePhone,
		Company: j.CompanyName, Department: j.Department, JobTitle: j.JobTitle,
		BusinessAddress: groupware.Address{Street: j.BusinessAddress.Street, City: j.BusinessAddress.City,
			State: j.BusinessAddress.State, PostalCode: j.BusinessAddress.PostalCode, Country: j.BusinessAddress.CountryOrRegion},
	}
	for _, e := range j.EmailAddresses {
		c.Emails = append(c.Emails, e.Address)
	}
	if j.LastModified != nil {
		c.Modified = j.LastModified.UTC()
	}
	for _, p := range j.Extended {
		if p.ID == crmIDProperty {
			c.CRMID = p.Value
		}
	}
	return c
}

// toJSON is the body of a create (with the CRM id) or an update (crmID "").
func toJSON(c *groupware.Contact, crmID string) *contactJSON {
	j := &contactJSON{
		GivenName: c.GivenName, MiddleName: c.MiddleName, Surname: c.Surname, DisplayName: c.DisplayName,
		BusinessPhones: append([]string{}, c.BusinessPhones...), MobilePhone: c.MobilePhone,
		CompanyName: c.Company, Department: c.Department, JobTitle: c.JobTitle,
		BusinessAddress: addressJSON{Street: c.BusinessAddress.Street, City: c.BusinessAddress.City,
			State: c.BusinessAddress.State, PostalCode: c.BusinessAddress.PostalCode, CountryOrRegion: c.BusinessAddress.Country},
		EmailAddresses: []emailJSON{},
	}
	for _, e := range c.Emails {
		j.EmailAddresses = append(j.EmailAddresses, emailJSON{Address: e})
	}
	if crmID != "" {
		j.Extended = []extendedJSON{{ID: crmIDProperty, Value: crmID}}
	}
	return j
}
