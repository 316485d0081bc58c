package wfecmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/wfehq/wfe/actions/mailimport"
	"github.com/wfehq/wfe/store"
)

func init() {
	var (
		as                                string
		dryRun, asJSON, progress, verbose bool
		batch, parallel                   int
		folder                            string
		cpuProfile, memProfile            string
	)
	root.Add(&Command{
		Name:    "import-mail",
		Args:    "[MATCHCODE]",
		Short:   "import the unseen mail of mail configurations now, without a workflow",
		Example: "wfe import-mail 123 --as anna --dry-run",
		Long: `import-mail imports the unseen mail of the INBOX of the mail configuration
MATCHCODE, or of every usable configuration flagged "import automatically"
when no MATCHCODE is given, as activities: delegated to the
configuration's responsible employee, else to the employee given with --as
(optional when exactly one employee exists). Imported mail moves to the
configuration's import folder, mail that cannot be imported to its error
folder; nothing leaves the inbox before its activity is stored.

A configuration without an IMAP server whose calendar system is Microsoft
Graph reads its Microsoft 365 mailbox over Graph: the unread mails of the
inbox (or --folder, e.g. sentitems, whose mails become outgoing-mail
activities) go through the same import.

Configurations are imported concurrently: at most --parallel at a time
(default twice the CPUs, at least 4) and at most 4 per IMAP server; a
slow or unreachable mailbox holds only its own slot.

Memory: the Go runtime gets a soft limit of 12 MiB plus 8 MiB per
configuration imported at once (the garbage collector then runs earlier
instead of letting the heap double); GOMEMLIMIT replaces it.

It prints one summary per configuration (unseen, imported, duplicates,
quarantined, moved). --dry-run lists what would be imported and changes
nothing. Progress (done/total, mails per second) goes to stderr when stderr
is a terminal, or always with --progress.`,
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&as, "as", "", "run as the employee `LOGIN`")
			fs.BoolVar(&dryRun, "dry-run", false, "list what would be imported; change nothing")
			fs.IntVar(&batch, "batch", mailimport.DefaultBatchSize, "mails committed and moved together (`N`)")
			fs.StringVar(&folder, "folder", "INBOX", "folder to import from")
			fs.IntVar(&parallel, "parallel", mailimport.DefaultParallel(), "import at most `N` configurations at the same time")
			fs.BoolVar(&progress, "progress", false, "print progress to stderr also when it is not a terminal")
			fs.BoolVar(&verbose, "verbose", false, "print the importer's log lines to stderr")
			fs.BoolVar(&asJSON, "json", false, "print the results as JSON")
			fs.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the import to `FILE` (go tool pprof)")
			fs.StringVar(&memProfile, "memprofile", "", "write a heap profile taken after the import to `FILE`")
		},
		Run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) > 1 {
				return usagef("import-mail takes at most one MATCHCODE")
			}
			if batch < 1 {
				return usagef("--batch must be at least 1")
			}
			if parallel < 1 {
				return usagef("--parallel must be at least 1")
			}
			st, err := env.Store(ctx)
			if err != nil {
				return err
			}
			login, err := optionalRunAs(ctx, st, as)
			if err != nil {
				return err
			}
			opts := mailimport.ImportOptions{DryRun: dryRun, BatchSize: batch, Folder: folder, Parallel: parallel}
			if len(args) == 1 {
				opts.MatchCode = args[0]
			}
			how := importRun{Kind: importRecordCLI, RunAs: login, Site: runSite{Node: nodeName()}}
			if verbose {
				how.Logf = func(format string, a ...any) { fmt.Fprintf(env.Stderr, format+"\n", a...) }
			}
			deps := mailimport.Deps{Store: st, Logger: envLogger(env), Node: how.Site.Node}
			var pr *progressPrinter
			if progress || isTerminal(env.Stderr) {
				pr = &progressPrinter{w: env.Stderr, terminal: isTerminal(env.Stderr), start: time.Now()}
				deps.Progress = pr.update
			}
			atOnce := parallel
			if opts.MatchCode != "" {
				atOnce = 1
			}
			limitImportMemory(atOnce)
			stopProfile, err := startProfiles(cpuProfile, memProfile)
			if err != nil {
				return err
			}
			out, err := runMailImport(ctx, deps, opts, how)
			pr.finish()
			err = saveImportRun(ctx, env, st, out, err)
			results := out.Results
			if perr := stopProfile(); perr != nil {
				fmt.Fprintf(env.Stderr, "warning: %v\n", perr)
			}
			if asJSON {
				if perr := printJSON(env.Stdout, nonNil(results)); perr != nil {
					return perr
				}
			} else {
				printImportResults(env.Stdout, results, env.Wide)
			}
			if err == nil && len(results) == 0 && opts.MatchCode == "" {
				fmt.Fprintln(env.Stderr, "no usable mail configuration is flagged \"import automatically\" (see 'wfe mailconfig list')")
			}
			return err
		},
	})
}

// saveImportRun stores the run of wfe import-mail in the run history,
// unless it was a dry run or failed before it reached any configuration
// (an unknown match code, a wrong secret key), and says so on stderr with
// the outbox's work. It returns the import's error joined with a failure
// to save.
func saveImportRun(ctx context.Context, env *Env, st *store.Store, out *importOutcome, err error) error {
	if o := out.Record.Outbox; o != nil && o.Attempted > 0 {
		fmt.Fprintf(env.Stderr, "outbox: %d sent, %d waiting for a retry, %d failed for good ('wfe outbox list')\n", o.Sent, o.Pending, o.Failed)
	}
	if out.Record.DryRun || (err != nil && len(out.Results) == 0) {
		return err
	}
	if serr := st.SaveRun(context.WithoutCancel(ctx), out.Run); serr != nil {
		return errors.Join(err, fmt.Errorf("save run record: %w", serr))
	}
	fmt.Fprintf(env.Stderr, "run %s recorded ('wfe runs show %s')\n", out.Run.ID, out.Run.ID)
	return err
}

// optionalRunAs is the run-as user of an import: the given login (it
// must be an employee), else the only employee, else none (an import needs
// no session; each configuration's responsible employee still applies).
func optionalRunAs(ctx context.Context, st *store.Store, login string) (string, error) {
	if login != "" {
		return resolveRunAs(ctx, st, login)
	}
	emps, err := st.ListEmployees(ctx)
	if err != nil || len(emps) != 1 {
		return "", err
	}
	return emps[0].Login, nil
}

func printImportResults(w io.Writer, results []mailimport.Result, wide bool) {
	for i := range results {
		r := &results[i]
		if r.Error != "" && r.Unseen == 0 && len(r.Mails) == 0 {
			// failed before it saw any mail (e.g. the server is
			// unreachable): the error on stderr says it all
			continue
		}
		if r.Error != "" {
			fmt.Fprintf(w, "%s: failed after this much was done:\n", r.MatchCode)
		}
		if r.DryRun {
			fmt.Fprintln(w, r.Summary())
			if len(r.Mails) == 0 {
				continue
			}
			t := newTable("UID", "OUTCOME", "FROM", "SUBJECT", "CONTACTS", "REASON").keepWhole("UID").freeText("FROM", "SUBJECT", "CONTACTS", "REASON")
			t.indent = "  "
			for _, m := range r.Mails {
				t.row(m.UID, m.Outcome, dash(m.From), dash(m.Subject), dash(strings.Join(m.Contacts, ",")), m.Reason)
			}
			t.print(w, wide)
			continue
		}
		fmt.Fprintf(w, "%s: %d unseen, %d imported, %d duplicates, %d quarantined, %d moved",
			r.MatchCode, r.Unseen, r.Imported, r.Duplicates, r.Quarantined, r.Moved)
		if r.Error != "" {
			fmt.Fprintf(w, ", %d committed", r.Committed)
		}
		if r.Skipped > 0 {
			fmt.Fprintf(w, ", %d skipped", r.Skipped)
		}
		if r.Left > 0 {
			fmt.Fprintf(w, ", %d left in %s", r.Left, r.Folder)
		}
		fmt.Fprintln(w)
		for _, m := range r.Mails {
			if m.Outcome == store.OutcomeQuarantined {
				fmt.Fprintf(w, "  quarantined UID %d %q: %s\n", m.UID, clip(m.Subject, 60), m.Reason)
			}
		}
	}
}

// startProfiles starts a CPU profile into cpuFile (when given); the
// returned stop ends it and writes a heap profile into memFile (when given).
func startProfiles(cpuFile, memFile string) (stop func() error, err error) {
	var cpu *os.File
	if cpuFile != "" {
		if cpu, err = os.Create(cpuFile); err != nil {
			return nil, fmt.Errorf("cpu profile: %w", err)
		}
		if err = pprof.StartCPUProfile(cpu); err != nil {
			cpu.Close()
			return nil, fmt.Errorf("cpu profile %s: %w", cpuFile, err)
		}
	}
	return func() error {
		var errs []error
		if cpu != nil {
			pprof.StopCPUProfile()
			errs = append(errs, cpu.Close())
		}
		if memFile != "" {
			f, err := os.Create(memFile)
			if err != nil {
				return errors.Join(append(errs, fmt.Errorf("heap profile: %w", err))...)
			}
			errs = append(errs, pprof.Lookup("allocs").WriteTo(f, 0), f.Close())
		}
		return errors.Join(errs...)
	}, nil
}

// progressPrinter shows done/total and the rate of an import.
type progressPrinter struct {
	w        io.Writer
	terminal bool
	start    time.Time
	printed  bool
}

func (p *progressPrinter) update(done, total int) {
	rate := float64(done) / time.Since(p.start).Seconds()
	if p.terminal {
		fmt.Fprintf(p.w, "\r%d/%d mails, %.0f mails/s   ", done, total, rate)
	} else {
		fmt.Fprintf(p.w, "progress: %d/%d mails, %.0f mails/s\n", done, total, rate)
	}
	p.printed = true
}

func (p *progressPrinter) finish() {
	if p != nil && p.terminal && p.printed {
		fmt.Fprintln(p.w)
	}
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
