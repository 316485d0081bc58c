package calendar

import (
	"strings"

	"golang.org/x/net/html"
)

// bodyText gives the plain text of a Graph body; HTML is reduced to its
// text, with line breaks for <br> and block elements.
func bodyText(b *GraphBody) string {
	if b == nil {
		return ""
	}
	if !strings.EqualFold(b.ContentType, "html") {
		return b.Content
	}
	return htmlText(b.Content)
}

var blockElements = map[string]bool{"br": true, "p": true, "div": true, "li": true, "tr": true, "h1": true, "h2": true, "h3": true}

func htmlText(src string) string {
	z := html.NewTokenizer(strings.NewReader(src))
	var b strings.Builder
	skip := 0 // inside <script>, <style> or <head>
	for {
		switch z.Next() {
		case html.ErrorToken:
			return collapseSpaces(b.String())
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			skip += hiddenDelta(string(name), 1)
			if blockElements[string(name)] && b.Len() > 0 {
				b.WriteString("\n")
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			skip += hiddenDelta(string(name), -1)
		}
	}
}

// collapseSpaces folds runs of spaces within each line, as a browser
// would, and drops empty lines at both ends.
func collapseSpaces(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.Join(strings.Fields(l), " ")
	}
	return strings.Trim(strings.Join(lines, "\n"), "\n")
}

func hiddenDelta(tag string, d int) int {
	if tag == "script" || tag == "style" || tag == "head" {
		return d
	}
	return 0
}

func textBody(s string) *GraphBody {
	if s == "" {
		return nil
	}
	return &GraphBody{ContentType: "text", Content: s}
}
