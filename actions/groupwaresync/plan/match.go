package plan

import "strings"

// matched is the outcome of matching records that are not linked.
type matched struct {
	pairs      []pair
	candidates []Candidates
	crm, gw    []Record // left over, matched by no key
}

// matchRecords tries the table's keys in order on the records not linked
// yet. A key value shared by exactly one record on each side links them;
// one shared by more records on either side is not unique and goes to
// the conflict queue (those records are not matched or created).
func matchRecords(keys []MatchKey, crm, gw []Record) matched {
	m := matched{crm: crm, gw: gw}
	for _, key := range keys {
		m.byKey(key)
	}
	return m
}

func (m *matched) byKey(key MatchKey) {
	crmBy := indexByKey(m.crm, key, CRM)
	gwBy := indexByKey(m.gw, key, Groupware)
	taken := map[string]bool{}
	for _, value := range sortedKeys(crmBy) {
		cs, gs := crmBy[value], gwBy[value]
		if len(gs) == 0 {
			continue
		}
		for _, r := range cs {
			taken["c"+r.ID] = true
		}
		for _, r := range gs {
			taken["g"+r.ID] = true
		}
		if len(cs) == 1 && len(gs) == 1 {
			c, g := cs[0], gs[0]
			m.pairs = append(m.pairs, pair{crmID: c.ID, gwID: g.ID, crm: &c, gw: &g, matchedBy: key.Name})
			continue
		}
		m.candidates = append(m.candidates, Candidates{Key: key.Name, Value: strings.ReplaceAll(value, "\x1f", " / "), CRMIDs: ids(cs), GroupwareIDs: ids(gs)})
	}
	m.crm = without(m.crm, taken, "c")
	m.gw = without(m.gw, taken, "g")
}

func indexByKey(rs []Record, key MatchKey, s Side) map[string][]Record {
	by := make(map[string][]Record)
	for _, r := range rs {
		if v := keyValue(r, key, s); v != "" {
			by[v] = append(by[v], r)
		}
	}
	return by
}

// keyValue is a record's value for a key, "" when it has none.
func keyValue(r Record, key MatchKey, s Side) string {
	if key.ByCRMID {
		if s == CRM {
			return r.ID
		}
		return r.CRMID
	}
	parts := make([]string, len(key.Fields))
	for i, f := range key.Fields {
		parts[i] = normalizeKey(r.Fields[f])
		if parts[i] == "" {
			return ""
		}
	}
	return strings.Join(parts, "\x1f")
}

// normalizeKey ignores case and surrounding or repeated white space.
func normalizeKey(v string) string {
	return strings.ToLower(strings.Join(strings.Fields(v), " "))
}

func ids(rs []Record) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

func without(rs []Record, taken map[string]bool, prefix string) []Record {
	out := rs[:0:0]
	for _, r := range rs {
		if !taken[prefix+r.ID] {
			out = append(out, r)
		}
	}
	return out
}
