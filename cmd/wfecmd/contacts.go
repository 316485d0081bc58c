package wfecmd

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/syncstate"
)

func init() {
	root.Sub("contacts", "import and list contacts and business partners").Add(&Command{
		Name:    "import",
		Args:    "FILE.csv",
		Short:   "import contacts from CSV",
		Example: "wfe contacts import contacts.csv",
		Long: `import reads contacts from a CSV file with a header row naming the columns
partner, partner_roles (several separated by ";"), partner_fax, first_name,
last_name, email and fax (comma or semicolon separated). Business partners
are found by name or created.

The import is an upsert: a contact is found by its e-mail address at its
business partner (case-insensitive; a row without e-mail by first and last
name) and brought up to date with the row's non-empty cells (an empty cell
keeps the stored value), or created when there is none. Importing the same
file again changes nothing and exits 0. The summary counts the contacts
created, updated and unchanged and the rows rejected. Every rejected row is
reported as FILE:LINE: reason on stderr and the command exits with status
1; all other rows are imported.`,
		Run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("import needs exactly one FILE.csv")
			}
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			s, err := env.Store(ctx)
			if err != nil {
				return err
			}
			res, err := s.ImportContactsCSV(ctx, f)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			fmt.Fprintf(env.Stdout, "%s: %d contacts created, %d updated, %d unchanged, %d rows rejected; %d business partners created\n",
				args[0], res.Created, res.Updated, res.Unchanged, len(res.Rejected), res.Partners)
			for _, r := range res.Rejected {
				fmt.Fprintf(env.Stderr, "%s:%d: %s\n", args[0], r.Line, r.Reason)
			}
			if len(res.Rejected) > 0 {
				return silentError{fmt.Errorf("%d rows rejected", len(res.Rejected))}
			}
			return nil
		},
	}, listCommand("list contacts with their business partners", listContactRows,
		"ID\tNAME\tEMAIL\tPARTNER\tROLES", func(c contactRow) string {
			return fmt.Sprintf("%d\t%s\t%s\t%s\t%s", c.ID, strings.TrimSpace(c.FirstName+" "+c.LastName),
				c.Email, c.Partner, strings.Join(c.PartnerRoles, ", "))
		}))
}

// contactRow is a contact as `contacts list` shows it: its fields, and
// its business partner by name and roles.
type contactRow struct {
	syncstate.Contact
	PartnerRoles []string `json:"partner_roles"`
}

// listContactRows reads the contacts with every mapped column and their
// partners' roles.
func listContactRows(st *store.Store, ctx context.Context) ([]contactRow, error) {
	matches, err := st.ListContacts(ctx)
	if err != nil {
		return nil, err
	}
	roles := map[int64][]string{}
	for _, m := range matches {
		roles[m.Contact.ID] = m.Partner.Roles
	}
	cs, err := st.Sync().ListContacts(ctx)
	if err != nil {
		return nil, err
	}
	rows := make([]contactRow, len(cs))
	for i, c := range cs {
		rows[i] = contactRow{Contact: c, PartnerRoles: nonNil(roles[c.ID])}
	}
	return rows, nil
}
