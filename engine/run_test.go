package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/engine/enginetest"
	"github.com/wfehq/wfe/schema"
)

// wf builds a workflow document from step bodies; each step is
// "No|Event|inner XML|following,steps".
func wf(id string, steps ...string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<WorkFlowMapping WorkFlowID=%q Description=\"test\" ExecutionType=\"100\">\n<InternalDescription>test</InternalDescription>\n", id)
	for _, s := range steps {
		f := strings.SplitN(s, "|", 4)
		fmt.Fprintf(&b, "<Step No=%q>\n<Event Name=%q>\n<EventToContextMap/>\n</Event>\n%s\n", f[0], f[1], f[2])
		if len(f) > 3 && f[3] != "" {
			b.WriteString("<FollowingSteps>\n")
			for _, n := range strings.Split(f[3], ",") {
				fmt.Fprintf(&b, "<No>%s</No>\n", n)
			}
			b.WriteString("</FollowingSteps>\n")
		}
		b.WriteString("</Step>\n")
	}
	b.WriteString("</WorkFlowMapping>\n")
	return []byte(b.String())
}

// logActions is an <Actions> element with one LogAction per message.
func logActions(msgs ...string) string {
	var b strings.Builder
	b.WriteString("<Actions>\n")
	for _, m := range msgs {
		fmt.Fprintf(&b, "<Action Name=\"LogAction\">\n<ContextToActionMap>\n<ValueMapping Name=\"Message\">\n<Parameter Name=\"Message\" DataType=\"java.lang.String\" Value=%q/>\n</ValueMapping>\n</ContextToActionMap>\n</Action>\n", m)
	}
	b.WriteString("</Actions>")
	return b.String()
}

func mustCompile(t testing.TB, data []byte, reg *engine.Registry) *engine.Program {
	t.Helper()
	prog, err := engine.CompileBytes("test.xml", data, reg)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return prog
}

func TestSeedFileRunsEndToEnd(t *testing.T) {
	data, err := os.ReadFile("../testdata/workflows/ImportMails.xml")
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	prog := mustCompile(t, data, seedRegistry(t, nil, &seen))
	rec, err := prog.Run(context.Background(), engine.Event{Name: "TimerWFEvent"}, engine.RunOptions{RunAs: "info-desk"})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 || seen[0] != "session=info-desk param=info-desk ws=ImportResult 123" {
		t.Errorf("CloseWorkSpaceAction saw %q", seen)
	}
	if rec.Status != engine.StatusOK || len(rec.Warnings) != 0 || rec.WorkflowID != "ImportMails" || len(rec.ID) != 32 {
		t.Errorf("record %+v", rec)
	}
}

func TestStepBudget(t *testing.T) {
	prog := mustCompile(t, wf("Chain",
		"1|TimerWFEvent|"+logActions("one")+"|2",
		"2|LogAction|"+logActions("two")+"|3",
		"3|LogAction|"+logActions("three")),
		testRegistry())
	rec, err := prog.Run(context.Background(), engine.Event{Name: "TimerWFEvent"}, engine.RunOptions{StepBudget: 2})
	if !errors.Is(err, engine.ErrStepBudget) {
		t.Fatalf("err = %v, want step budget", err)
	}
	if rec.Status != engine.StatusFailed || len(rec.Steps) != 2 || strings.Join(rec.Log, ",") != "one,two" {
		t.Errorf("record %+v", rec)
	}
	rec, err = prog.Run(context.Background(), engine.Event{Name: "TimerWFEvent"}, engine.RunOptions{})
	if err != nil || strings.Join(rec.Log, ",") != "one,two,three" {
		t.Errorf("default budget: err %v log %q", err, rec.Log)
	}
}

func TestStepReachedTwice(t *testing.T) {
	prog := mustCompile(t, wf("Diamond",
		"1|TimerWFEvent|"+logActions("one")+"|2,3",
		"2|LogAction|"+logActions("two")+"|4",
		"3|LogAction|"+logActions("three")+"|4",
		"4|LogAction|"+logActions("four")),
		testRegistry())
	rec, err := prog.Run(context.Background(), engine.Event{Name: "TimerWFEvent"}, engine.RunOptions{})
	if !errors.Is(err, engine.ErrStepTwice) || !strings.Contains(err.Error(), "step 4") {
		t.Fatalf("err = %v", err)
	}
	// breadth-first: 1, then 2 and 3, then 4 once
	if got := strings.Join(rec.Log, ","); got != "one,two,three,four" {
		t.Errorf("log %q", got)
	}
}

func blockingRegistry(started chan<- struct{}) *engine.Registry {
	reg := testRegistry()
	reg.RegisterAction(engine.ActionFunc{
		S: engine.ActionSpec{Name: "BlockAction"},
		F: func(ctx context.Context, call *engine.Call) error {
			if started != nil {
				close(started)
			}
			<-ctx.Done()
			return ctx.Err()
		},
	})
	return reg
}

const blockStep = "<Actions>\n<Action Name=\"BlockAction\">\n<ContextToActionMap/>\n</Action>\n</Actions>"

func TestDeadline(t *testing.T) {
	prog := mustCompile(t, wf("Slow", "1|TimerWFEvent|"+blockStep), blockingRegistry(nil))
	for _, d := range []time.Duration{1, 20 * time.Millisecond} { // before step 1, and inside the action
		rec, err := prog.Run(context.Background(), engine.Event{Name: "TimerWFEvent"}, engine.RunOptions{Deadline: d})
		if !errors.Is(err, engine.ErrDeadline) || !engine.IsRetryable(err) {
			t.Fatalf("deadline %s: err = %v (class %s), want retryable deadline", d, err, engine.ClassOf(err))
		}
		if rec.Status != engine.StatusFailed || rec.ErrorClass != engine.ClassRetryable {
			t.Errorf("deadline %s: record %+v", d, rec)
		}
		if len(rec.Steps) > 0 && rec.Steps[0].Actions[0].ErrorClass != engine.ClassRetryable {
			t.Errorf("deadline %s: action record %+v", d, rec.Steps[0].Actions[0])
		}
	}
}

func TestCancellation(t *testing.T) {
	started := make(chan struct{})
	prog := mustCompile(t, wf("Cancel", "1|TimerWFEvent|"+blockStep), blockingRegistry(started))
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-started
		cancel()
	}()
	rec, err := prog.Run(ctx, engine.Event{Name: "TimerWFEvent"}, engine.RunOptions{})
	if !errors.Is(err, context.Canceled) || rec.Status != engine.StatusCancelled {
		t.Fatalf("err = %v status %q", err, rec.Status)
	}
	// a context cancelled before the run starts runs nothing
	rec, err = prog.Run(ctx, engine.Event{Name: "TimerWFEvent"}, engine.RunOptions{})
	if !errors.Is(err, context.Canceled) || len(rec.Steps) != 0 || rec.Status != engine.StatusCancelled {
		t.Fatalf("pre-cancelled: err %v record %+v", err, rec)
	}
}

func TestSecretParameterRedacted(t *testing.T) {
	reg := testRegistry()
	reg.RegisterAction(engine.ActionFunc{
		S: engine.ActionSpec{Name: "LoginAction", Params: []engine.Param{
			{Name: "User", Type: engine.TypeString},
			{Name: "Password", Type: engine.TypeString, Secret: true, Required: true},
		}},
		F: func(ctx context.Context, call *engine.Call) error {
			call.Logf("login %s with %s", call.String("User"), call.String("Password"))
			return engine.Permanent(fmt.Errorf("server rejected password %q", call.String("Password")))
		},
	})
	step := `<Actions>
<Action Name="LoginAction">
<ContextToActionMap>
<ValueMapping Name="User"><Parameter Name="User" DataType="String" Value="jdoe"/></ValueMapping>
<ValueMapping Name="Password"><Parameter Name="Password" DataType="String" Value="hunter2"/></ValueMapping>
</ContextToActionMap>
</Action>
</Actions>`
	prog := mustCompile(t, wf("Secret", "1|TimerWFEvent|"+step), reg)
	rec, err := prog.Run(context.Background(), engine.Event{Name: "TimerWFEvent"}, engine.RunOptions{})
	if err == nil || strings.Contains(err.Error(), "hunter2") || engine.ClassOf(err) != engine.ClassPermanent {
		t.Fatalf("err = %v", err)
	}
	js, _ := json.Marshal(rec)
	if strings.Contains(string(js), "hunter2") {
		t.Fatalf("secret in record: %s", js)
	}
	if p := rec.Steps[0].Actions[0].Params; p["Password"] != engine.Redacted || p["User"] != "jdoe" {
		t.Errorf("params %v", p)
	}
	if len(rec.Log) != 1 || rec.Log[0] != "login jdoe with ******" {
		t.Errorf("log %q", rec.Log)
	}
}

func TestContextEventAndConditions(t *testing.T) {
	step1 := `<Actions>
<Action Name="SetContextAction">
<ContextToActionMap>
<ValueMapping Name="VarName"><Parameter Name="Name" DataType="String" Value="Count"/></ValueMapping>
<ValueMapping Name="VarValue"><Parameter Name="Value" DataType="Integer" Value="42"/></ValueMapping>
</ContextToActionMap>
</Action>
</Actions>`
	cond := func(name, input, from, check string) string {
		cv := ""
		if check != "" {
			cv = check
		}
		return fmt.Sprintf("<Condition Name=%q>\n<ContextToConditionMap>\n<SimpleMapping FromName=%q ToName=%q/>\n</ContextToConditionMap>\n<CheckValuesMap>%s</CheckValuesMap>\n</Condition>\n", name, from, input, cv)
	}
	step2 := "<Conditions>\n" +
		cond("WFConditionEquals", "WFConditionEquals.IN_VALUE", "Count", `<CheckValue Name="WFConditionEquals.VALUE" Value="42"/>`) +
		cond("WFConditionExpression", "n", "Count", `<CheckValue Name="WFConditionExpression.EXPR" Value="n * 2 == 84 &amp;&amp; n &gt; 40"/>`) +
		"</Conditions>\n" + logActions("count=${Count} subject=${Subject} missing=[${Nope}]")
	step3 := "<Conditions>\n" + cond("WFConditionIsNull", "WFConditionNull.IN_VALUE", "Count", "") + "</Conditions>\n" + logActions("never")
	data := wf("Ctx",
		"1|TimerWFEvent|"+step1+"|2,3",
		"2|SetContextAction|"+step2,
		"3|SetContextAction|"+step3)
	data = []byte(strings.Replace(string(data), "<EventToContextMap/>", `<EventToContextMap><SimpleMapping FromName="subject" ToName="Subject"/></EventToContextMap>`, 1))
	prog := mustCompile(t, data, testRegistry())
	var observed []string
	rec, err := prog.Run(context.Background(), engine.Event{Name: "TimerWFEvent", Fields: map[string]any{"subject": "Angebot"}},
		engine.RunOptions{Observer: func(l string) { observed = append(observed, l) }})
	if err != nil {
		t.Fatal(err)
	}
	want := "count=42 subject=Angebot missing=[]"
	if len(rec.Log) != 1 || rec.Log[0] != want || len(observed) != 1 || observed[0] != want {
		t.Errorf("log %q observed %q", rec.Log, observed)
	}
	if len(rec.Steps) != 3 || rec.Steps[1].Skipped || !rec.Steps[2].Skipped {
		t.Errorf("steps %+v", rec.Steps)
	}
	if p := rec.Steps[0].Actions[0].Params; p["Name"] != "Count" || p["Value"] != "42" {
		t.Errorf("params %v", p)
	}
}

func TestConditionRuntimeErrorFailsRun(t *testing.T) {
	step := `<Conditions>
<Condition Name="WFConditionExpression">
<ContextToConditionMap><SimpleMapping FromName="Mail" ToName="mail"/></ContextToConditionMap>
<CheckValuesMap><CheckValue Name="WFConditionExpression.EXPR" Value="mail.subject == 'x'"/></CheckValuesMap>
</Condition>
</Conditions>
` + logActions("x")
	prog := mustCompile(t, wf("Rule", "1|TimerWFEvent|"+step), testRegistry())
	rec, err := prog.Run(context.Background(), engine.Event{Name: "TimerWFEvent"}, engine.RunOptions{})
	if err == nil || !strings.Contains(err.Error(), "step 1 condition WFConditionExpression") || rec.Status != engine.StatusFailed {
		t.Fatalf("err %v record %+v", err, rec)
	}
	mail := map[string]any{"subject": "x"}
	prog2 := mustCompile(t, []byte(strings.Replace(string(wf("Rule", "1|TimerWFEvent|"+step)), "<EventToContextMap/>",
		`<EventToContextMap><SimpleMapping FromName="mail" ToName="Mail"/></EventToContextMap>`, 1)), testRegistry())
	rec, err = prog2.Run(context.Background(), engine.Event{Name: "TimerWFEvent", Fields: map[string]any{"mail": mail}}, engine.RunOptions{})
	if err != nil || len(rec.Log) != 1 {
		t.Fatalf("err %v record %+v", err, rec)
	}
}

func TestParamTypeCheckedAtRunTime(t *testing.T) {
	// ImportResult holds a string, not a work space.
	step := `<Actions>
<Action Name="SetContextAction">
<ContextToActionMap>
<ValueMapping Name="N"><Parameter Name="Name" DataType="String" Value="ImportResult"/></ValueMapping>
<ValueMapping Name="V"><Parameter Name="Value" DataType="String" Value="not a work space"/></ValueMapping>
</ContextToActionMap>
</Action>
<Action Name="CloseWorkSpaceAction">
<ContextToActionMap>
<ValueMapping Name="ImportResult"><Parameter Name="WorkSpace" DataType="WorkSpace" Value=""/></ValueMapping>
</ContextToActionMap>
</Action>
</Actions>`
	prog := mustCompile(t, wf("Types", "1|TimerWFEvent|"+step), testRegistry())
	_, err := prog.Run(context.Background(), engine.Event{Name: "TimerWFEvent"}, engine.RunOptions{})
	if !errors.Is(err, engine.ErrParamType) || !strings.Contains(err.Error(), "parameter WorkSpace from context variable ImportResult") {
		t.Fatalf("err = %v", err)
	}
	// no value at all for a required parameter
	step = strings.Replace(step, `Value="ImportResult"`, `Value="Other"`, 1)
	prog = mustCompile(t, wf("Types", "1|TimerWFEvent|"+step), testRegistry())
	_, err = prog.Run(context.Background(), engine.Event{Name: "TimerWFEvent"}, engine.RunOptions{})
	if !errors.Is(err, engine.ErrMissingParam) {
		t.Fatalf("err = %v", err)
	}
}

func TestConcurrentRuns(t *testing.T) {
	prog := mustCompile(t, mustRead(t, "../testdata/workflows/ImportMails.xml"), seedRegistry(t, nil, nil))
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			login := fmt.Sprintf("user%d", i)
			var ws *enginetest.WorkSpace
			rec, err := prog.Run(context.Background(), engine.Event{Name: "TimerWFEvent"}, engine.RunOptions{RunAs: login})
			if err != nil {
				errs <- err
				return
			}
			_ = ws
			if rec.RunAs != login || rec.Steps[1].Actions[0].Params["SessionId"] != login || len(rec.Warnings) != 0 {
				errs <- fmt.Errorf("run %d: record %+v", i, rec)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestRegistryPanicsAndHints(t *testing.T) {
	reg := engine.NewRegistry()
	mustPanic := func(name string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s: no panic", name)
			}
		}()
		f()
	}
	a := enginetest.ImportMails(nil)
	reg.RegisterAction(a)
	mustPanic("duplicate action", func() { reg.RegisterAction(a) })
	mustPanic("nil action", func() { reg.RegisterAction(nil) })
	mustPanic("empty name", func() { reg.RegisterAction(engine.ActionFunc{}) })
	mustPanic("nil condition", func() { reg.RegisterCondition(nil) })
	mustPanic("duplicate type alias", func() {
		reg.RegisterDataType(engine.DataType{Name: "x.Y", Aliases: []string{"String"}, Parse: func(string) (any, error) { return nil, nil }, Accept: func(v any) (any, error) { return v, nil }})
	})
	mustPanic("type without Parse", func() { reg.RegisterDataType(engine.DataType{Name: "x.Z"}) })
	_, err := reg.Action("ImportMailAction")
	if err == nil || err.Error() != `unknown action "ImportMailAction" (did you mean "ImportMailsAction"? is its package registered?)` {
		t.Errorf("lookup error %v", err)
	}
	_, err = reg.Action("Frobnicate")
	if err == nil || err.Error() != `unknown action "Frobnicate" (is its package registered?)` {
		t.Errorf("lookup error %v", err)
	}
	for _, alias := range []string{"String", "string", "Integer", "int", "Long", "long", "Boolean", "bool", "Date", "date", "WorkSpace", engine.TypeDate} {
		if _, err := reg.DataType(alias); err != nil {
			t.Errorf("alias %s: %v", alias, err)
		}
	}
	if specs := reg.Actions(); len(specs) != 1 || specs[0].Name != "ImportMailsAction" {
		t.Errorf("Actions() = %v", specs)
	}
}

func TestDataTypes(t *testing.T) {
	reg := engine.NewRegistry()
	for _, tc := range []struct {
		typ, lit string
		want     string // fmt %T:%v, or "error"
	}{
		{"int", "42", "int64:42"},
		{"int", "2147483648", "error"},
		{"long", "2147483648", "int64:2147483648"},
		{"long", "4x", "error"},
		{"bool", "1", "bool:true"},
		{"bool", "false", "bool:false"},
		{"bool", "ja", "error"},
		{"date", "2024-05-01", "time.Time:2024-05-01 00:00:00 +0000 UTC"},
		{"date", "2024-05-01T10:00:00Z", "time.Time:2024-05-01 10:00:00 +0000 UTC"},
		{"date", "1.5.2024", "error"},
		{"WorkSpace", "", "<nil>:<nil>"},
		{"WorkSpace", "x", "error"},
		{"string", " a ", "string: a "},
	} {
		dt, err := reg.DataType(tc.typ)
		if err != nil {
			t.Fatal(err)
		}
		v, err := dt.Parse(tc.lit)
		got := fmt.Sprintf("%T:%v", v, v)
		if err != nil {
			got = "error"
		}
		if got != tc.want {
			t.Errorf("%s %q = %s, want %s", tc.typ, tc.lit, got, tc.want)
		}
	}
	intT, _ := reg.DataType(engine.TypeInteger)
	if v, err := intT.Accept("17"); err != nil || v != int64(17) {
		t.Errorf("Accept string: %v %v", v, err)
	}
	if _, err := intT.Accept(int64(1) << 40); !errors.Is(err, engine.ErrParamType) {
		t.Errorf("Accept out of range: %v", err)
	}
	wsT, _ := reg.DataType(engine.TypeWorkSpace)
	if _, err := wsT.Accept("x"); !errors.Is(err, engine.ErrParamType) {
		t.Errorf("Accept non work space: %v", err)
	}
}

// TestValidFixtures compiles every testdata/workflows/*.xml with the
// stand-ins and runs the mail rule example.
func TestValidFixtures(t *testing.T) {
	paths, err := filepath.Glob("../testdata/workflows/*.xml")
	if err != nil || len(paths) < 2 {
		t.Fatalf("fixtures %v %v", paths, err)
	}
	for _, p := range paths {
		// Actions of other packages are unknown to the test registry;
		// anything else is a real problem.
		_, err := engine.CompileBytes(p, mustRead(t, p), testRegistry())
		var ds schema.Diagnostics
		errors.As(err, &ds)
		for _, d := range ds {
			if d.Code != "unknown-action" {
				t.Errorf("%v", d)
			}
		}
		if err != nil && len(ds) == 0 {
			t.Errorf("%s: %v", p, err)
		}
	}
	prog := mustCompile(t, mustRead(t, "../testdata/workflows/MailRuleLog.xml"), testRegistry())
	for subject, want := range map[string]string{
		"Ihr Angebot 42": `offer "Ihr Angebot 42" gets status S_ACTSTATUS-O`,
		"Rechnung":       "",
		"":               "",
	} {
		rec, err := prog.Run(context.Background(), engine.Event{Name: "TimerWFEvent", Fields: map[string]any{"subject": subject}}, engine.RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(rec.Log, "\n"); got != want {
			t.Errorf("subject %q: log %q, want %q", subject, got, want)
		}
		if rec.Steps[1].Skipped != (want == "") {
			t.Errorf("subject %q: step 2 skipped=%v", subject, rec.Steps[1].Skipped)
		}
	}
}

func TestActionPanicFailsRun(t *testing.T) {
	reg := testRegistry()
	reg.RegisterAction(engine.ActionFunc{S: engine.ActionSpec{Name: "PanicAction"}, F: func(ctx context.Context, call *engine.Call) error {
		panic("boom")
	}})
	prog := mustCompile(t, wf("Panic", "1|TimerWFEvent|<Actions>\n<Action Name=\"PanicAction\">\n<ContextToActionMap/>\n</Action>\n</Actions>"), reg)
	rec, err := prog.Run(context.Background(), engine.Event{Name: "TimerWFEvent"}, engine.RunOptions{})
	if !errors.Is(err, engine.ErrPanic) || !strings.Contains(err.Error(), "boom") || rec.Status != engine.StatusFailed || engine.ClassOf(err) != engine.ClassPermanent {
		t.Fatalf("err %v record %+v", err, rec)
	}
	// the pooled state is usable again
	if _, err := prog.Run(context.Background(), engine.Event{Name: "TimerWFEvent"}, engine.RunOptions{}); !errors.Is(err, engine.ErrPanic) {
		t.Fatalf("second run: %v", err)
	}
}
