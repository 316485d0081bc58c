package wfecmd

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/wfehq/wfe/actions/groupwaresync"
	"github.com/wfehq/wfe/store/syncstate"
)

func (c *storeCLI) mapping() mappingView {
	c.t.Helper()
	var v mappingView
	if err := json.Unmarshal([]byte(c.ok("sync", "mapping", "show", "--json")), &v); err != nil {
		c.t.Fatal(err)
	}
	return v
}

// TestSyncMapping: the default mapping is shown until one is set; a field
// Graph does not expose is refused naming it while a configuration uses
// Graph; a set mapping is what a run syncs; --default restores it.
func TestSyncMapping(t *testing.T) {
	c, fake := graphSyncCLI(t)
	if v := c.mapping(); !v.Default || !reflect.DeepEqual(v.Fields, groupwaresync.DefaultMapping()) {
		t.Fatalf("before set: %+v", v)
	}
	c.fails(2, "field business_fax: Microsoft Graph exposes no business fax on contacts", "sync", "mapping", "set", "surname=last_name", "business_fax=fax")
	c.fails(2, `unknown CRM field "shoe_size"`, "sync", "mapping", "set", "surname=shoe_size")
	c.fails(2, "want GROUPWARE_FIELD=CRM_FIELD", "sync", "mapping", "set", "surname")
	if v := c.mapping(); !v.Default {
		t.Fatalf("a refused set changed the mapping: %+v", v)
	}

	c.ok("sync", "mapping", "set", "given_name=first_name", "surname=last_name", "email=email")
	want := []syncstate.FieldPair{{Groupware: "email", CRM: "email"}, {Groupware: "given_name", CRM: "first_name"}, {Groupware: "surname", CRM: "last_name"}}
	if v := c.mapping(); v.Default || !reflect.DeepEqual(v.Fields, want) {
		t.Fatalf("after set: %+v", v)
	}
	c.ok("sync", "rule", "add", "customers")
	c.syncReport("sync", "run", "customers")
	if gw := graphContacts(t, fake)["1"]; gw.Surname != "Berg" || gw.Company != "" || gw.DisplayName != "" {
		t.Fatalf("a field outside the mapping was synced: %+v", gw)
	}
	c.ok("sync", "mapping", "set", "--default")
	if v := c.mapping(); !v.Default {
		t.Fatalf("after --default: %+v", v)
	}
}
