package wfecmd

import (
	"context"
	"flag"
	"fmt"
	"strconv"
)

func init() {
	var first, last, email, phone optString
	root.Sub("contacts", "import and list contacts and business partners").Add(&Command{
		Name:  "update",
		Args:  "ID",
		Short: "change a contact's fields",
		Long: `update changes the named fields of the contact ID and moves its update time,
so the next sync run carries the change to the groupware.`,
		Example: "wfe contacts update 12 --phone '+49 30 1234' --email eva.berg@example.com",
		Flags: func(fs *flag.FlagSet) {
			first, last, email, phone = optString{}, optString{}, optString{}, optString{}
			fs.Var(&first, "first-name", "first name")
			fs.Var(&last, "last-name", "last name")
			fs.Var(&email, "email", "e-mail address")
			fs.Var(&phone, "phone", "business phone")
		},
		Run: func(ctx context.Context, env *Env, args []string) error {
			st, err := storeWithArgs(ctx, env, args, 1, "update needs exactly one contact ID")
			if err != nil {
				return err
			}
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return usagef("contact ID %q is not a number", args[0])
			}
			values := map[string]string{}
			for col, o := range map[string]optString{"first_name": first, "last_name": last, "email": email, "phone": phone} {
				if o.set {
					values[col] = o.v
				}
			}
			if len(values) == 0 {
				return usagef("update needs at least one of --first-name, --last-name, --email, --phone")
			}
			if err := st.Sync().UpdateContactColumns(ctx, id, values); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "contact %d updated\n", id)
			return nil
		},
	})
}
