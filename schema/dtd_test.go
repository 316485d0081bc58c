package schema

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
)

var (
	dtdComment = regexp.MustCompile(`(?s)<!--.*?-->`)
	dtdElement = regexp.MustCompile(`(?s)<!ELEMENT\s+(\S+)\s+(.*?)>`)
	dtdAttlist = regexp.MustCompile(`(?s)<!ATTLIST\s+(\S+)\s+(.*?)>`)
)

// parseDTD reads the element and attribute declarations of workflow.dtd
// into the parser's table form.
func parseDTD(t *testing.T, text string) map[string]elemSpec {
	t.Helper()
	text = dtdComment.ReplaceAllString(text, "")
	specs := map[string]elemSpec{}
	for _, m := range dtdElement.FindAllStringSubmatch(text, -1) {
		name, model := m[1], strings.Join(strings.Fields(m[2]), " ")
		if _, dup := specs[name]; dup {
			t.Errorf("DTD declares <%s> twice", name)
		}
		s := elemSpec{Name: name}
		switch {
		case model == "EMPTY":
		case model == "(#PCDATA)":
			s.Text = true
		case strings.HasPrefix(model, "(") && strings.HasSuffix(model, ")*"):
			var names []string
			for _, n := range strings.Split(model[1:len(model)-2], "|") {
				names = append(names, strings.TrimSpace(n))
			}
			s.Content = []particle{anyOf(names...)}
		case strings.HasPrefix(model, "(") && strings.HasSuffix(model, ")"):
			for _, item := range strings.Split(model[1:len(model)-1], ",") {
				item = strings.TrimSpace(item)
				switch item[len(item)-1] {
				case '?':
					s.Content = append(s.Content, optional(item[:len(item)-1]))
				case '+':
					s.Content = append(s.Content, oneOrMore(item[:len(item)-1]))
				case '*':
					s.Content = append(s.Content, anyOf(item[:len(item)-1]))
				default:
					s.Content = append(s.Content, one(item))
				}
			}
		default:
			t.Errorf("DTD content model of <%s> not understood: %s", name, model)
		}
		specs[name] = s
	}
	for _, m := range dtdAttlist.FindAllStringSubmatch(text, -1) {
		name := m[1]
		s, ok := specs[name]
		if !ok {
			t.Errorf("DTD ATTLIST for undeclared element <%s>", name)
			continue
		}
		f := strings.Fields(m[2])
		if len(f)%3 != 0 {
			t.Errorf("DTD ATTLIST %s: want triples of name, type, default: %v", name, f)
			continue
		}
		for i := 0; i < len(f); i += 3 {
			if f[i+1] != "CDATA" || (f[i+2] != "#REQUIRED" && f[i+2] != "#IMPLIED") {
				t.Errorf("DTD ATTLIST %s %s: unexpected %s %s", name, f[i], f[i+1], f[i+2])
			}
			s.Attrs = append(s.Attrs, attrSpec{Name: f[i], Required: f[i+2] == "#REQUIRED"})
		}
		specs[name] = s
	}
	return specs
}

// TestDTDMatchesVocabulary keeps workflow.dtd and the parser's table in
// agreement: same elements, attributes (required or implied) and content.
func TestDTDMatchesVocabulary(t *testing.T) {
	dtd := parseDTD(t, string(readFile(t, "workflow.dtd")))
	for _, want := range vocabulary {
		got, ok := dtd[want.Name]
		if !ok {
			t.Errorf("<%s> is in the parser's table but not in workflow.dtd", want.Name)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("<%s> differs:\n dtd:    %+v\n parser: %+v", want.Name, got, want)
		}
		delete(dtd, want.Name)
	}
	for name := range dtd {
		t.Errorf("<%s> is in workflow.dtd but not in the parser's table", name)
	}
}

func TestParseDTDNoticesDrift(t *testing.T) {
	dtd := parseDTD(t, `<!ELEMENT Step (Event, Actions*)> <!ATTLIST Step No CDATA #IMPLIED>`)
	got := dtd["Step"]
	want := elemSpec{Name: "Step", Attrs: []attrSpec{implied("No")},
		Content: []particle{one("Event"), anyOf("Actions")}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("parsed %+v, want %+v", got, want)
	}
	if reflect.DeepEqual(got, *specByName["Step"]) {
		t.Fatal("a drifted declaration compares equal to the table")
	}
}
