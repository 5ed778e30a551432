package config

import "testing"

func TestSuggest(t *testing.T) {
	keys := []string{"name", "main", "compatibility_date", "compatibility_flags", "durable_objects", "not_found_handling", "class_name"}
	for in, want := range map[string]string{
		"compatability_date":  "compatibility_date",  // substitution
		"compatibility_falgs": "compatibility_flags", // transposition
		"nmae":                "name",
		"durable_object":      "durable_objects", // deletion
		"className":           "class_name",      // camelCase
		"CLASS-NAME":          "class_name",
		"not_found":           "not_found_handling", // cut short
		"frobnicate":          "",
		"x":                   "",
		"mian":                "main",
	} {
		if got := suggest(in, keys); got != want {
			t.Errorf("suggest(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDamerau(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"a", "", 1}, {"ab", "ba", 1}, {"kitten", "sitting", 3}, {"abc", "abc", 0}, {"ca", "abc", 3},
	} {
		if got := damerau(tt.a, tt.b); got != tt.want {
			t.Errorf("damerau(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestDidYouMean(t *testing.T) {
	if got := didYouMean("zzz", []string{"a", "b"}, nil, "valid keys here"); got != `valid keys here: "a", "b"` {
		t.Errorf("short list: %q", got)
	}
	if got := didYouMean("kv_namespace", []string{"name"}, []string{"kv_namespaces"}, "keys"); got != `did you mean "kv_namespaces"?` {
		t.Errorf("extra candidates: %q", got)
	}
}
