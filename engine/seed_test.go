package engine_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/wfehq/wfe/conditions"
	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/engine/enginetest"
	"github.com/wfehq/wfe/schema"
)

// seedModel is testdata/workflows/ImportMails.xml built by hand, with the
// positions of that file.
func seedModel() *schema.WorkFlowMapping {
	return &schema.WorkFlowMapping{
		Pos: schema.Pos{Line: 3, Col: 1}, WorkFlowID: "ImportMails", Description: "Import mails", ExecutionType: "100",
		File: "ImportMails.xml",
		Steps: []*schema.Step{
			{
				Pos: schema.Pos{Line: 5, Col: 1}, NoText: "1", No: 1,
				Event: &schema.Event{Pos: schema.Pos{Line: 6, Col: 1}, Name: "TimerWFEvent"},
				Actions: []*schema.Action{{
					Pos: schema.Pos{Line: 10, Col: 1}, Name: "ImportMailsAction",
					Mappings: []*schema.ValueMapping{
						{Pos: schema.Pos{Line: 12, Col: 1}, Name: "SessionId", Parameter: &schema.Parameter{
							Pos: schema.Pos{Line: 13, Col: 1}, Name: "SessionId", DataType: "java.lang.String", HasValue: true, ValuePos: schema.Pos{Line: 13, Col: 68}}},
						{Pos: schema.Pos{Line: 15, Col: 1}, Name: "MailConfigMatchCode", Parameter: &schema.Parameter{
							Pos: schema.Pos{Line: 16, Col: 1}, Name: "MailConfigMatchCode", DataType: "java.lang.String", Value: "123", HasValue: true, ValuePos: schema.Pos{Line: 16, Col: 78}}},
					},
				}},
				FollowingSteps: []*schema.FollowingStep{{Pos: schema.Pos{Line: 22, Col: 1}, Text: "2", No: 2}},
			},
			{
				Pos: schema.Pos{Line: 25, Col: 1}, NoText: "2", No: 2,
				Event: &schema.Event{Pos: schema.Pos{Line: 26, Col: 1}, Name: "ImportMailsAction"},
				Conditions: []*schema.Condition{{
					Pos: schema.Pos{Line: 30, Col: 1}, Name: "WFConditionIsNotNull",
					Inputs: []*schema.SimpleMapping{{Pos: schema.Pos{Line: 32, Col: 1}, FromName: "ImportResult", ToName: "WFConditionNull.IN_VALUE"}},
				}},
				Actions: []*schema.Action{{
					Pos: schema.Pos{Line: 38, Col: 1}, Name: "CloseWorkSpaceAction",
					Mappings: []*schema.ValueMapping{
						{Pos: schema.Pos{Line: 40, Col: 1}, Name: "SessionId", Parameter: &schema.Parameter{
							Pos: schema.Pos{Line: 41, Col: 1}, Name: "SessionId", DataType: "java.lang.String", HasValue: true, ValuePos: schema.Pos{Line: 41, Col: 68}}},
						{Pos: schema.Pos{Line: 43, Col: 1}, Name: "ImportResult", Parameter: &schema.Parameter{
							Pos: schema.Pos{Line: 44, Col: 1}, Name: "WorkSpace", DataType: "de.cursor.jevi.server.system.WorkSpace", HasValue: true, ValuePos: schema.Pos{Line: 44, Col: 93}}},
					},
				}},
			},
		},
	}
}

// seedRegistry registers the built-in conditions and stand-ins; import is
// the stand-in ImportMailsAction's body (nil: returns an open work space)
// and close records what CloseWorkSpaceAction saw.
func seedRegistry(t testing.TB, imp func(context.Context, *engine.Call) error, seen *[]string) *engine.Registry {
	t.Helper()
	reg := engine.NewRegistry()
	conditions.Register(reg)
	reg.RegisterAction(enginetest.ImportMails(imp))
	closeWS := enginetest.CloseWorkSpace()
	reg.RegisterAction(engine.ActionFunc{S: closeWS.Spec(), F: func(ctx context.Context, call *engine.Call) error {
		if seen != nil {
			*seen = append(*seen, "session="+call.SessionID()+" param="+call.String("SessionId")+" ws="+call.String("WorkSpace"))
		}
		return closeWS.Run(ctx, call)
	}})
	return reg
}

func TestSeedWorkflowClosesWorkSpace(t *testing.T) {
	var ws *enginetest.WorkSpace
	var seenImport []string
	imp := func(ctx context.Context, call *engine.Call) error {
		seenImport = append(seenImport, call.String("SessionId"), call.String("MailConfigMatchCode"), call.String("Folder"))
		if call.Int("BatchSize") != 200 {
			t.Errorf("BatchSize = %d, want default 200", call.Int("BatchSize"))
		}
		ws = &enginetest.WorkSpace{Name: "ImportResult (3 activities)"}
		call.SetOutput("ImportResult", ws)
		return nil
	}
	var seenClose []string
	prog, err := engine.Compile(seedModel(), seedRegistry(t, imp, &seenClose))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := prog.Run(context.Background(), engine.Event{Name: "TimerWFEvent"}, engine.RunOptions{RunAs: "jdoe", Trigger: "timer:ImportMails"})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if got := strings.Join(seenImport, ","); got != "jdoe,123,INBOX" {
		t.Errorf("import saw %q, want session jdoe, literal 123, default INBOX", got)
	}
	if got := strings.Join(seenClose, ";"); got != "session=jdoe param=jdoe ws=ImportResult (3 activities)" {
		t.Errorf("close saw %q", got)
	}
	if ws == nil || ws.Closes() != 1 {
		t.Fatalf("work space closed %d times, want 1", ws.Closes())
	}
	if rec.Status != engine.StatusOK || len(rec.Steps) != 2 || rec.Steps[1].Skipped || len(rec.Warnings) != 0 {
		t.Fatalf("record: %+v", rec)
	}
	if p := rec.Steps[1].Actions[0].Params; p["WorkSpace"] != "ImportResult (3 activities)" || p["SessionId"] != "jdoe" {
		t.Errorf("close params in record: %v", p)
	}
	if p := rec.Steps[0].Actions[0].Params; p["MailConfigMatchCode"] != "123" || p["BatchSize"] != "200" {
		t.Errorf("import params in record: %v", p)
	}
}

func TestSeedWorkflowSkipsStep2WithoutWorkSpace(t *testing.T) {
	imp := func(ctx context.Context, call *engine.Call) error {
		var none *enginetest.WorkSpace // a typed nil counts as no work space
		call.SetOutput("ImportResult", none)
		return nil
	}
	var seenClose []string
	prog, err := engine.Compile(seedModel(), seedRegistry(t, imp, &seenClose))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := prog.Run(context.Background(), engine.Event{Name: "TimerWFEvent"}, engine.RunOptions{RunAs: "jdoe"})
	if err != nil {
		t.Fatal(err)
	}
	if len(seenClose) != 0 {
		t.Errorf("CloseWorkSpaceAction ran: %v", seenClose)
	}
	if len(rec.Steps) != 2 || !rec.Steps[1].Skipped || len(rec.Steps[1].Actions) != 0 {
		t.Fatalf("steps: %+v", rec.Steps)
	}
	if want := "condition WFConditionIsNotNull (line 30) does not hold"; rec.Steps[1].SkipReason != want {
		t.Errorf("skip reason %q, want %q", rec.Steps[1].SkipReason, want)
	}
	if rec.Status != engine.StatusOK {
		t.Errorf("status %q", rec.Status)
	}
}

func TestUnclosedWorkSpaceIsClosedWithWarning(t *testing.T) {
	// Step 2 is dropped: nothing closes the work space.
	doc := seedModel()
	doc.Steps = doc.Steps[:1]
	doc.Steps[0].FollowingSteps = nil
	var ws *enginetest.WorkSpace
	imp := func(ctx context.Context, call *engine.Call) error {
		ws = &enginetest.WorkSpace{Name: "ImportResult (1 activity)"}
		call.SetOutput("ImportResult", ws)
		return nil
	}
	prog, err := engine.Compile(doc, seedRegistry(t, imp, nil))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := prog.Run(context.Background(), engine.Event{Name: "TimerWFEvent"}, engine.RunOptions{RunAs: "jdoe"})
	if err != nil {
		t.Fatal(err)
	}
	if ws.Closes() != 1 {
		t.Errorf("closes = %d, want 1", ws.Closes())
	}
	if len(rec.Warnings) != 1 || !strings.Contains(rec.Warnings[0], "ImportResult (ImportResult (1 activity)) was still open at run end; the engine closed it") {
		t.Errorf("warnings: %q", rec.Warnings)
	}
}

func TestNoStartStepForEvent(t *testing.T) {
	prog, err := engine.Compile(seedModel(), seedRegistry(t, nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := prog.Run(context.Background(), engine.Event{Name: "OtherEvent"}, engine.RunOptions{RunAs: "jdoe"})
	if err != nil || rec.Status != engine.StatusSkipped || !strings.Contains(rec.Error, `"OtherEvent"`) {
		t.Fatalf("rec=%+v err=%v", rec, err)
	}
	if !prog.Listens("TimerWFEvent") || prog.Listens("ImportMailsAction") {
		t.Errorf("Listens wrong; start events %v", prog.StartEvents())
	}
}

func TestActionErrorClassKept(t *testing.T) {
	for _, tc := range []struct {
		err   error
		class engine.ErrorClass
	}{
		{engine.Retryable(errors.New("connection reset")), engine.ClassRetryable},
		{engine.Permanent(errors.New("bad credentials")), engine.ClassPermanent},
		{errors.New("nobody classified this"), engine.ClassUnclassified}, // reported as such, not taken for permanent
	} {
		imp := func(ctx context.Context, call *engine.Call) error { return tc.err }
		prog, err := engine.Compile(seedModel(), seedRegistry(t, imp, nil))
		if err != nil {
			t.Fatal(err)
		}
		rec, err := prog.Run(context.Background(), engine.Event{Name: "TimerWFEvent"}, engine.RunOptions{RunAs: "jdoe"})
		if !errors.Is(err, tc.err) || engine.ClassOf(err) != tc.class {
			t.Errorf("%v: err %v class %q, want class %q", tc.err, err, engine.ClassOf(err), tc.class)
		}
		if rec.Status != engine.StatusFailed || rec.ErrorClass != tc.class || len(rec.Steps) != 1 {
			t.Fatalf("record: %+v", rec)
		}
		ar := rec.Steps[0].Actions[0]
		if ar.Outcome != "failed" || ar.ErrorClass != tc.class || !strings.Contains(ar.Error, tc.err.Error()) {
			t.Errorf("action record: %+v", ar)
		}
		if !strings.Contains(rec.Error, "step 1 action ImportMailsAction (line 10)") {
			t.Errorf("error does not name step and action: %s", rec.Error)
		}
	}
}

func TestFollowingStepMapsEventFields(t *testing.T) {
	doc := seedModel()
	doc.Steps[1].Event.ToContext = []*schema.SimpleMapping{{Pos: schema.Pos{Line: 27, Col: 1}, FromName: "ImportResult", ToName: "FromEvent"}}
	doc.Steps[1].Conditions[0].Inputs[0].FromName = "FromEvent"
	doc.Steps[1].Actions[0].Mappings[1].Name = "FromEvent"
	var seen []string
	prog, err := engine.Compile(doc, seedRegistry(t, nil, &seen))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := prog.Run(context.Background(), engine.Event{Name: "TimerWFEvent"}, engine.RunOptions{RunAs: "jdoe", SessionID: "sess-1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 || seen[0] != "session=sess-1 param=sess-1 ws=ImportResult 123" || len(rec.Warnings) != 0 {
		t.Fatalf("seen %q warnings %q", seen, rec.Warnings)
	}
}
