package wfecmd

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/schema"
)

func init() {
	root.Sub("workflow", "import, export, list and validate workflow definitions").Add(&Command{
		Name:    "validate",
		Args:    "FILE...",
		Short:   "check workflow XML files against the registered actions and conditions",
		Example: "wfe workflow validate workflows/*.xml",
		Long: `validate parses and compiles each WorkFlowMapping file with the registered
actions, conditions and data types. It prints FILE: OK for a good file and
FILE:LINE:COL: message for every problem of a bad one (on stderr), and exits
with status 1 when any file has a problem.`,
		Run: runValidate,
	})
}

func runValidate(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 {
		return usagef("validate needs at least one FILE")
	}
	reg, err := env.registry()
	if err != nil {
		return err
	}
	bad := 0
	for _, file := range args {
		data, err := os.ReadFile(file)
		if err != nil {
			fmt.Fprintf(env.Stderr, "%s: %v\n", file, err)
			bad++
			continue
		}
		prog, err := engine.CompileBytes(file, data, reg)
		if err == nil {
			for _, w := range prog.Warnings() {
				fmt.Fprintf(env.Stderr, "%s:%d:%d: warning: %s\n", w.File, w.Line, w.Col, w.Message)
			}
			fmt.Fprintf(env.Stdout, "%s: OK\n", file)
			continue
		}
		bad++
		var ds schema.Diagnostics
		if !errors.As(err, &ds) {
			fmt.Fprintf(env.Stderr, "%s: %v\n", file, err)
			continue
		}
		for _, d := range ds {
			fmt.Fprintln(env.Stderr, d.Error())
		}
	}
	if bad > 0 {
		return silentError{fmt.Errorf("%d of %d files have problems", bad, len(args))}
	}
	return nil
}
