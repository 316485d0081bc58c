package plan

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

var contacts = ContactTable("name", FieldEmail, FieldCompany, "phone")

var (
	t9  = time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	t10 = time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
)

// fields builds Fields from name, value pairs.
func fields(kv ...string) Fields {
	f := Fields{}
	for i := 0; i+1 < len(kv); i += 2 {
		f[kv[i]] = kv[i+1]
	}
	return f
}

func crmRecord(id string, f Fields) Record { return Record{ID: id, Fields: f} }

func gwRecord(id, crmID string, f Fields) Record {
	return Record{ID: id, CRMID: crmID, Fields: f, ETag: "etag-" + id}
}

// linked gives a state row for a pair last synced with f.
func linked(crmID, gwID string, f Fields) Link {
	return Link{CRMID: crmID, GroupwareID: gwID, Synced: HashFields(contacts, f), ETag: "etag-" + gwID}
}

func complete(rs ...Record) Listing { return Listing{Records: rs, Complete: true} }

func compute(t *testing.T, in Input) *Plan {
	t.Helper()
	if in.Table.Fields == nil {
		in.Table = contacts
	}
	p, err := Compute(in)
	if err != nil {
		t.Fatalf("Compute: %v", err)
	}
	return p
}

// single returns the plan's only operation.
func single(t *testing.T, p *Plan) Operation {
	t.Helper()
	if len(p.Operations) != 1 {
		t.Fatalf("want one operation, got %d:\n%s", len(p.Operations), describe(p))
	}
	return p.Operations[0]
}

func kinds(p *Plan) []Kind {
	out := make([]Kind, len(p.Operations))
	for i, op := range p.Operations {
		out[i] = op.Kind
	}
	return out
}

func checkFields(t *testing.T, what string, got, want Fields) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func checkReason(t *testing.T, op Operation, parts ...string) {
	t.Helper()
	for _, part := range parts {
		if !strings.Contains(op.Reason, part) {
			t.Errorf("reason %q lacks %q", op.Reason, part)
		}
	}
}
