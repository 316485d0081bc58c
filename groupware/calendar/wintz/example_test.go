package wintz_test

import (
	"fmt"

	"github.com/wfehq/wfe/groupware/calendar/wintz"
)

func Example() {
	iana, _ := wintz.IANA("W. Europe Standard Time")
	windows, _ := wintz.Windows("Europe/Vienna")
	_, err := wintz.IANA("Mars Standard Time")
	fmt.Println(iana)
	fmt.Println(windows)
	fmt.Println(err)
	// Output:
	// Europe/Berlin
	// W. Europe Standard Time
	// wintz: Windows time zone "Mars Standard Time" is not in the CLDR table: unknown time zone
}
