package wfecmd

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
)

func init() {
	var asJSON bool
	settings := root.Sub("settings", "show and change global settings")
	settings.Add(&Command{
		Name:    "set",
		Args:    "NAME VALUE",
		Short:   "change a setting",
		Example: "wfe settings set internal-domains firma.example,firma.de",
		Long: `set changes one setting:

  internal-domains       domains whose mail is internal (comma separated);
                         internal mails are not write-protected
  lock-mail              true/false: GroupwareLock protects mails (default true)
  lock-meeting-request   true/false: GroupwareLock protects meetings (default true)
  fax-activity-type      activity type whose mails go to the fax server
  fax-address            fax server address; must contain ${fax}

A refused value keeps the old one.`,
		Run: func(ctx context.Context, env *Env, args []string) error {
			s, err := storeWithArgs(ctx, env, args, 2, "set needs NAME and VALUE")
			if err != nil {
				return err
			}
			if err := s.SetSetting(ctx, args[0], args[1]); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "%s set\n", args[0])
			return nil
		},
	}, &Command{
		Name:    "list",
		Short:   "show every setting",
		Example: "wfe settings list --json",
		Flags:   func(fs *flag.FlagSet) { fs.BoolVar(&asJSON, "json", false, "print JSON") },
		Run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) > 0 {
				return usagef("list takes no arguments")
			}
			s, err := env.Store(ctx)
			if err != nil {
				return err
			}
			st, err := s.Settings(ctx)
			if err != nil {
				return err
			}
			st.InternalDomains = nonNil(st.InternalDomains)
			if asJSON {
				return printJSON(env.Stdout, st)
			}
			tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintf(tw, "internal-domains\t%s\n", strings.Join(st.InternalDomains, ","))
			fmt.Fprintf(tw, "lock-mail\t%t\n", st.LockMail)
			fmt.Fprintf(tw, "lock-meeting-request\t%t\n", st.LockMeetingRequest)
			fmt.Fprintf(tw, "fax-activity-type\t%s\n", st.FaxActivityType)
			fmt.Fprintf(tw, "fax-address\t%s\n", st.FaxAddress)
			return tw.Flush()
		},
	})
}
