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
		Name:    "version",
		Short:   "print the wfe version (also: wfe --version)",
		Example: "wfe version",
		Run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) > 0 {
				return usagef("version takes no arguments")
			}
			fmt.Fprintln(env.Stdout, versionLine())
			return nil
		},
	})
}

// versionLine is what `wfe version` and `wfe --version` print: the version
// set at build time, else "dev" with the commit it was built from, and the
// Go version.
func versionLine() string {
	v := version
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "wfe " + v
	}
	if v == "dev" {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v = "dev-" + s.Value[:12]
			}
		}
	}
	return fmt.Sprintf("wfe %s (%s)", v, bi.GoVersion)
}
