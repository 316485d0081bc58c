package basic_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/wfehq/wfe/actions/basic"
	"github.com/wfehq/wfe/engine"
)

// secretRegistry holds the helper actions, LoginAction (secret parameter
// Password, which it quotes in its log line and, when Fail is set, in its
// error) and TokenAction (secret output Token).
func secretRegistry(t *testing.T) *engine.Registry {
	t.Helper()
	reg := engine.NewRegistry()
	basic.Register(reg)
	reg.RegisterAction(engine.ActionFunc{
		S: engine.ActionSpec{Name: "LoginAction", Params: []engine.Param{
			{Name: "Password", Type: engine.TypeString, Required: true, Secret: true},
			{Name: "Fail", Type: engine.TypeBoolean},
		}},
		F: func(ctx context.Context, call *engine.Call) error {
			call.Logf("logging in with %s", call.String("Password"))
			if call.Bool("Fail") {
				return engine.Permanent(fmt.Errorf("server refused password %q", call.String("Password")))
			}
			return nil
		}})
	reg.RegisterAction(engine.ActionFunc{
		S: engine.ActionSpec{Name: "TokenAction", Outputs: []engine.Output{{Name: "Token", Type: engine.TypeString, Secret: true}}},
		F: func(ctx context.Context, call *engine.Call) error {
			call.SetOutput("Token", "tok-9f8e7d")
			return nil
		}})
	return reg
}

func actionXML(name string, params ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<Action Name=%q>\n<ContextToActionMap>\n", name)
	for _, p := range params { // "Var=Param=Type=Value"; Value may be empty
		f := strings.SplitN(p, "=", 4)
		fmt.Fprintf(&b, "<ValueMapping Name=%q><Parameter Name=%q DataType=%q Value=%q/></ValueMapping>\n", f[0], f[1], f[2], f[3])
	}
	b.WriteString("</ContextToActionMap>\n</Action>\n")
	return b.String()
}

func oneStep(actions ...string) []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>
<WorkFlowMapping WorkFlowID="Secrets" Description="secrets" ExecutionType="100">
<InternalDescription>secrets</InternalDescription>
<Step No="1">
<Event Name="TimerWFEvent"><EventToContextMap/></Event>
<Actions>
` + strings.Join(actions, "") + `</Actions>
</Step>
</WorkFlowMapping>`)
}

// Values copied from secrets never reach the run record or the log lines
// an observer sees: not through LogAction's ${...}, not through a copy made
// with SetContextAction, not through an action's own log line or error.
func TestSecretsNeverReachRecordsOrLogs(t *testing.T) {
	const pwd, tok = "hunter2-pw", "tok-9f8e7d"
	for _, tc := range []struct {
		name    string
		actions []string
		wantLog []string
	}{
		{"a variable fed into a secret parameter, logged before the login", []string{
			actionXML("SetContextAction", "N=Name=String=Pwd", "V=Value=String="+pwd),
			actionXML("LogAction", "M=Message=String=password is ${Pwd}"),
			actionXML("LoginAction", "Pwd=Password=String="),
		}, []string{"password is ******", "logging in with ******"}},
		{"a copy of a secret output", []string{
			actionXML("TokenAction"),
			actionXML("SetContextAction", "N=Name=String=Copy", "Token=Value=String="),
			actionXML("LogAction", "M=Message=String=token ${Token}, copy ${Copy}, raw "+tok),
		}, []string{"token ******, copy ******, raw ******"}},
		{"a secret literal quoted in the action's error", []string{
			actionXML("LoginAction", "P=Password=String="+pwd, "F=Fail=Boolean=true"),
		}, []string{"logging in with ******"}},
	} {
		var observed []string
		prog, err := engine.CompileBytes("secrets.xml", oneStep(tc.actions...), secretRegistry(t))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		rec, runErr := prog.Run(context.Background(), engine.Event{Name: "TimerWFEvent"},
			engine.RunOptions{Observer: func(l string) { observed = append(observed, l) }})
		js, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		everything := string(js) + "\n" + strings.Join(observed, "\n")
		if runErr != nil {
			everything += "\n" + runErr.Error()
		}
		for _, secret := range []string{pwd, tok} {
			if strings.Contains(everything, secret) {
				t.Errorf("%s: secret %q shows:\n%s", tc.name, secret, everything)
			}
		}
		if strings.Join(rec.Log, "|") != strings.Join(tc.wantLog, "|") {
			t.Errorf("%s: log %q, want %q", tc.name, rec.Log, tc.wantLog)
		}
		if strings.Join(observed, "|") != strings.Join(tc.wantLog, "|") {
			t.Errorf("%s: observer saw %q, want %q", tc.name, observed, tc.wantLog)
		}
	}
}

// The redacted error keeps its chain and class.
func TestRedactedErrorKeepsClass(t *testing.T) {
	prog, err := engine.CompileBytes("secrets.xml", oneStep(actionXML("LoginAction", "P=Password=String=pw-1234", "F=Fail=Boolean=true")), secretRegistry(t))
	if err != nil {
		t.Fatal(err)
	}
	rec, runErr := prog.Run(context.Background(), engine.Event{Name: "TimerWFEvent"}, engine.RunOptions{})
	if runErr == nil || engine.ClassOf(runErr) != engine.ClassPermanent || rec.ErrorClass != engine.ClassPermanent {
		t.Fatalf("err %v class %q", runErr, rec.ErrorClass)
	}
	if !strings.Contains(runErr.Error(), `server refused password "******"`) {
		t.Errorf("error %q", runErr)
	}
	var plain interface{ Unwrap() error }
	if !errors.As(runErr, &plain) {
		t.Error("chain lost")
	}
}
