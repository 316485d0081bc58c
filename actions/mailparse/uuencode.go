package mailparse

import (
	"fmt"
	"regexp"
	"strings"
)

// Old mailers send files inside a plain text body as uuencoded blocks:
//
//	begin 644 report.pdf
//	M<line of 45 bytes, 60 characters>
//	`
//	end
//
// Each line starts with a character giving its decoded length (space or
// "`" for 0, "M" for 45), then four characters for every three bytes; a
// character c stands for (c-32)&63. The Go standard library has no decoder
// for this format.

// uuBegin matches the first line of a block: mode (octal) and file name.
var uuBegin = regexp.MustCompile(`^begin [0-7]{3,4} (\S.*)$`)

// uuFile is one decoded block of a text body.
type uuFile struct {
	name string
	data []byte
}

// uuBlock is a block found in a text: lines[start:end] are its lines,
// begin and end line included.
type uuBlock struct {
	start, end int
	file       uuFile
	err        error
}

// extractUUFiles takes the uuencoded blocks out of text and returns the
// text without them and the files they held. A block that cannot be
// decoded stays in the text as it is and is reported in broken.
func extractUUFiles(text string) (rest string, files []uuFile, broken []error) {
	if !strings.Contains(text, "begin ") {
		return text, nil, nil
	}
	lines := strings.SplitAfter(text, "\n")
	var kept strings.Builder
	for i := 0; i < len(lines); {
		b, ok := findUUBlock(lines, i)
		if !ok {
			kept.WriteString(lines[i])
			i++
			continue
		}
		if b.err != nil {
			broken = append(broken, b.err)
			for _, l := range lines[b.start:b.end] {
				kept.WriteString(l)
			}
		} else {
			files = append(files, b.file)
		}
		i = b.end
	}
	return kept.String(), files, broken
}

// findUUBlock reports whether lines[i] begins a block and, when it does,
// decodes the block up to its "end" line (or to the end of the text when
// that line is missing, which is an error).
func findUUBlock(lines []string, i int) (uuBlock, bool) {
	m := uuBegin.FindStringSubmatch(strings.TrimRight(lines[i], " \t\r\n"))
	if m == nil {
		return uuBlock{}, false
	}
	b := uuBlock{start: i, file: uuFile{name: m[1]}}
	for j := i + 1; j < len(lines); j++ {
		line := strings.TrimRight(lines[j], "\r\n")
		if strings.TrimRight(line, " \t") == "end" {
			b.end = j + 1
			return b, true
		}
		if b.err != nil {
			continue
		}
		var err error
		if b.file.data, err = uuDecodeLine(b.file.data, line); err != nil {
			b.err = fmt.Errorf("uuencoded file %q, line %d of the block: %w", m[1], j-i, err)
		}
	}
	b.end = len(lines)
	b.err = fmt.Errorf("uuencoded file %q: no end line", m[1])
	return b, true
}

// uuDecodeLine appends the bytes of one encoded line to dst. A line cut
// short is read as if the missing characters were spaces (mail software
// strips trailing spaces, which encode zero bits); characters after the
// last needed one (some encoders add a checksum) are ignored.
func uuDecodeLine(dst []byte, line string) ([]byte, error) {
	if line == "" {
		return dst, nil
	}
	n := int(uuValue(line[0]))
	if !uuChar(line[0]) {
		return dst, fmt.Errorf("length character %q out of range", line[0])
	}
	body := line[1:]
	need := (n + 2) / 3 * 4
	for k := 0; k < len(body) && k < need; k++ {
		if !uuChar(body[k]) {
			return dst, fmt.Errorf("character %q out of range at column %d", body[k], k+2)
		}
	}
	var quad [4]byte
	for k := 0; k < need; k += 4 {
		for q := range quad {
			quad[q] = 0
			if k+q < len(body) {
				quad[q] = uuValue(body[k+q])
			}
		}
		group := []byte{quad[0]<<2 | quad[1]>>4, quad[1]<<4 | quad[2]>>2, quad[2]<<6 | quad[3]}
		dst = append(dst, group[:min(3, n-k/4*3)]...)
	}
	return dst, nil
}

// uuChar reports whether c is one of the 64 characters of the encoding.
func uuChar(c byte) bool { return c >= ' ' && c <= '`' }

// uuValue is the six bits c stands for.
func uuValue(c byte) byte { return (c - ' ') & 63 }
