package wfecmd

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/wfehq/wfe/actions/groupwaresync"
	"github.com/wfehq/wfe/groupware"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/syncstate"
)

// mappingView is the contact mapping as `sync mapping show` prints it.
type mappingView struct {
	Table     string                `json:"table"`
	Default   bool                  `json:"default"`
	Fields    []syncstate.FieldPair `json:"fields"`
	Groupware []string              `json:"groupware_fields"`
}

// parseMapping reads GROUPWARE=CRM arguments and checks each pair against
// every groupware system a mail configuration uses (a field Graph does
// not expose is refused naming it, R62).
func parseMapping(ctx context.Context, st *store.Store, args []string) ([]syncstate.FieldPair, error) {
	systems := map[string]bool{groupwaresync.SystemDAV: true}
	cfgs, err := st.ListMailConfigs(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range cfgs {
		if sys, err := groupwaresync.ParseSystem(c.CalendarSystem); err == nil && sys != groupwaresync.SystemNone {
			systems[sys] = true
		}
	}
	pairs := make([]syncstate.FieldPair, 0, len(args))
	for _, a := range args {
		gw, crm, ok := strings.Cut(a, "=")
		if !ok || gw == "" || crm == "" {
			return nil, usagef("%q: want GROUPWARE_FIELD=CRM_FIELD, e.g. business_phone=phone", a)
		}
		pairs = append(pairs, syncstate.FieldPair{Groupware: strings.TrimSpace(gw), CRM: strings.TrimSpace(crm)})
	}
	for _, sys := range []string{groupwaresync.SystemGraph, groupwaresync.SystemDAV} {
		if !systems[sys] {
			continue
		}
		if err := (groupwaresync.Mapping{Pairs: pairs}).Check(sys); err != nil {
			return nil, usagef("%v", err)
		}
	}
	return pairs, nil
}

func init() {
	var (
		asJSON, reset bool
	)
	g := root.Sub("sync", syncGroupShort).
		Sub("mapping", "show or change the contact field mapping (Kontakt-Zuordnung)")
	g.Add(&Command{
		Name:    "show",
		Short:   "show the contact field mapping",
		Long:    `show prints which groupware contact field each CRM field is synced with: the mapping an admin set, or the default one (names, display name, e-mail, business and mobile phone, company = business partner, job title, business address).`,
		Example: "wfe sync mapping show --json",
		Flags:   func(fs *flag.FlagSet) { fs.BoolVar(&asJSON, "json", false, "print JSON") },
		Run: func(ctx context.Context, env *Env, args []string) error {
			st, err := storeWithArgs(ctx, env, args, 0, "show takes no arguments")
			if err != nil {
				return err
			}
			stored, err := st.Sync().FieldMap(ctx, string(groupware.TableContacts))
			if err != nil {
				return err
			}
			v := mappingView{Table: string(groupware.TableContacts), Fields: stored, Groupware: groupwaresync.GroupwareFieldNames()}
			if stored == nil {
				v.Default, v.Fields = true, groupwaresync.DefaultMapping()
			}
			if asJSON {
				return printJSON(env.Stdout, v)
			}
			t := newTable("GROUPWARE", "CRM").freeText("GROUPWARE", "CRM")
			for _, p := range v.Fields {
				t.row(p.Groupware, p.CRM)
			}
			if err := t.print(env.Stdout, env.Wide); err != nil || !v.Default {
				return err
			}
			_, err = fmt.Fprintln(env.Stdout, "(the default mapping)")
			return err
		},
	}, &Command{
		Name:  "set",
		Args:  "GROUPWARE=CRM...",
		Short: "replace the contact field mapping",
		Long: `set replaces the contact field mapping with the pairs given, each a groupware
field and the CRM field it is synced with (wfe sync mapping show lists the
groupware fields; CRM fields are the contact's columns, display_name and
partner, which the sync reads but never writes). A field Microsoft Graph does
not expose is refused naming the field when a mail configuration uses Graph.
--default restores the default mapping. The next run of each rule compares the
new fields against their last synced values.`,
		Example: "wfe sync mapping set given_name=first_name surname=last_name email=email business_phone=phone\nwfe sync mapping set --default",
		Flags:   func(fs *flag.FlagSet) { fs.BoolVar(&reset, "default", false, "restore the default mapping") },
		Run: func(ctx context.Context, env *Env, args []string) error {
			if reset == (len(args) > 0) {
				return usagef("set needs GROUPWARE=CRM pairs or --default (not both)")
			}
			st, err := env.Store(ctx)
			if err != nil {
				return err
			}
			pairs, err := parseMapping(ctx, st, args)
			if err != nil {
				return err
			}
			if err := st.Sync().SetFieldMap(ctx, string(groupware.TableContacts), pairs); err != nil {
				return err
			}
			if reset {
				fmt.Fprintln(env.Stdout, "contact mapping: the default")
				return nil
			}
			fmt.Fprintf(env.Stdout, "contact mapping: %d fields\n", len(pairs))
			return nil
		},
	})
}
