package wfecmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/wfehq/wfe/store/blobs"
)

func init() {
	var asJSON bool
	root.Sub("blobs", "check the documents in the blob directory and collect what nothing refers to").Add(&Command{
		Name: "check",
		Short: "read back every document and raw mail and compare it with its SHA-256; " +
			"list pack files nothing refers to (exit 1 on a damaged or missing blob)",
		Example: "wfe blobs check",
		Flags: func(fs *flag.FlagSet) {
			fs.BoolVar(&asJSON, "json", false, "print JSON")
		},
		Run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) > 0 {
				return usagef("check takes no arguments")
			}
			s, err := env.Store(ctx)
			if err != nil {
				return err
			}
			res, err := s.CheckBlobs(ctx)
			if err != nil {
				return err
			}
			if asJSON {
				if err := printJSON(env.Stdout, res); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(env.Stdout, "checked %d blob(s), %.1f MiB, in %s\n", res.Checked, float64(res.Bytes)/(1<<20), s.BlobDir())
				for _, p := range res.Problems {
					fmt.Fprintf(env.Stdout, "  %s: %s\n", p.SHA256, p.Problem)
				}
				if res.UnreferencedBlobs > 0 {
					fmt.Fprintf(env.Stdout, "%d recorded blob(s), %.1f MiB, that no document or import refers to (a batch whose commit failed)\n",
						res.UnreferencedBlobs, float64(res.UnreferencedBlobBytes)/(1<<20))
				}
				if n := len(res.UnreferencedPacks); n > 0 {
					fmt.Fprintf(env.Stdout, "%d pack file(s), %.1f MiB, hold nothing a document refers to (an import cut short, or one running now):\n",
						n, float64(res.UnreferencedBytes)/(1<<20))
					for _, p := range res.UnreferencedPacks {
						fmt.Fprintf(env.Stdout, "  packs/%s\n", p)
					}
				}
			}
			if len(res.Problems) > 0 {
				return silentError{fmt.Errorf("%d blob(s) damaged or missing: %w", len(res.Problems), errBlobsDamaged)}
			}
			return nil
		},
	}, blobsGCCommand())
}

// blobsGCCommand is wfe blobs gc.
func blobsGCCommand() *Command {
	var dryRun, asJSON bool
	var minAge time.Duration
	return &Command{
		Name:    "gc",
		Short:   "remove pack files and pack entries no document or import refers to (--dry-run: only say what it would free)",
		Example: "wfe blobs gc --dry-run",
		Long: `gc removes what an import cut short left in the blob directory: pack files
and recorded blobs (pack entries) that no committed document or import
ledger row refers to, e.g. after a crash between writing a batch's packs and
committing it. "wfe blobs check" counts them; gc frees them.

It is safe while imports run: a pack file modified within --min-age (default
1h; a batch writes, records and commits its packs within seconds) is kept
with its entries, and so is a pack a batch of this process is writing. An
import that commits a blob gc has just removed fails that batch and retries
it (on PostgreSQL gc and the commit lock the pack entries against each
other), so no document ever refers to a removed blob.`,
		Flags: func(fs *flag.FlagSet) {
			fs.BoolVar(&dryRun, "dry-run", false, "print what would be removed and the bytes it would free; remove nothing")
			fs.DurationVar(&minAge, "min-age", blobs.DefaultGCMinAge, "keep pack files modified more recently than this")
			fs.BoolVar(&asJSON, "json", false, "print JSON")
		},
		Run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) > 0 {
				return usagef("gc takes no arguments")
			}
			if minAge <= 0 {
				return usagef("--min-age must be positive, not %s", minAge)
			}
			s, err := env.Store(ctx)
			if err != nil {
				return err
			}
			rep, err := s.CollectGarbage(ctx, blobs.GCOptions{DryRun: dryRun, MinAge: minAge})
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(env.Stdout, rep)
			}
			printGCReport(env, s.BlobDir(), rep)
			return nil
		},
	}
}

func printGCReport(env *Env, dir string, rep *blobs.GCReport) {
	verb := "removed"
	if rep.DryRun {
		verb = "would remove"
	}
	fmt.Fprintf(env.Stdout, "%s %d pack file(s) and %d pack entries in %s, %d bytes (%.1f MiB)\n",
		verb, len(rep.Packs), rep.Entries, dir, rep.Bytes, float64(rep.Bytes)/(1<<20))
	for _, p := range rep.Packs {
		fmt.Fprintf(env.Stdout, "  packs/%s\n", p)
	}
	if rep.KeptYoung > 0 {
		fmt.Fprintf(env.Stdout, "kept %d unreferenced pack file(s) younger than --min-age or being written\n", rep.KeptYoung)
	}
	if rep.DryRun {
		fmt.Fprintln(env.Stdout, "dry run: nothing removed")
	}
}

var errBlobsDamaged = errors.New("restore the blob directory from a backup")
