package wintz

// aliases maps current IANA names to the older names CLDR keeps as its
// ids for the same zones (the tz database lists both, one as a link to the
// other). Only zones the CLDR table names by an older id are listed.
var aliases = map[string]string{
	"UTC":                            "Etc/UTC",
	"Etc/UCT":                        "Etc/UTC",
	"Etc/Zulu":                       "Etc/UTC",
	"Asia/Kolkata":                   "Asia/Calcutta",
	"Asia/Kathmandu":                 "Asia/Katmandu",
	"Asia/Yangon":                    "Asia/Rangoon",
	"Asia/Ho_Chi_Minh":               "Asia/Saigon",
	"Europe/Kyiv":                    "Europe/Kiev",
	"America/Nuuk":                   "America/Godthab",
	"America/Argentina/Buenos_Aires": "America/Buenos_Aires",
	"America/Argentina/Catamarca":    "America/Catamarca",
	"America/Argentina/Cordoba":      "America/Cordoba",
	"America/Argentina/Jujuy":        "America/Jujuy",
	"America/Argentina/Mendoza":      "America/Mendoza",
	"America/Indiana/Indianapolis":   "America/Indianapolis",
	"America/Kentucky/Louisville":    "America/Louisville",
	"America/Atikokan":               "America/Coral_Harbour",
	"Atlantic/Faroe":                 "Atlantic/Faeroe",
	"Africa/Asmara":                  "Africa/Asmera",
	"Pacific/Chuuk":                  "Pacific/Truk",
	"Pacific/Pohnpei":                "Pacific/Ponape",
	"Pacific/Kanton":                 "Pacific/Enderbury",
}
