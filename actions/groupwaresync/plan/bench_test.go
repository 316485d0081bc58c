package plan

import (
	"fmt"
	"testing"
)

// benchInput is a rule with n linked contacts, a tenth changed on each
// side, and n/10 new records on each side; complete listings.
func benchInput(n int) Input {
	in := Input{Table: contacts, CRM: Listing{Complete: true}, Groupware: Listing{Complete: true}}
	for i := range n {
		c, g := fmt.Sprintf("c%06d", i), fmt.Sprintf("g%06d", i)
		f := fields("name", "Name "+c, FieldEmail, c+"@example.com", FieldCompany, "ACME", "phone", "+49 30 1234")
		in.State = append(in.State, linked(c, g, f))
		cf, gf := merged(nil, f), merged(nil, f)
		switch i % 10 {
		case 1:
			cf["phone"] = "+49 30 9999"
		case 2:
			gf["name"] = "Renamed " + g
		}
		in.CRM.Records = append(in.CRM.Records, crmRecord(c, cf))
		in.Groupware.Records = append(in.Groupware.Records, gwRecord(g, c, gf))
	}
	for i := range n / 10 {
		in.CRM.Records = append(in.CRM.Records, crmRecord(fmt.Sprintf("n%06d", i), fields("name", "New", FieldEmail, fmt.Sprintf("n%d@example.com", i))))
		in.Groupware.Records = append(in.Groupware.Records, gwRecord(fmt.Sprintf("h%06d", i), "", fields("name", "Only", FieldEmail, fmt.Sprintf("h%d@example.com", i))))
	}
	return in
}

func BenchmarkCompute10000(b *testing.B) {
	in := benchInput(10000)
	b.ReportAllocs()
	for b.Loop() {
		p, err := Compute(in)
		if err != nil {
			b.Fatal(err)
		}
		if s := p.Summary(); s.ToGroupware.New != 1000 || s.ToCRM.Changed != 1000 {
			b.Fatalf("summary %+v", s)
		}
	}
}
