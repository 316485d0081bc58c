package graph_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/wfehq/wfe/groupware"
	"github.com/wfehq/wfe/groupware/graph"
	"github.com/wfehq/wfe/groupware/groupwaretest"
)

// TestGraphWriteBatches: a Write of 45 creates costs three $batch
// requests (Graph's limit of 20 parts each, the limit BatchLimit names),
// and a write that cannot be sent (a create without its CRM id) fails
// alone while the others of its batch are written.
func TestGraphWriteBatches(t *testing.T) {
	fake := newFake(t)
	var waits atomic.Int64
	c := appConnector(t, fake, "s3cret", noSleepPacer(&waits))
	src := c.Contacts()
	b, ok := src.(groupware.Batcher)
	if !ok || b.BatchLimit() != graph.MaxBatch {
		t.Fatalf("Graph's contacts do not name their batch limit %d", graph.MaxBatch)
	}
	writes := make([]groupware.Write[groupware.Contact], 45)
	for i := range writes {
		writes[i] = groupware.Write[groupware.Contact]{Op: groupware.OpCreate, CRMID: "w" + string(rune('a'+i)), Item: groupwaretest.SampleContact(i)}
	}
	writes[7].CRMID = ""
	before := fake.Requests()
	res, err := src.Write(context.Background(), groupware.Folder{Path: "Contacts", Table: groupware.TableContacts}, writes)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if (r.Err != nil) != (i == 7) {
			t.Errorf("write %d: %v; want an error for write 7 alone", i, r.Err)
		}
	}
	if got := fake.Requests() - before; got != 3 {
		t.Errorf("%d requests for 45 writes, want 3", got)
	}
	if got := fake.ContactCount(testMailbox); got != 44 {
		t.Errorf("%d contacts, want 44", got)
	}
}
