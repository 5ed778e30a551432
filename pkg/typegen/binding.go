package typegen

import (
	"fmt"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/valet-dev/valet/pkg/config"
)

// Binding is one member of a generated Env interface.
type Binding struct {
	Name     string
	Type     string
	Optional bool
}

// envBindings maps each binding of one resolved configuration to its type.
// Secrets come last so that a secret shadowing a var types as the string it
// is at run time.
func envBindings(c *config.Config, mainImport string, secrets []string) (map[string]string, error) {
	out := map[string]string{}
	for _, name := range sortedKeys(c.Vars) {
		t, err := literalType(c.Vars[name])
		if err != nil {
			return nil, fmt.Errorf("vars.%s: %w", name, err)
		}
		out[name] = t
	}
	if c.DurableObjects != nil {
		for _, b := range c.DurableObjects.Bindings {
			out[b.Name] = durableObjectType(b, c.Name, mainImport)
		}
	}
	if c.Assets != nil && c.Assets.Binding != "" {
		out[c.Assets.Binding] = "Fetcher"
	}
	for _, s := range secrets {
		out[s] = "string"
	}
	return out, nil
}

// durableObjectType types a namespace by the class the worker exports, so
// stubs carry the class's RPC methods. A class of another worker
// (script_name) cannot be imported; wrangler leaves it untyped the same way.
func durableObjectType(b config.DurableObjectBinding, workerName, mainImport string) string {
	if b.ScriptName != "" && b.ScriptName != workerName {
		return fmt.Sprintf("DurableObjectNamespace /* %s from %s */", b.ClassName, b.ScriptName)
	}
	if mainImport == "" || !isIdentifier(b.ClassName) {
		return fmt.Sprintf("DurableObjectNamespace /* %s */", b.ClassName)
	}
	return fmt.Sprintf("DurableObjectNamespace<import(%q).%s>", mainImport, b.ClassName)
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

func isIdentifier(s string) bool {
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
