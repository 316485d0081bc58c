package wfecmd

import (
	"context"
	"fmt"
	"runtime/debug"
)

// version is set at build time with -ldflags "-X github.com/wfehq/wfe/cmd/wfecmd.version=...".
var version = "dev"

func init() {
	root.Add(&Command{
		Name:  "version",
		Short: "print the wfe version",
		Run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) > 0 {
				return usagef("version takes no arguments")
			}
			v := version
			if bi, ok := debug.ReadBuildInfo(); ok && v == "dev" {
				for _, s := range bi.Settings {
					if s.Key == "vcs.revision" && len(s.Value) >= 12 {
						v = "dev-" + s.Value[:12]
					}
				}
				fmt.Fprintf(env.Stdout, "wfe %s (%s)\n", v, bi.GoVersion)
				return nil
			}
			fmt.Fprintf(env.Stdout, "wfe %s\n", v)
			return nil
		},
	})
}
