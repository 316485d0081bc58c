package mailimport

import (
	"context"

	"github.com/wfehq/wfe/engine"
)

// RunForCall runs the pipeline for an import action's call: Folder,
// BatchSize and DryRun come from the call's parameters of those names (a
// run-level dry run counts too), log lines go into the run record, and the
// work space ImportResult is set as the action's output when the folder had
// unseen mail (docs/REQUIREMENTS.md R10: no output when there is nothing new). req carries
// the configuration, run-as user and delegate chosen by the action.
func RunForCall(ctx context.Context, call *engine.Call, p *Pipeline, req Request) (*Result, error) {
	req.Folder = call.String("Folder")
	req.BatchSize = int(call.Int("BatchSize"))
	req.DryRun = call.DryRun() || call.Bool("DryRun")
	req.Logf = call.Logf
	res, err := p.Run(ctx, req)
	if err != nil {
		return nil, err
	}
	call.Logf("%s", res.Summary())
	if res.Unseen > 0 {
		call.SetOutput("ImportResult", NewWorkSpace(p.Deps.Store, res))
	}
	return res, nil
}
