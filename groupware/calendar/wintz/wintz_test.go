package wintz

import (
	"errors"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the same zone database on every host
)

// TestEveryTableZoneLoads checks every IANA zone of every CLDR entry
// against the zone database, one subtest per entry.
func TestEveryTableZoneLoads(t *testing.T) {
	ms := Mappings()
	if len(ms) < 400 {
		t.Fatalf("table holds %d entries, want the whole CLDR table (500)", len(ms))
	}
	for _, m := range ms {
		t.Run(m.Windows+"/"+m.Territory, func(t *testing.T) {
			for _, z := range m.IANA {
				if _, err := time.LoadLocation(z); err != nil {
					t.Errorf("%s (%s): IANA zone %q does not load: %v", m.Windows, m.Territory, z, err)
				}
			}
		})
	}
}

// TestEveryWindowsZoneRoundTrips maps each Windows zone (territory 001) to
// IANA and back.
func TestEveryWindowsZoneRoundTrips(t *testing.T) {
	n := 0
	for _, m := range Mappings() {
		if m.Territory != "001" {
			continue
		}
		n++
		iana, err := IANA(m.Windows)
		if err != nil || iana != m.IANA[0] {
			t.Errorf("IANA(%q) = %q, %v; want %q", m.Windows, iana, err, m.IANA[0])
			continue
		}
		if back, err := Windows(iana); err != nil || back != m.Windows {
			t.Errorf("Windows(%q) = %q, %v; want %q", iana, back, err, m.Windows)
		}
	}
	if n != 139 {
		t.Errorf("%d Windows zones with a territory 001 entry, the CLDR table has 139", n)
	}
}

// TestEveryTerritoryZoneHasAWindowsName checks that each zone listed for a
// territory maps to a Windows zone that lists it or whose 001 zone it is.
func TestEveryTerritoryZoneHasAWindowsName(t *testing.T) {
	listedUnder := map[string]map[string]bool{}
	for _, m := range Mappings() {
		for _, z := range m.IANA {
			if listedUnder[z] == nil {
				listedUnder[z] = map[string]bool{}
			}
			listedUnder[z][m.Windows] = true
		}
	}
	for z, names := range listedUnder {
		w, err := Windows(z)
		if err != nil || !names[w] {
			t.Errorf("Windows(%q) = %q, %v; want one of %v", z, w, err, names)
		}
	}
}

func TestKnownPairs(t *testing.T) {
	tests := []struct{ windows, iana string }{
		{"W. Europe Standard Time", "Europe/Berlin"},
		{"GMT Standard Time", "Europe/London"},
		{"Eastern Standard Time", "America/New_York"},
		{"UTC", "Etc/UTC"},
		{"India Standard Time", "Asia/Calcutta"},
	}
	for _, tt := range tests {
		if got, err := IANA(tt.windows); err != nil || got != tt.iana {
			t.Errorf("IANA(%q) = %q, %v; want %q", tt.windows, got, err, tt.iana)
		}
		if got, err := Windows(tt.iana); err != nil || got != tt.windows {
			t.Errorf("Windows(%q) = %q, %v; want %q", tt.iana, got, err, tt.windows)
		}
	}
}

func TestOtherNamesOfTheSameZone(t *testing.T) {
	tests := []struct{ iana, windows string }{
		{"Europe/Vienna", "W. Europe Standard Time"}, // territory AT
		{"Europe/Busingen", "W. Europe Standard Time"},
		{"Asia/Kolkata", "India Standard Time"}, // current name of Asia/Calcutta
		{"Europe/Kyiv", "FLE Standard Time"},
		{"UTC", "UTC"},
	}
	for _, tt := range tests {
		if got, err := Windows(tt.iana); err != nil || got != tt.windows {
			t.Errorf("Windows(%q) = %q, %v; want %q", tt.iana, got, err, tt.windows)
		}
	}
}

func TestAliasesPointIntoTheTable(t *testing.T) {
	for current, old := range aliases {
		if _, ok := zones.toWindows[old]; !ok {
			t.Errorf("alias %q → %q: %q is not in the table", current, old, old)
		}
		if _, err := time.LoadLocation(current); err != nil {
			t.Errorf("alias %q does not load: %v", current, err)
		}
	}
}

func TestWindowsNameIgnoresCase(t *testing.T) {
	if got, err := IANA("w. europe standard time"); err != nil || got != "Europe/Berlin" {
		t.Errorf("IANA(lower case) = %q, %v", got, err)
	}
}

func TestUnknownNames(t *testing.T) {
	tests := []struct {
		name string
		call func(string) (string, error)
		arg  string
	}{
		{"unknown Windows zone", IANA, "Mars Standard Time"},
		{"IANA name given as Windows name", IANA, "Europe/Berlin"},
		{"empty Windows name", IANA, ""},
		{"unknown IANA zone", Windows, "Mars/Olympus_Mons"},
		{"Windows name given as IANA name", Windows, "W. Europe Standard Time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.call(tt.arg)
			if !errors.Is(err, ErrUnknownZone) || got != "" {
				t.Fatalf("got %q, %v; want ErrUnknownZone", got, err)
			}
			if !strings.Contains(err.Error(), "\""+tt.arg+"\"") {
				t.Errorf("error %q does not name the zone %q", err, tt.arg)
			}
		})
	}
	if IsWindows("Europe/Berlin") || !IsWindows("UTC") {
		t.Error("IsWindows disagrees with the table")
	}
}

func TestParseRejectsBrokenData(t *testing.T) {
	tests := map[string]string{
		"not XML":      "<supplementalData>",
		"no 001 entry": `<supplementalData><windowsZones><mapTimezones><mapZone other="X" territory="DE" type="Europe/Berlin"/></mapTimezones></windowsZones></supplementalData>`,
		"empty type":   `<supplementalData><windowsZones><mapTimezones><mapZone other="X" territory="001" type=" "/></mapTimezones></windowsZones></supplementalData>`,
	}
	for name, data := range tests {
		if _, err := parse([]byte(data)); err == nil {
			t.Errorf("%s: parse accepted it", name)
		}
	}
	if Version() == "" {
		t.Error("Version is empty")
	}
}
