package engine

import (
	"slices"
	"strings"
)

// Redacted is how secret values appear in run records and logs.
const Redacted = "******"

// markSecretSlots finds the context variables that hold secrets in every
// run, before any value is seen: variables fed into a secret parameter,
// secret outputs, and event fields copied from a secret output.
func (p *Program) markSecretSlots() {
	p.secretSlots = make([]bool, len(p.varNames))
	for si := range p.steps {
		s := &p.steps[si]
		for _, m := range s.toCtx {
			if m.secret {
				p.secretSlots[m.slot] = true
			}
		}
		for ai := range s.actions {
			a := &s.actions[ai]
			for _, b := range a.binds {
				if b.secret && b.slot >= 0 {
					p.secretSlots[b.slot] = true
				}
			}
			for oi, slot := range a.outSlots {
				if a.spec.Outputs[oi].Secret {
					p.secretSlots[slot] = true
				}
			}
		}
	}
}

// secretSet tracks, for one run, which context variables hold secrets and
// the secret values seen, so that every text the run writes (log lines,
// warnings, errors, parameters in the record) can be redacted. A value
// copied from a secret (SetContextAction, say) is a secret too.
type secretSet struct {
	slots  []bool          // per context slot
	extra  map[string]bool // variables without a slot (set by Call.SetVar)
	values []string        // rendered secret values, longest first
}

func newSecretSet(p *Program) secretSet {
	return secretSet{slots: slices.Clone(p.secretSlots)}
}

func (s *secretSet) reset(p *Program) {
	copy(s.slots, p.secretSlots)
	s.extra = nil
	s.values = s.values[:0]
}

// addSecret remembers v as a secret value.
func (st *runState) addSecret(v any) {
	if v == nil {
		return
	}
	text := render(v)
	if text == "" || slices.Contains(st.secrets.values, text) {
		return
	}
	vs := append(st.secrets.values, text)
	// Longest first, so that a secret containing another is replaced whole.
	slices.SortStableFunc(vs, func(a, b string) int { return len(b) - len(a) })
	st.secrets.values = vs
}

// isSecretValue reports whether v shows as a secret value of this run.
func (st *runState) isSecretValue(v any) bool {
	return len(st.secrets.values) > 0 && v != nil && slices.Contains(st.secrets.values, render(v))
}

// isSecretVar reports whether the context variable in slot (or, without
// a slot, of that name) holds a secret.
func (st *runState) isSecretVar(slot int, name string) bool {
	if slot >= 0 {
		return st.secrets.slots[slot]
	}
	return st.secrets.extra[name]
}

// setSecret records whether the variable in slot (or, without a slot, of
// that name) now holding v is secret: it is when secret is set, the
// program always treats it as secret, or v is a secret value seen before.
func (st *runState) setSecret(slot int, name string, secret bool, v any) {
	if slot >= 0 {
		secret = secret || st.p.secretSlots[slot]
	}
	secret = secret || st.isSecretValue(v)
	if secret {
		st.addSecret(v)
	}
	switch {
	case slot >= 0:
		st.secrets.slots[slot] = secret
	case secret:
		if st.secrets.extra == nil {
			st.secrets.extra = map[string]bool{}
		}
		st.secrets.extra[name] = true
	default:
		delete(st.secrets.extra, name)
	}
}

// redact replaces every secret value of the run in text by Redacted.
func (st *runState) redact(text string) string {
	for _, v := range st.secrets.values {
		text = strings.ReplaceAll(text, v, Redacted)
	}
	return text
}

// redactedError hides secret values in the message of an error while
// keeping its chain for errors.Is/As and its class.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

func (st *runState) redactErr(err error) error {
	if err == nil || len(st.secrets.values) == 0 {
		return err
	}
	msg := err.Error()
	red := st.redact(msg)
	if red == msg {
		return err
	}
	return &redactedError{red, err}
}

// redactRecord redacts, once the run is over, every text of rec that
// shows a secret value of the run, also one written before the value was
// known to be secret (a SetContextAction literal copied into a variable
// that a later action feeds into a secret parameter, say).
func (st *runState) redactRecord(rec *RunRecord) {
	if len(st.secrets.values) == 0 {
		return
	}
	rec.Error = st.redact(rec.Error)
	for i := range rec.Log {
		rec.Log[i] = st.redact(rec.Log[i])
	}
	for i := range rec.Warnings {
		rec.Warnings[i] = st.redact(rec.Warnings[i])
	}
	for si := range rec.Steps {
		for ai := range rec.Steps[si].Actions {
			ar := &rec.Steps[si].Actions[ai]
			ar.Error = st.redact(ar.Error)
			for k, v := range ar.Params {
				ar.Params[k] = st.redact(v)
			}
		}
	}
}
