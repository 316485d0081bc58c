package mailparse

import (
	"os"
	"strings"
	"testing"
)

func TestHTMLToText(t *testing.T) {
	tests := []struct {
		name, html, want string
	}{
		{
			name: "head, comments, blocks, cells, entities",
			html: "<html><head><style>x{}</style><script>var a = '<p>';</script></head><body><!-- c --><h1>Titel</h1>" +
				"<p>Zeile&nbsp;1<br/>Zeile   2</p><table><tr><td>a</td><td>b</td></tr></table><p>&lt;tag&gt; &amp; &#8364;</p></body></html>",
			want: "Titel\n\nZeile 1\nZeile 2\n\na b\n\n<tag> & €",
		},
		{
			name: "greater-than inside an attribute value",
			html: `<p><a href="https://example.com/" title="a > b">Portal</a> und mehr</p>`,
			want: "Portal und mehr",
		},
		{
			name: "less-than inside a script",
			html: `<p>vor</p><script>if(a<b){go()}</script><p>nach</p><script>document.write("<p>drin</p>")</script>`,
			want: "vor\n\nnach",
		},
		{
			name: "comment holding markup and greater-than",
			html: `<!-- a > b <p>weg</p> --><p>da</p><!--[if mso]><p>nur Outlook</p><![endif]-->`,
			want: "da",
		},
		{
			name: "head left open",
			html: `<html><head><title>Betreff</title><body><p>Text</p>`,
			want: "Text",
		},
		{
			name: "style inside the body",
			html: `<div><style>p { color: red }</style>Hallo</div>`,
			want: "Hallo",
		},
		{
			name: "lists nested and numbered",
			html: `<p>Punkte:</p><ol start="2"><li>zwei</li><li><p>drei</p><ul><li>a</li><li>b</li></ul></li></ol><p>Ende</p>`,
			want: "Punkte:\n\n2. zwei\n3. drei\n  - a\n  - b\n\nEnde",
		},
		{
			name: "pre keeps its white space",
			html: "<p>Code:</p><pre>  a  =  1\n  b = 2</pre><p>fertig</p>",
			want: "Code:\n\n  a  =  1\n  b = 2\n\nfertig",
		},
		{
			name: "no-break spaces are kept, other white space collapses",
			html: "<p>a&nbsp;&nbsp;&nbsp;b \n\t c</p>",
			want: "a   b c",
		},
		{
			name: "named and numeric entities",
			html: "<p>M&uuml;ller &amp; S&ouml;hne &mdash; &#x20AC;&#32;5 &quot;ok&quot;</p>",
			want: "Müller & Söhne — € 5 \"ok\"",
		},
		{
			name: "inline elements do not break",
			html: "<p>ein <b>fettes</b> <i>und</i><span> schiefes</span> Wort</p>",
			want: "ein fettes und schiefes Wort",
		},
		{
			name: "cells holding paragraphs stay on their row",
			html: "<table><tr><td><p>Pos</p></td><td><p>Preis</p></td></tr><tr><td>1</td><td>5 €</td></tr></table>",
			want: "Pos Preis\n1 5 €",
		},
		{
			name: "text without markup",
			html: "nur Text\nmit Umbruch",
			want: "nur Text mit Umbruch",
		},
		{
			name: "empty",
			html: "",
			want: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := htmlToText(tt.html); got != tt.want {
				t.Errorf("htmlToText(%q)\n got %q\nwant %q", tt.html, got, tt.want)
			}
		})
	}
}

// TestHTMLToTextOutlookMail renders an HTML body as Outlook writes it:
// conditional comments, Office namespaces, a style sheet in a comment,
// paragraphs in table cells, lists, a link whose title holds ">", and a
// script with "<" in it.
func TestHTMLToTextOutlookMail(t *testing.T) {
	in, err := os.ReadFile("testdata/html/outlook.html")
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("testdata/html/outlook.txt")
	if err != nil {
		t.Fatal(err)
	}
	got := htmlToText(string(in))
	if got != strings.TrimRight(string(want), "\n") {
		t.Errorf("htmlToText(outlook.html) =\n%s\nwant\n%s", got, want)
	}
	for _, leak := range []string{"<", "MsoNormal", "shapedefaults", "document.write", "Angebot > Details"} {
		if strings.Contains(got, leak) {
			t.Errorf("text holds %q", leak)
		}
	}
}

// TestParseHTMLOnlyMail: a mail with only an HTML body gets its text from
// the HTML, with no markup from attributes or scripts in it.
func TestParseHTMLOnlyMail(t *testing.T) {
	raw := "From: a@example.com\r\nTo: b@example.com\r\nSubject: nur HTML\r\n" +
		"Content-Type: text/html; charset=utf-8\r\n\r\n" +
		`<p><a href="https://example.com/" title="a > b">Portal</a></p><script>if(a<b){x()}</script><p>Gr&uuml;&szlig;e</p>`
	m, err := Parse(strings.NewReader(raw), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "Portal\n\nGrüße"; m.Text != want {
		t.Errorf("Text = %q, want %q", m.Text, want)
	}
}
