package sendmail_test

import (
	"context"
	"strings"
	"testing"

	"github.com/wfehq/wfe/actions/sendmail"
	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/mailbox/mailtest"
	"github.com/wfehq/wfe/store"
)

// activities is a work space holding activity ids, as ImportResult does.
type activities struct {
	ids    []int64
	closed bool
}

var _ engine.WorkSpace = (*activities)(nil)

func (a *activities) WorkSpaceName() string       { return "test activities" }
func (a *activities) Close(context.Context) error { a.closed = true; return nil }
func (a *activities) Closed() bool                { return a.closed }
func (a *activities) ActivityIDs() []int64        { return a.ids }

const workSpaceFlow = `<?xml version="1.0" encoding="UTF-8"?>
<WorkFlowMapping WorkFlowID="SendAll" Description="send a work space" ExecutionType="100">
<InternalDescription>test</InternalDescription>
<Step No="1">
<Event Name="TimerWFEvent"><EventToContextMap/></Event>
<Actions><Action Name="MakeWorkSpace"><ContextToActionMap/></Action></Actions>
<FollowingSteps><No>2</No></FollowingSteps>
</Step>
<Step No="2">
<Event Name="MakeWorkSpace"><EventToContextMap/></Event>
<Actions>
<Action Name="SendMailAction">
<ContextToActionMap>
<ValueMapping Name="ImportResult"><Parameter Name="WorkSpace" DataType="de.cursor.jevi.server.system.WorkSpace" Value=""/></ValueMapping>
<ValueMapping Name="MailConfigMatchCode"><Parameter Name="MailConfigMatchCode" DataType="java.lang.String" Value="OUT"/></ValueMapping>
</ContextToActionMap>
</Action>
</Actions>
</Step>
</WorkFlowMapping>`

func TestSendWorkSpace(t *testing.T) {
	f := newFixture(t, mailtest.SMTPOptions{})
	a := f.activity(store.TypeMailOut, []string{customer}, nil)
	b := f.activity(store.TypeMailOut, []string{colleague}, nil)
	ws := &activities{ids: []int64{a.ID, b.ID}}
	reg := engine.NewRegistry()
	sendmail.Register(reg, f.deps)
	reg.RegisterAction(engine.ActionFunc{
		S: engine.ActionSpec{Name: "MakeWorkSpace", Outputs: []engine.Output{{Name: "ImportResult", Type: engine.TypeWorkSpace}}},
		F: func(_ context.Context, call *engine.Call) error { call.SetOutput("ImportResult", ws); return nil },
	})
	prog, err := engine.CompileBytes("all.xml", []byte(workSpaceFlow), reg)
	must(t, err)
	rec, err := prog.Run(f.ctx, engine.Event{Name: "TimerWFEvent"}, engine.RunOptions{RunAs: "anna"})
	if err != nil {
		t.Fatalf("%v\n%q", err, rec.Log)
	}
	if n := len(f.srv.Messages()); n != 2 {
		t.Fatalf("server received %d mails, want 2", n)
	}
	ga, gb := f.get(a.ID), f.get(b.ID)
	if ga.GlobalID == "" || gb.GlobalID == "" || !ga.GroupwareLock || gb.GroupwareLock {
		t.Fatalf("a: %q lock %v; b: %q lock %v", ga.GlobalID, ga.GroupwareLock, gb.GlobalID, gb.GroupwareLock)
	}
	if log := strings.Join(rec.Log, "\n"); !strings.Contains(log, ga.GlobalID) || !strings.Contains(log, gb.GlobalID) {
		t.Fatalf("run log: %q", rec.Log)
	}
}
