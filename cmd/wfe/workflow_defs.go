package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"wfe/schema"
	"wfe/store"
)

func init() {
	wf := root.Sub("workflow", "import, export, list and validate workflow definitions")
	var (
		activate    bool
		derivedFrom string
		output      string
		description string
		asJSON      bool
	)
	wf.Add(&Command{
		Name:  "import",
		Args:  "FILE...",
		Short: "store workflow XML files as definitions (all or nothing)",
		Long: `import compiles every FILE against the registered actions and conditions
and stores them only when all are valid (otherwise it prints every problem
and stores nothing). A new WorkFlowID is stored as version 1, inactive
unless --activate; an unchanged file is a no-op; a changed file replaces
the stored bytes and increments the version. Standard (shipped) workflows
cannot be changed this way: import the change under a new WorkFlowID.
A new workflow whose structure matches one stored definition records it
as its origin (or name it with --derived-from).`,
		Flags: func(fs *flag.FlagSet) {
			fs.BoolVar(&activate, "activate", false, "activate the imported workflows")
			fs.StringVar(&derivedFrom, "derived-from", "", "record this WorkFlowID as the origin of the new workflows")
		},
		Run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) == 0 {
				return usagef("import needs at least one FILE")
			}
			var files []store.WorkflowFile
			for _, name := range args {
				b, err := os.ReadFile(name)
				if err != nil {
					return err
				}
				files = append(files, store.WorkflowFile{Name: name, Data: b})
			}
			s, err := env.Store(ctx)
			if err != nil {
				return err
			}
			res, err := s.ImportWorkflows(ctx, files, validateDefinition, store.ImportOptions{Activate: activate, DerivedFrom: derivedFrom})
			var ie *store.WorkflowImportError
			if errors.As(err, &ie) {
				printFileErrors(env.Stderr, ie)
				return silentError{err}
			}
			if err != nil {
				return err
			}
			for _, r := range res {
				line := fmt.Sprintf("%s: %s %s version %d", r.File, r.Outcome, r.WorkflowID, r.Version)
				if r.Outcome == store.ImportCreated && r.DerivedFrom != "" {
					line += " (derived from " + r.DerivedFrom + ")"
				}
				fmt.Fprintln(env.Stdout, line)
			}
			return nil
		},
	}, &Command{
		Name:  "export",
		Args:  "ID",
		Short: "write a stored workflow's XML, byte for byte as imported",
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&output, "o", "", "write to `FILE` instead of standard output")
		},
		Run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("export needs exactly one workflow ID")
			}
			s, err := env.Store(ctx)
			if err != nil {
				return err
			}
			data, err := s.ExportWorkflow(ctx, args[0])
			if err != nil {
				return err
			}
			if output == "" || output == "-" {
				_, err = env.Stdout.Write(data)
				return err
			}
			return os.WriteFile(output, data, 0o644)
		},
	}, &Command{
		Name:  "list",
		Short: "list stored workflow definitions",
		Long: `list prints every stored workflow: id, version, standard and active
flags, origin and description. --json prints an array of objects.`,
		Flags: func(fs *flag.FlagSet) { fs.BoolVar(&asJSON, "json", false, "print JSON") },
		Run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) > 0 {
				return usagef("list takes no arguments")
			}
			s, err := env.Store(ctx)
			if err != nil {
				return err
			}
			defs, err := s.ListWorkflows(ctx)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(env.Stdout, nonNil(defs))
			}
			tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "WORKFLOW ID\tVERSION\tSTANDARD\tACTIVE\tDERIVED FROM\tDESCRIPTION")
			for _, d := range defs {
				from := d.DerivedFrom
				if from != "" {
					from = fmt.Sprintf("%s v%d", from, d.DerivedFromVersion)
				}
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", d.WorkflowID, d.Version, yesNo(d.Standard), yesNo(d.Active), from, d.Description)
			}
			return tw.Flush()
		},
	}, &Command{
		Name:  "duplicate",
		Args:  "ID NEWID",
		Short: "copy a workflow under a new WorkFlowID (active, not standard)",
		Long: `duplicate copies the stored workflow ID as NEWID. Only the WorkFlowID (and
the Description with --description) change in the document; the copy is
active, carries no standard flag and records ID as its origin, so it
survives releases. Deactivate the original and point the timer at the copy.`,
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&description, "description", "", "new Description of the copy")
		},
		Run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 2 {
				return usagef("duplicate needs ID and NEWID")
			}
			s, err := env.Store(ctx)
			if err != nil {
				return err
			}
			d, err := s.DuplicateWorkflow(ctx, args[0], args[1], description, validateDefinition)
			var ie *store.WorkflowImportError
			if errors.As(err, &ie) {
				printFileErrors(env.Stderr, ie)
				return silentError{err}
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "%s: copy of %s version %d, active\n", d.WorkflowID, d.DerivedFrom, d.DerivedFromVersion)
			return nil
		},
	}, activation("activate", true), activation("deactivate", false))
}

func activation(name string, active bool) *Command {
	return &Command{
		Name:  name,
		Args:  "ID",
		Short: name + " a stored workflow (timers run active workflows only)",
		Run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("%s needs exactly one workflow ID", name)
			}
			s, err := env.Store(ctx)
			if err != nil {
				return err
			}
			if err := s.SetWorkflowActive(ctx, args[0], active); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "%s: %sd\n", args[0], name)
			return nil
		},
	}
}

// printFileErrors prints every problem of every refused file: diagnostics
// as FILE:LINE:COL: message, other errors as FILE: message.
func printFileErrors(w io.Writer, ie *store.WorkflowImportError) {
	for _, f := range ie.Files {
		var ds schema.Diagnostics
		if errors.As(f.Err, &ds) {
			for _, d := range ds {
				fmt.Fprintln(w, d.Error())
			}
			continue
		}
		fmt.Fprintf(w, "%s: %v\n", f.File, f.Err)
	}
	fmt.Fprintf(w, "nothing was imported: %d file(s) have problems\n", len(ie.Files))
}
