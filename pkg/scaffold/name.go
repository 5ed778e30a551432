package scaffold

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
)

// DefaultName names the app when neither a name nor a directory says one.
const DefaultName = "valet-app"

// A name becomes the npm package name, the worker's name and part of
// container names, so it takes the strictest of their rules: wrangler's
// worker names (lowercase letters, digits and dashes, at most 63).
var namePattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// ValidateName reports whether name can name an app.
func ValidateName(name string) error {
	if namePattern.MatchString(name) {
		return nil
	}
	hint := "use lowercase letters, digits and dashes, at most 63, not starting or ending with a dash"
	if s := NameFromDir(name); s != "" && s != DefaultName {
		hint += fmt.Sprintf(", e.g. %q", s)
	}
	return &InputError{Err: fmt.Errorf("invalid app name %q: %s", name, hint)}
}

// NameFromDir derives a valid app name from a directory path: its base
// name, lowercased, with runs of other characters turned into one dash.
// It returns DefaultName when nothing usable is left.
func NameFromDir(dir string) string {
	base := filepath.Base(filepath.Clean(dir))
	if dir == "" || base == "." || base == "/" || base == string(filepath.Separator) {
		return DefaultName
	}
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(base) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		default:
			if !dash && b.Len() > 0 {
				b.WriteByte('-')
				dash = true
			}
		}
	}
	name := strings.Trim(b.String(), "-")
	if len(name) > 63 {
		name = strings.Trim(name[:63], "-")
	}
	if name == "" {
		return DefaultName
	}
	return name
}
