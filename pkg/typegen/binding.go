package typegen

import (
	"fmt"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/valet-dev/valet/pkg/bindings"
	"github.com/valet-dev/valet/pkg/config"
)

// Binding is one member of a generated Env interface.
type Binding struct {
	Name     string
	Type     string
	Optional bool
	Text     bool // a var or a secret: process.env has it too
}

// envBindings maps each binding of one resolved configuration to its type,
// through the binding registry.
func envBindings(c *config.Config, mainImport string, secrets []string, workers map[string]string) (map[string]string, error) {
	return bindings.Types(c, secrets, bindings.TypeContext{MainImport: mainImport, WorkerName: c.Name, Workers: workers})
}

// importPath is `main` as a module specifier relative to the output file:
// forward slashes, extension dropped, "./" in front of a sibling path.
func importPath(configDir, main, output string) (string, error) {
	if main == "" {
		return "", nil
	}
	abs := main
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(configDir, main)
	}
	rel, err := filepath.Rel(filepath.Dir(output), abs)
	if err != nil {
		return "", fmt.Errorf("main %s relative to %s: %w", main, output, err)
	}
	rel = filepath.ToSlash(rel)
	switch ext := filepath.Ext(rel); ext {
	case ".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs":
		rel = strings.TrimSuffix(rel, ext)
	}
	if !strings.HasPrefix(rel, "../") && !strings.HasPrefix(rel, "/") {
		rel = "./" + rel
	}
	return rel, nil
}

// propertyName quotes a binding name that is not a plain identifier
// ("MY-VAR" is a valid var name in wrangler but not a TS identifier).
func propertyName(name string) string {
	if isIdentifier(name) {
		return name
	}
	return fmt.Sprintf("%q", name)
}

func isIdentifier(s string) bool { return bindings.IsIdentifier(s) }

// interfaceName names a named environment's interface as wrangler does:
// "staging" → StagingEnv, "eu-west" → EuWestEnv.
func interfaceName(env string) string {
	var b strings.Builder
	upper := true
	for _, r := range env {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			upper = true
			continue
		}
		if upper {
			r = unicode.ToUpper(r)
			upper = false
		}
		b.WriteRune(r)
	}
	name := b.String()
	if name == "" || unicode.IsDigit(rune(name[0])) {
		name = "_" + name
	}
	return name + "Env"
}
