package engine_test

import (
	"context"
	"testing"

	"github.com/wfehq/wfe/conditions"
	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/engine/enginetest"
)

// BenchmarkRunSeedWorkflow runs the CRM documentation's example workflow with no-op stand-ins:
// the import returns a work space, step 2 checks it and closes it.
func BenchmarkRunSeedWorkflow(b *testing.B) {
	reg := engine.NewRegistry()
	conditions.Register(reg)
	ws := &benchWorkSpace{}
	reg.RegisterAction(engine.ActionFunc{S: enginetest.ImportMailsSpec(), F: func(ctx context.Context, call *engine.Call) error {
		ws.closed = false
		call.SetOutput("ImportResult", ws)
		return nil
	}})
	reg.RegisterAction(engine.ActionFunc{S: enginetest.CloseWorkSpaceSpec(), F: func(ctx context.Context, call *engine.Call) error {
		return call.WorkSpace("WorkSpace").Close(ctx)
	}})
	prog := mustCompile(b, mustRead(b, "../testdata/workflows/ImportMails.xml"), reg)
	ctx := context.Background()
	ev := engine.Event{Name: "TimerWFEvent"}
	opts := engine.RunOptions{RunAs: "jdoe", Trigger: "timer:ImportMails"}
	b.ReportAllocs()
	for b.Loop() {
		rec, err := prog.Run(ctx, ev, opts)
		if err != nil || rec.Status != engine.StatusOK {
			b.Fatal(err, rec.Status)
		}
	}
}

type benchWorkSpace struct{ closed bool }

func (w *benchWorkSpace) WorkSpaceName() string       { return "ImportResult" }
func (w *benchWorkSpace) Close(context.Context) error { w.closed = true; return nil }
func (w *benchWorkSpace) Closed() bool                { return w.closed }
