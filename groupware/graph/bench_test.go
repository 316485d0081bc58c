package graph_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/wfehq/wfe/groupware"
	"github.com/wfehq/wfe/groupware/groupwaretest"
)

// BenchmarkGraphFullListing10k: the initial delta of a folder with 10,000
// contacts against the in-process fake (pages of 1,000), and the $batch
// writes that fill it.
func BenchmarkGraphFullListing10k(b *testing.B) {
	fake := groupwaretest.NewGraphFake(b)
	fake.AddApp("app", "s3cret")
	fake.AddMailbox(testMailbox)
	fake.SetPageSize(1000)
	var waits atomic.Int64
	c := appConnector(b, fake, "s3cret", noSleepPacer(&waits))
	root := groupware.Folder{Path: "Contacts", Table: groupware.TableContacts}
	writes := make([]groupware.Write[groupware.Contact], 10000)
	for i := range writes {
		writes[i] = groupware.Write[groupware.Contact]{Op: groupware.OpCreate, CRMID: fmt.Sprint(i), Item: groupwaretest.SampleContact(i)}
	}
	before := fake.Requests()
	if _, err := c.Contacts().Write(context.Background(), root, writes); err != nil {
		b.Fatal(err)
	}
	b.Logf("10,000 creates took %d $batch requests", fake.Requests()-before)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		set, err := c.Contacts().Changes(context.Background(), root, "")
		if err != nil || len(set.Changed) != 10000 {
			b.Fatalf("%d changed, %v", len(set.Changed), err)
		}
	}
	b.ReportMetric(float64(b.N*10000)/b.Elapsed().Seconds(), "contacts/s")
}
