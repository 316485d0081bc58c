package wfecmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
)

func init() {
	var asJSON bool
	root.Sub("blobs", "check the document contents in the blob directory").Add(&Command{
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
	})
}

var errBlobsDamaged = errors.New("restore the blob directory from a backup")
