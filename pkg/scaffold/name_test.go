package scaffold

import (
	"strings"
	"testing"
)

func TestValidateName(t *testing.T) {
	for _, ok := range []string{"a", "my-app", "app2", "0", strings.Repeat("a", 63)} {
		if err := ValidateName(ok); err != nil {
			t.Errorf("ValidateName(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "-app", "app-", "My-App", "my_app", "my app", "my.app", strings.Repeat("a", 64), "über"} {
		if err := ValidateName(bad); err == nil {
			t.Errorf("ValidateName(%q) accepted", bad)
		}
	}
}

func TestNameFromDir(t *testing.T) {
	tests := map[string]string{
		"app":                    "app",
		"/home/me/My Cool App":   "my-cool-app",
		"./projects/shop_front/": "shop-front",
		"--x--":                  "x",
		"":                       DefaultName,
		".":                      DefaultName,
		"/":                      DefaultName,
		"日本":                     DefaultName,
		"v1.2":                   "v1-2",
		strings.Repeat("ab", 40): strings.Repeat("ab", 31) + "a",
	}
	for dir, want := range tests {
		got := NameFromDir(dir)
		if got != want {
			t.Errorf("NameFromDir(%q) = %q, want %q", dir, got, want)
		}
		if err := ValidateName(got); err != nil {
			t.Errorf("NameFromDir(%q) = %q, which is invalid: %v", dir, got, err)
		}
	}
}
