package crm

import (
	"gorm.io/gorm"

	"github.com/wfehq/wfe/store/internal/sqldb"
)

// InsertActivities inserts activities with their contact and partner
// links and documents (docs[i] belongs to acts[i]) with one multi-row
// insert per table, in the transaction tx. It returns the first error;
// the caller rolls tx back to a savepoint then.
func InsertActivities(tx *gorm.DB, acts []*Activity, docs [][]*Document) error {
	if len(acts) > 0 {
		if err := tx.Omit("id").CreateInBatches(acts, sqldb.RowsPerInsert(tx, &Activity{}, sqldb.InsertChunk)).Error; err != nil {
			return err
		}
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
	if len(contacts) > 0 {
		if err := tx.CreateInBatches(contacts, sqldb.RowsPerInsert(tx, &activityContact{}, 4*sqldb.InsertChunk)).Error; err != nil {
			return err
		}
	}
	if len(partners) > 0 {
		if err := tx.CreateInBatches(partners, sqldb.RowsPerInsert(tx, &activityPartner{}, 4*sqldb.InsertChunk)).Error; err != nil {
			return err
		}
	}
	if len(allDocs) > 0 {
		return tx.Omit("id").CreateInBatches(allDocs, sqldb.RowsPerInsert(tx, &Document{}, sqldb.InsertChunk)).Error
	}
	return nil
}
