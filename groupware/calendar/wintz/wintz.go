// Package wintz maps Windows time zone names (as Microsoft Graph and
// Exchange speak them: "W. Europe Standard Time") to IANA zone names
// ("Europe/Berlin") and back.
//
// The table is CLDR's windowsZones data (windowsZones.xml beside this
// file, under the Unicode licence: see LICENSE-CLDR.txt), embedded and
// read once. A Windows name maps to the zone of its territory "001"
// entry, the zone CLDR names for the whole Windows zone. An IANA name maps
// to the Windows zone of any entry that lists it, so "Europe/Vienna" gives
// "W. Europe Standard Time" as well. CLDR keeps some older tz names as its
// ids ("Asia/Calcutta", "Europe/Kiev"); the current names of those zones
// are accepted too (see aliases.go).
//
// To update the table, replace windowsZones.xml with a newer copy of CLDR's
// common/supplemental/windowsZones.xml and run the tests: they check every
// entry against the zone database.
package wintz

import (
	_ "embed"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
)

// ErrUnknownZone is wrapped by every error for a name the table lacks.
var ErrUnknownZone = errors.New("unknown time zone")

// Mapping is one mapZone entry of the CLDR table: the IANA zones used for
// a Windows zone in one territory ("001" is the whole world, "ZZ" the
// fixed-offset Etc zones).
type Mapping struct {
	Windows   string
	Territory string
	IANA      []string
}

//go:embed windowsZones.xml
var windowsZonesXML []byte

type table struct {
	version   string
	mappings  []Mapping
	toIANA    map[string]string // Windows name → IANA zone of territory 001
	toWindows map[string]string // IANA zone → Windows name
	folded    map[string]string // lower-case Windows name → Windows name
}

var zones = mustParse(windowsZonesXML)

// IANA gives the IANA zone for a Windows zone name. The name is matched
// exactly, else without regard to case.
func IANA(windows string) (string, error) {
	if iana, ok := zones.toIANA[windows]; ok {
		return iana, nil
	}
	if exact, ok := zones.folded[strings.ToLower(windows)]; ok {
		return zones.toIANA[exact], nil
	}
	return "", fmt.Errorf("wintz: Windows time zone %q is not in the CLDR table: %w", windows, ErrUnknownZone)
}

// Windows gives the Windows zone name for an IANA zone name.
func Windows(iana string) (string, error) {
	if w, ok := zones.toWindows[iana]; ok {
		return w, nil
	}
	if old, ok := aliases[iana]; ok {
		return zones.toWindows[old], nil
	}
	return "", fmt.Errorf("wintz: IANA time zone %q has no Windows name in the CLDR table: %w", iana, ErrUnknownZone)
}

// IsWindows reports whether name is a Windows zone name of the table.
func IsWindows(name string) bool {
	_, err := IANA(name)
	return err == nil
}

// Mappings returns every entry of the table in the file's order.
func Mappings() []Mapping {
	out := make([]Mapping, len(zones.mappings))
	for i, m := range zones.mappings {
		out[i] = Mapping{Windows: m.Windows, Territory: m.Territory, IANA: append([]string(nil), m.IANA...)}
	}
	return out
}

// Version is the tz database version the CLDR table was made for.
func Version() string { return zones.version }

type xmlWindowsZones struct {
	MapTimezones struct {
		TypeVersion string `xml:"typeVersion,attr"`
		MapZones    []struct {
			Other     string `xml:"other,attr"`
			Territory string `xml:"territory,attr"`
			Type      string `xml:"type,attr"`
		} `xml:"mapZone"`
	} `xml:"windowsZones>mapTimezones"`
}

// mustParse reads the embedded table; the data ships with the binary, so a
// fault in it is a build fault and panics.
func mustParse(data []byte) *table {
	t, err := parse(data)
	if err != nil {
		panic(err)
	}
	return t
}

func parse(data []byte) (*table, error) {
	var doc xmlWindowsZones
	if err := xml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("wintz: reading windowsZones.xml: %w", err)
	}
	t := &table{version: doc.MapTimezones.TypeVersion, toIANA: map[string]string{},
		toWindows: map[string]string{}, folded: map[string]string{}}
	for i, z := range doc.MapTimezones.MapZones {
		m := Mapping{Windows: z.Other, Territory: z.Territory, IANA: strings.Fields(z.Type)}
		if m.Windows == "" || len(m.IANA) == 0 {
			return nil, fmt.Errorf("wintz: windowsZones.xml mapZone %d: empty other or type", i+1)
		}
		t.add(m)
	}
	if len(t.toIANA) == 0 {
		return nil, errors.New("wintz: windowsZones.xml holds no territory 001 entry")
	}
	return t, nil
}

func (t *table) add(m Mapping) {
	t.mappings = append(t.mappings, m)
	if m.Territory == "001" {
		t.toIANA[m.Windows] = m.IANA[0]
		t.folded[strings.ToLower(m.Windows)] = m.Windows
		// The zone CLDR names for the whole Windows zone maps back to it,
		// even where another entry listed it first.
		t.toWindows[m.IANA[0]] = m.Windows
	}
	for _, z := range m.IANA {
		if _, seen := t.toWindows[z]; !seen {
			t.toWindows[z] = m.Windows
		}
	}
}
