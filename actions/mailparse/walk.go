package mailparse

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"mime"
	"path"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

type parser struct {
	m       *Mail
	opts    Options
	text    strings.Builder
	html    strings.Builder
	nAttach int
	textCut bool
	htmlCut bool
}

// altState remembers which renditions a multipart/alternative already gave.
type altState struct{ plain, html bool }

func childPart(parent string, n int) string {
	if parent == "" {
		return strconv.Itoa(n)
	}
	return parent + "." + strconv.Itoa(n)
}

// walk handles one entity: its header h and its still encoded body.
func (p *parser) walk(h header, body io.Reader, part string, depth int, alt *altState) error {
	m := p.m
	ctype, params := mediaType(h.get("Content-Type"), "Content-Type", part, m)
	if ctype != "" && (!strings.Contains(ctype, "/") || strings.ContainsAny(ctype, " \t\"")) {
		guess := "text/plain"
		for _, prefix := range []string{"application", "image", "audio", "video"} {
			if strings.HasPrefix(ctype, prefix) {
				guess = "application/octet-stream"
			}
		}
		m.problemf("invalid Content-Type %q in %s (read as %s)", clip(ctype, 40), partName(part), guess)
		ctype = guess
	}
	if ctype == "" {
		ctype = "text/plain"
	}
	disp, dparams := mediaType(h.get("Content-Disposition"), "Content-Disposition", part, m)
	cte := h.get("Content-Transfer-Encoding")
	filename := dparams["filename"]
	if filename == "" {
		filename = params["name"]
	}

	if strings.HasPrefix(ctype, "multipart/") {
		boundary := params["boundary"]
		switch {
		case boundary == "":
			m.problemf("multipart without boundary in %s (read as text)", partName(part))
			ctype = "text/plain"
		case depth >= maxDepth:
			m.problemf("multipart nested deeper than %d in %s (kept as attachment)", maxDepth, partName(part))
			return p.attachment(h, ctype, disp, filename, cte, body, part)
		default:
			return p.multipart(ctype, boundary, body, part, depth, alt)
		}
	}
	if (ctype == "text/plain" || ctype == "text/html") && disp != "attachment" && filename == "" {
		return p.readText(ctype, params["charset"], cte, body, part, alt)
	}
	return p.attachment(h, ctype, disp, filename, cte, body, part)
}

func (p *parser) multipart(ctype, boundary string, body io.Reader, part string, depth int, alt *altState) error {
	mr := newMultipartReader(body, boundary, p.opts.MaxText)
	defer mr.release()
	if ctype == "multipart/alternative" {
		alt = &altState{}
	}
	for n := 1; ; n++ {
		pr, err := mr.next()
		if err != nil {
			return err
		}
		if pr == nil {
			break
		}
		child := childPart(part, n)
		hr := getReader(&readers4K, pr)
		ch, cbody, err := readHeader(hr, p.m, false)
		if err == nil {
			err = p.walk(ch, cbody, child, depth+1, alt)
		}
		putReader(&readers4K, hr)
		if err != nil {
			return err
		}
	}
	switch {
	case !mr.started:
		p.m.problemf("no boundary line in multipart body of %s (read as text)", partName(part))
		return p.readText("text/plain", "", "", bytes.NewReader(mr.preamble), part, nil)
	case !mr.closed:
		p.m.problemf("missing closing boundary in %s", partName(part))
	}
	_, err := io.Copy(io.Discard, mr.br) // epilogue
	return err
}

// readText decodes a text/plain or text/html body into Mail.Text/HTML.
func (p *parser) readText(ctype, cs, cte string, body io.Reader, part string, alt *altState) error {
	isHTML := ctype == "text/html"
	sb, limit, cut := &p.text, p.opts.MaxText, &p.textCut
	if isHTML {
		sb, limit, cut = &p.html, p.opts.MaxHTML, &p.htmlCut
	}
	skip := false
	if alt != nil {
		if isHTML {
			skip, alt.html = alt.html, true
		} else {
			skip, alt.plain = alt.plain, true
		}
	}
	dec, b64 := transferDecoder(cte, body, part, p.m)
	defer putBase64Reader(b64)
	room := limit - sb.Len()
	if skip || room < 0 {
		room = 0
	}
	data, release, err := readAllPooled(io.LimitReader(dec, int64(room)+1))
	defer release()
	if err != nil {
		return err
	}
	if len(data) > room {
		data = data[:room]
		if !skip {
			*cut = true
		}
		if _, err := io.Copy(io.Discard, dec); err != nil {
			return err
		}
	}
	p.base64Problem(b64, part)
	if skip || len(data) == 0 {
		return nil
	}
	s, problem := decodeCharset(cs, data, partName(part))
	if problem != "" {
		p.m.problemf("%s", problem)
	}
	if !isHTML {
		rest, err := p.takeUUFiles(s, part)
		if err != nil {
			return err
		}
		if rest != s && strings.TrimSpace(rest) == "" {
			return nil // the body was only files
		}
		s = rest
	}
	if sb.Len() > 0 && !isHTML {
		if !strings.HasSuffix(sb.String(), "\n") {
			sb.WriteString("\n")
		}
		sb.WriteString("\n")
	}
	sb.WriteString(s)
	return nil
}

func (p *parser) base64Problem(b *base64Reader, part string) {
	if b != nil && b.Invalid > 0 {
		p.m.problemf("malformed base64 in %s: %d invalid bytes skipped", partName(part), b.Invalid)
	}
}

// attachment streams one attachment through the hash and the callback.
func (p *parser) attachment(h header, ctype, disp, filename, cte string, body io.Reader, part string) error {
	p.nAttach++
	if part == "" {
		part = "1"
	}
	a := &Attachment{
		ContentType: ctype,
		ContentID:   sanitize(msgID(h.get("Content-ID"))),
		Part:        part,
	}
	a.Inline = disp == "inline" || (disp == "" && a.ContentID != "")
	dec, b64 := transferDecoder(cte, body, part, p.m)
	defer putBase64Reader(b64)
	var content io.Reader = dec
	a.Name = cleanFilename(filename)
	if a.Name == "" && (ctype == "message/rfc822" || ctype == "message/global") {
		br := bufio.NewReaderSize(dec, 16<<10)
		if subj := nestedSubject(br); subj != "" {
			a.Name = cleanFilename(subj + ".eml")
		}
		content = br
	}
	if a.Name == "" {
		a.Name = fmt.Sprintf("attachment-%d%s", p.nAttach, extensionFor(ctype))
	}
	if err := p.emit(a, content, part); err != nil {
		return err
	}
	p.base64Problem(b64, part)
	return nil
}

// emit streams an attachment's content through the hash and the callback
// and adds it to the mail.
func (p *parser) emit(a *Attachment, content io.Reader, part string) error {
	if p.opts.StoreAttachment != nil {
		if err := p.storeAttachment(a, content, part); err != nil {
			return err
		}
	} else {
		hr := NewHashingReader(content)
		if p.opts.Attachment != nil {
			if err := p.opts.Attachment(a, hr); err != nil {
				return fmt.Errorf("attachment %q (%s): %w", a.Name, partName(part), err)
			}
		}
		if _, err := io.Copy(io.Discard, hr); err != nil {
			return err
		}
		a.Size, a.SHA256 = hr.Size(), hr.Sum()
	}
	p.m.Attachments = append(p.m.Attachments, a)
	return nil
}

// takeUUFiles turns the uuencoded blocks of a plain text body into
// attachments named by their begin lines and returns the text without
// them; a block that cannot be decoded stays in the text, with a problem.
func (p *parser) takeUUFiles(text, part string) (string, error) {
	rest, files, broken := extractUUFiles(text)
	for _, err := range broken {
		p.m.problemf("%v in %s (kept as text)", err, partName(part))
	}
	if part == "" {
		part = "1"
	}
	for _, f := range files {
		p.nAttach++
		a := &Attachment{Name: cleanFilename(f.name), Part: part, ContentType: "application/octet-stream"}
		if a.Name == "" {
			a.Name = fmt.Sprintf("attachment-%d.bin", p.nAttach)
		}
		if t := mime.TypeByExtension(path.Ext(a.Name)); t != "" {
			a.ContentType, _, _ = mime.ParseMediaType(t)
		}
		if err := p.emit(a, bytes.NewReader(f.data), part); err != nil {
			return "", err
		}
	}
	return rest, nil
}

// storeAttachment hands content to Options.StoreAttachment and takes the
// hash and size it reports, after checking that they cover all of content.
func (p *parser) storeAttachment(a *Attachment, content io.Reader, part string) error {
	cr := &countingReader{r: content}
	sha, size, err := p.opts.StoreAttachment(a, cr)
	if err != nil {
		return fmt.Errorf("attachment %q (%s): %w", a.Name, partName(part), err)
	}
	read := cr.n
	left, err := io.Copy(io.Discard, cr)
	if err != nil {
		return err
	}
	if left > 0 || size != read {
		return fmt.Errorf("attachment %q (%s): stored %d bytes (reported %d) of %d", a.Name, partName(part), read, size, read+left)
	}
	a.Size, a.SHA256 = size, sha
	return nil
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// nestedSubject reads the Subject of an attached message from the buffered
// start of its content without consuming it.
func nestedSubject(br *bufio.Reader) string {
	peek, _ := br.Peek(br.Size())
	if len(peek) == 0 {
		return ""
	}
	scratch := &Mail{}
	h, _, err := readHeader(bufio.NewReader(bytes.NewReader(peek)), scratch, true)
	if err != nil {
		return ""
	}
	return decodeHeaderText(h.get("Subject"), scratch)
}

// cleanFilename keeps the base name, drops control characters and bounds
// the length.
func cleanFilename(name string) string {
	name = sanitize(name)
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, name)
	name = strings.Trim(strings.TrimSpace(name), ".")
	if len(name) > 200 {
		ext := path.Ext(name)
		if len(ext) > 20 {
			ext = ""
		}
		cut := 200 - len(ext)
		for cut > 0 && !utf8.RuneStart(name[cut]) {
			cut--
		}
		name = name[:cut] + ext
	}
	return name
}

var extensions = map[string]string{
	"application/pdf":                  ".pdf",
	"application/octet-stream":         ".bin",
	"image/jpeg":                       ".jpg",
	"image/png":                        ".png",
	"image/gif":                        ".gif",
	"text/plain":                       ".txt",
	"text/html":                        ".html",
	"text/calendar":                    ".ics",
	"text/csv":                         ".csv",
	"message/rfc822":                   ".eml",
	"message/global":                   ".eml",
	"message/delivery-status":          ".txt",
	"message/disposition-notification": ".txt",
	"text/rfc822-headers":              ".txt",
	"application/pgp-signature":        ".asc",
	"application/pkcs7-signature":      ".p7s",
	"application/ms-tnef":              ".dat",
}

func extensionFor(ctype string) string {
	if ext, ok := extensions[ctype]; ok {
		return ext
	}
	if exts, err := mime.ExtensionsByType(ctype); err == nil && len(exts) > 0 {
		return exts[0]
	}
	if strings.HasPrefix(ctype, "text/") {
		return ".txt"
	}
	return ".bin"
}

// finish fills Text and HTML and applies the caps.
func (p *parser) finish() {
	m := p.m
	m.HTML = p.html.String()
	m.Text = strings.ReplaceAll(p.text.String(), "\r\n", "\n")
	if strings.TrimSpace(m.Text) == "" && m.HTML != "" {
		m.Text = htmlToText(m.HTML)
		m.textFromHTML = true
	}
	if len(m.Text) > p.opts.MaxText {
		m.Text = cutUTF8(m.Text, p.opts.MaxText)
		p.textCut = true
	}
	if len(m.HTML) > p.opts.MaxHTML {
		m.HTML = cutUTF8(m.HTML, p.opts.MaxHTML)
		p.htmlCut = true
	}
	if p.textCut {
		m.problemf("text body longer than %d bytes (cut)", p.opts.MaxText)
	}
	if p.htmlCut {
		m.problemf("HTML body longer than %d bytes (cut)", p.opts.MaxHTML)
	}
}

func cutUTF8(s string, n int) string {
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
