package plan

import (
	"errors"
	"fmt"
)

// ErrInvalid marks input the planner refuses: bad options, a table
// without fields, listings with missing or repeated ids.
var ErrInvalid = errors.New("invalid sync input")

// Policy is the rule's conflict option: who wins a field changed on both
// sides since the last sync.
type Policy uint8

// The conflict options. Newest is the default (the option left empty).
const (
	// Newest: the side with the later modification time wins; when the
	// times are equal or one is unknown, the master wins.
	Newest Policy = iota
	// CRMWins: the CRM's value always wins.
	CRMWins
	// GroupwareWins: the groupware's value always wins.
	GroupwareWins
	// Ask: both versions go to the conflict queue and nothing of the
	// record is written on either side until a person decides.
	Ask
)

var policyNames = [...]string{Newest: "newest", CRMWins: "crm", GroupwareWins: "groupware", Ask: "ask"}

// String gives the option as the command line spells it.
func (p Policy) String() string {
	if int(p) < len(policyNames) {
		return policyNames[p]
	}
	return fmt.Sprintf("policy(%d)", uint8(p))
}

// ParsePolicy reads a conflict option; "" is newest.
func ParsePolicy(s string) (Policy, error) {
	if s == "" {
		return Newest, nil
	}
	for p, name := range policyNames {
		if s == name {
			return Policy(p), nil
		}
	}
	return 0, fmt.Errorf("%w: conflict option %q: want newest, crm, groupware or ask", ErrInvalid, s)
}

// Direction holds what a rule lets flow towards one side. The zero value
// is the default: create and update, never delete.
type Direction struct {
	NoCreate bool // --no-create: records new on the other side are not created here
	NoUpdate bool // --no-update: changes on the other side are not written here
	Delete   bool // --delete: records deleted on the other side are deleted here
}

// Options are a sync rule's settings the planner needs, plus the
// per-run override of the mass-delete guard.
type Options struct {
	// Master is the leading side (zero: CRM): only when the groupware is
	// master are records found only in the groupware created in the CRM
	// without asking.
	Master Side
	// Conflict settles a field changed on both sides.
	Conflict Policy
	// ToGroupware and ToCRM say what may flow towards each side.
	ToGroupware, ToCRM Direction
	// Overwrite, when set, makes that side's full record replace the
	// other's on every linked pair, whatever the three-way merge says.
	Overwrite Side
	// DefaultPartner is the CRM id of the business partner a record from
	// the groupware goes under when no partner has its company's name.
	DefaultPartner string
	// AllowMassDelete lifts the mass-delete guard for this run.
	AllowMassDelete bool
}

// Validate reports options that cannot work together.
func (o Options) Validate() error {
	if o.Master > Groupware {
		return fmt.Errorf("%w: master side %d: want crm or groupware", ErrInvalid, o.Master)
	}
	if o.Overwrite > Groupware {
		return fmt.Errorf("%w: overwrite side %d: want crm or groupware", ErrInvalid, o.Overwrite)
	}
	if o.Conflict > Ask {
		return fmt.Errorf("%w: conflict option %s: want newest, crm, groupware or ask", ErrInvalid, o.Conflict)
	}
	if o.Overwrite != 0 && o.towards(o.Overwrite.Other()).NoUpdate {
		return fmt.Errorf("%w: overwrite %s needs updates towards the %s, which the rule turns off",
			ErrInvalid, o.Overwrite, o.Overwrite.Other())
	}
	return nil
}

// master is the leading side with its default applied.
func (o Options) master() Side {
	if o.Master == 0 {
		return CRM
	}
	return o.Master
}

// towards gives the direction whose writes land on side s.
func (o Options) towards(s Side) Direction {
	if s == CRM {
		return o.ToCRM
	}
	return o.ToGroupware
}
