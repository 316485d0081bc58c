package crm

import (
	"gorm.io/gorm"

	"github.com/wfehq/wfe/store/internal/sqldb"
)

// InsertActivities inserts activities with their contact and partner
// links and documents (docs[i] belongs to acts[i]) with one insert per
// table (sqldb.InsertRows), in the transaction tx. It returns the first error;
// the caller rolls tx back to a savepoint then.
func InsertActivities(tx *gorm.DB, acts []*Activity, docs [][]*Document) error {
	if _, err := sqldb.InsertRows(tx, acts, false); err != nil {
		return err
	}
	var contacts []activityContact
	var partners []activityPartner
	var allDocs []*Document
	for i, a := range acts {
		for _, c := range dedupe(a.ContactIDs) {
			contacts = append(contacts, activityContact{ActivityID: a.ID, ContactID: c})
		}
		for _, p := range dedupe(a.PartnerIDs) {
			partners = append(partners, activityPartner{ActivityID: a.ID, PartnerID: p})
		}
		for _, d := range docs[i] {
			d.ID = 0
			d.ActivityID = a.ID
			if d.BlobKey == "" {
				d.BlobKey = d.SHA256
			}
		}
		allDocs = append(allDocs, docs[i]...)
	}
	if _, err := sqldb.InsertRows(tx, contacts, false); err != nil {
		return err
	}
	if _, err := sqldb.InsertRows(tx, partners, false); err != nil {
		return err
	}
	_, err := sqldb.InsertRows(tx, allDocs, false)
	return err
}
