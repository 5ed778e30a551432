package typegen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// literalType renders a var's value as the TypeScript type wrangler gives
// it: strings, numbers and booleans as literal types, objects and arrays as
// their JSON text, which TypeScript reads as an object type with literal
// members and tuples. Keys come out sorted so the output is deterministic.
func literalType(v any) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// TypeScript reads "<" fine; \u003c would only make the file harder to read.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", fmt.Errorf("render var value %v as a type: %w", v, err)
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

// union joins distinct types in first-seen order.
func union(types []string) string {
	var out []string
	seen := map[string]bool{}
	for _, t := range types {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return strings.Join(out, " | ")
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
