package wfecmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/wfehq/wfe/schema"
	"github.com/wfehq/wfe/store"
)

func init() {
	wf := root.Sub("workflow", "import, export, list and validate workflow definitions")
	wf.Add(workflowImportCommand(), workflowExportCommand(), workflowListCommand(), workflowDuplicateCommand(),
		activation("activate", true), activation("deactivate", false))
}

func workflowImportCommand() *Command {
	var (
		activate    bool
		derivedFrom string
	)
	return &Command{
		Name:    "import",
		Args:    "FILE...",
		Short:   "store workflow XML files as definitions (all or nothing)",
		Example: "wfe workflow import ImportMailsSupport.xml --activate",
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
			return importWorkflows(ctx, env, args, store.ImportOptions{Activate: activate, DerivedFrom: derivedFrom})
		},
	}
}

// importWorkflows stores the workflow files names, all or none, and prints
// what happened to each.
func importWorkflows(ctx context.Context, env *Env, names []string, opts store.ImportOptions) error {
	// an unreadable file is refused like an invalid one, so that
	// every problem of every file is reported and nothing stored
	var files []store.WorkflowFile
	unreadable := map[string]error{}
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			unreadable[name] = pathErr(err)
		}
		files = append(files, store.WorkflowFile{Name: name, Data: b})
	}
	s, err := env.Store(ctx)
	if err != nil {
		return err
	}
	validate := env.storeValidator(s)
	checked := func(name string, data []byte) (store.WorkflowMeta, error) {
		if err := unreadable[name]; err != nil {
			return store.WorkflowMeta{}, err
		}
		return validate(name, data)
	}
	res, err := s.ImportWorkflows(ctx, files, checked, opts)
	if err != nil {
		return fileErrors(env.Stderr, err)
	}
	for _, r := range res {
		line := fmt.Sprintf("%s: %s %s version %d", r.File, r.Outcome, r.WorkflowID, r.Version)
		if r.Outcome == store.ImportCreated && r.DerivedFrom != "" {
			line += " (derived from " + r.DerivedFrom + ")"
		}
		fmt.Fprintln(env.Stdout, line)
	}
	return nil
}

func workflowExportCommand() *Command {
	var output string
	return &Command{
		Name:    "export",
		Args:    "ID",
		Short:   "write a stored workflow's XML, byte for byte as imported",
		Example: "wfe workflow export ImportMails -o ImportMails.xml",
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&output, "o", "", "write to `FILE` instead of standard output")
		},
		Run: func(ctx context.Context, env *Env, args []string) error {
			s, err := storeWithArgs(ctx, env, args, 1, "export needs exactly one workflow ID")
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
	}
}

func workflowListCommand() *Command {
	return listCommand("list stored workflow definitions: id, version, standard and active flags, origin", (*store.Store).ListWorkflows,
		"WORKFLOW ID\tVERSION\tSTANDARD\tACTIVE\tDERIVED FROM\tDESCRIPTION", func(d store.WorkflowDef) string {
			from := d.DerivedFrom
			if from != "" {
				from = fmt.Sprintf("%s v%d", from, d.DerivedFromVersion)
			}
			return fmt.Sprintf("%s\t%d\t%s\t%s\t%s\t%s", d.WorkflowID, d.Version, yesNo(d.Standard), yesNo(d.Active), from, d.Description)
		})
}

func workflowDuplicateCommand() *Command {
	var description string
	return &Command{
		Name:    "duplicate",
		Args:    "ID NEWID",
		Short:   "copy a workflow under a new WorkFlowID (active, not standard)",
		Example: "wfe workflow duplicate ImportMails ImportMailsSupport --description \"Support-Postfach\"",
		Long: `duplicate copies the stored workflow ID as NEWID. Only the WorkFlowID (and
the Description with --description) change in the document; the copy is
active, carries no standard flag and records ID as its origin, so it
survives releases. Deactivate the original and point the timer at the copy.`,
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&description, "description", "", "new Description of the copy")
		},
		Run: func(ctx context.Context, env *Env, args []string) error {
			s, err := storeWithArgs(ctx, env, args, 2, "duplicate needs ID and NEWID")
			if err != nil {
				return err
			}
			d, err := s.DuplicateWorkflow(ctx, args[0], args[1], description, env.storeValidator(s))
			if err != nil {
				return fileErrors(env.Stderr, err)
			}
			fmt.Fprintf(env.Stdout, "%s: copy of %s version %d, active\n", d.WorkflowID, d.DerivedFrom, d.DerivedFromVersion)
			return nil
		},
	}
}

func activation(name string, active bool) *Command {
	return &Command{
		Name:        name,
		Args:        "ID",
		Short:       name + " a stored workflow (timers run active workflows only)",
		exampleArgs: "ImportMails",
		Run: func(ctx context.Context, env *Env, args []string) error {
			s, err := storeWithArgs(ctx, env, args, 1, "%s needs exactly one workflow ID", name)
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

// pathErr drops the repeated file name of an *fs.PathError for output
// as FILE: message.
func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("cannot %s: %w", pe.Op, pe.Err)
	}
	return err
}

// fileErrors prints every problem of every refused file (diagnostics as
// FILE:LINE:COL: message, other errors as FILE: message) and returns a
// silent error; other errors come back unchanged.
func fileErrors(w io.Writer, err error) error {
	var ie *store.WorkflowImportError
	if !errors.As(err, &ie) {
		return err
	}
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
	return silentError{err}
}
