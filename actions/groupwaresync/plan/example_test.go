package plan_test

import (
	"fmt"

	"github.com/wfehq/wfe/actions/groupwaresync/plan"
)

// A rule's first run: the groupware already holds a copy of one CRM
// contact (found by e-mail, written in other case, which the master's
// version settles), the CRM has a contact the groupware lacks,
// and the groupware has one the CRM lacks, which waits for a manual
// import because the CRM is the master.
func Example() {
	table := plan.ContactTable("name", plan.FieldEmail, plan.FieldCompany)
	in := plan.Input{
		Table: table,
		CRM: plan.Listing{Complete: true, Records: []plan.Record{
			{ID: "c1", Fields: plan.Fields{"name": "Ada Lovelace", "email": "ada@example.com", "company": "ACME"}},
			{ID: "c2", Fields: plan.Fields{"name": "Bob", "email": "bob@example.com"}},
		}},
		Groupware: plan.Listing{Complete: true, Records: []plan.Record{
			{ID: "AAMk1", ETag: "ck-1", Fields: plan.Fields{"name": "Ada Lovelace", "email": "ADA@example.com"}},
			{ID: "AAMk2", ETag: "ck-2", Fields: plan.Fields{"name": "Eve", "email": "eve@example.com"}},
		}},
	}
	p, err := plan.Compute(in)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, op := range p.Operations {
		fmt.Println(op)
	}
	fmt.Print(p.Summary())
	// Output:
	// link crm c1 groupware AAMk1 [to groupware: company, email]: the same record, found by e-mail; different on the two sides: email; neither side has a modification time, so the master (crm) wins; taken from the crm: company
	// create in groupware crm c2 [to groupware: email, name]: new in the CRM
	// only in groupware groupware AAMk2: the CRM is the master: it waits for a manual import
	// to groupware: 1 new, 1 changed, 0 deleted
	// to crm: 0 new, 0 changed, 0 deleted
	// only in groupware: 1
	// conflicts: 0 (1 settled by the conflict option)
}
