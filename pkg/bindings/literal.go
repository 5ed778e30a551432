package bindings

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
)

// LiteralType renders a var's value as the TypeScript type wrangler gives
// it: strings, numbers and booleans as literal types, objects and arrays as
// their JSON text, which TypeScript reads as an object type with literal
// members and tuples. Keys come out sorted so the output is deterministic.
func LiteralType(v any) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// TypeScript reads "<" fine; \u003c would only make the file harder to read.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", fmt.Errorf("render var value %v as a type: %w", v, err)
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

// IsIdentifier reports whether s is a plain JavaScript identifier.
func IsIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r == '_' || r == '$' || unicode.IsLetter(r) || (i > 0 && unicode.IsDigit(r)) {
			continue
		}
		return false
	}
	return true
}
