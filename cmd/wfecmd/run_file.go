package wfecmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/internal/textdist"
	"github.com/wfehq/wfe/schema"
	"github.com/wfehq/wfe/store"
)

// isWorkflowFile reports whether the argument of `wfe run` names a file
// rather than an installed workflow: it ends in .xml or holds a path
// separator (WorkFlowIDs have neither).
func isWorkflowFile(arg string) bool {
	return strings.HasSuffix(strings.ToLower(arg), ".xml") || strings.ContainsAny(arg, `/\`)
}

// checkInstalled tells whether workflowID is installed before anything
// else about the run is checked; an unknown one is named with the closest
// installed workflow.
func checkInstalled(ctx context.Context, st *store.Store, workflowID string) error {
	_, err := st.GetWorkflow(ctx, workflowID)
	if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	defs, lerr := st.ListWorkflows(ctx)
	if lerr != nil {
		return lerr
	}
	ids := make([]string, len(defs))
	for i, d := range defs {
		ids[i] = d.WorkflowID
	}
	hint := ""
	if best := textdist.Suggest(workflowID, ids); best != "" {
		hint = fmt.Sprintf(" (did you mean %s?)", best)
	}
	return fmt.Errorf("workflow %s is not installed%s; 'wfe workflow list' shows the installed ones, and 'wfe run FILE.xml' runs a file", workflowID, hint)
}

// runFile is `wfe run FILE.xml`: the file is compiled against the full
// registry and run as the employee as (resolveRunAs) without being
// imported. opts.DryRun says whether the actions may change anything; a
// real run is kept in the run history like the run of an installed
// workflow.
func runFile(ctx context.Context, env *Env, st *store.Store, path, as string, opts engine.RunOptions) (*engine.RunRecord, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("there is no workflow file %s", path)
	}
	if err != nil {
		return nil, err
	}
	site := runSite{Node: nodeName()}
	reg, err := env.runRegistry(Deps{Store: st, Logger: envLogger(env), Node: site.Node})
	if err != nil {
		return nil, err
	}
	prog, err := engine.CompileBytes(filepath.Clean(path), data, reg)
	var ds schema.Diagnostics
	if errors.As(err, &ds) {
		for _, d := range ds {
			fmt.Fprintln(env.Stderr, d.Error())
		}
		return nil, silentError{fmt.Errorf("%s does not compile", path)}
	}
	if err != nil {
		return nil, err
	}
	if opts.RunAs, err = resolveRunAs(ctx, st, as); err != nil {
		return nil, err
	}
	opts.Trigger = "cli:" + path
	return runAndRecord(ctx, prog, st, opts, site)
}
