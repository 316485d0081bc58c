package wfecmd

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/wfehq/wfe/actions/groupwaresync"
)

// syncWorkflow runs the rule customers for anna from a workflow.
const syncWorkflow = `<?xml version="1.0" encoding="UTF-8"?>
<WorkFlowMapping WorkFlowID="SyncCustomers" Description="Sync the customers" ExecutionType="100">
<Step No="1">
<Event Name="TimerWFEvent"><EventToContextMap/></Event>
<Actions>
<Action Name="SyncGroupwareAction">
<ContextToActionMap>
<ValueMapping Name="RuleName"><Parameter Name="RuleName" DataType="java.lang.String" Value="customers"/></ValueMapping>
<ValueMapping Name="Employee"><Parameter Name="Employee" DataType="java.lang.String" Value="anna"/></ValueMapping>
</ContextToActionMap>
</Action>
</Actions>
</Step>
</WorkFlowMapping>
`

// TestSyncBuiltinTimer: the built-in timer groupware-sync is listed every
// 10 minutes, its period can be changed, it cannot be removed, and a run
// of it syncs every active rule as CRM_SERVICE with one run record
// holding the rules' counts.
func TestSyncBuiltinTimer(t *testing.T) {
	c, fake := graphSyncCLI(t)
	v, ok := c.timers()[builtinGroupwareSync]
	if !ok || v.Type != "GROUPWARE_SYNC" || v.Every != "10m0s" || !v.Active {
		t.Fatalf("timer list: %+v", c.timers())
	}
	c.ok("sync", "timer", "--every", "5m")
	if v := c.timers()[builtinGroupwareSync]; v.Every != "5m0s" {
		t.Fatalf("after sync timer --every 5m: %+v", v)
	}
	c.fails(1, "built in and cannot be removed", "timer", "remove", builtinGroupwareSync)

	c.ok("sync", "rule", "add", "customers")
	var run runView
	if err := json.Unmarshal([]byte(c.ok("timer", "run", builtinGroupwareSync, "--json")), &run); err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Rules []groupwaresync.Report `json:"rules"`
	}
	if err := json.Unmarshal(run.Record, &rec); err != nil {
		t.Fatal(err)
	}
	if run.RunAs != groupwaresync.ServiceUser || run.Status != "succeeded" || len(rec.Rules) != 1 ||
		rec.Rules[0].Employees[0].ToGroupware.New != 2 || fake.ContactCount("anna@example.com") != 2 {
		t.Fatalf("timer run: %+v, record %+v, %d contacts in the mailbox", run, rec, fake.ContactCount("anna@example.com"))
	}
}

// TestSyncGroupwareAction: a workflow's SyncGroupwareAction runs the rule
// for the employee named, and its dry run only previews.
func TestSyncGroupwareAction(t *testing.T) {
	c, fake := graphSyncCLI(t)
	c.ok("sync", "rule", "add", "customers")
	c.importWorkflow(syncWorkflow, true)
	if out := c.ok("run", "SyncCustomers", "--as", "anna", "--dry-run"); !strings.Contains(out, "to groupware 2 new") || fake.ContactCount("anna@example.com") != 0 {
		t.Fatalf("dry run wrote %d contacts:\n%s", fake.ContactCount("anna@example.com"), out)
	}
	out := c.ok("run", "SyncCustomers", "--as", "anna")
	if !strings.Contains(out, "anna: to groupware 2 new") || fake.ContactCount("anna@example.com") != 2 {
		t.Fatalf("run: %d contacts in the mailbox\n%s", fake.ContactCount("anna@example.com"), out)
	}
}
