package conformance

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// moduleRulesConfigs are the configs of testdata/conformance/module-rules:
// wrangler's default rules, a rule of the user's (.html as Data),
// preserve_file_names, find_additional_modules with ESModule and CommonJS
// rules, and no_bundle.
var moduleRulesConfigs = []string{
	"wrangler.jsonc",
	"data-html.wrangler.jsonc",
	"preserve.wrangler.jsonc",
	"additional.wrangler.jsonc",
	"nobundle.wrangler.jsonc",
}

// TestWranglerModuleRules compares valet dev's answers on each config with
// those wrangler dev 4.86 gave (record.sh beside the fixture records them).
func TestWranglerModuleRules(t *testing.T) {
	for _, cfg := range moduleRulesConfigs {
		t.Run(cfg, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "conformance", "module-rules", "wrangler-answers", strings.TrimSuffix(cfg, ".jsonc")+".json"))
			if err != nil {
				t.Fatalf("no recording of wrangler dev for %s: %v", cfg, err)
			}
			var rec struct {
				Wrangler string `json:"wrangler"`
				Answers  []struct {
					Path   string `json:"path"`
					Status int    `json:"status"`
					Body   string `json:"body"`
				} `json:"answers"`
			}
			if err := json.Unmarshal(b, &rec); err != nil || len(rec.Answers) == 0 {
				t.Fatalf("recording of %s: %v", cfg, err)
			}
			d := startDev(t, "module-rules", cfg)
			for _, a := range rec.Answers {
				if r := d.get(t, a.Path); r.StatusCode != a.Status || r.body != a.Body {
					t.Errorf("GET %s = %d %s\n  wrangler dev %s: %d %s", a.Path, r.StatusCode, r.body, rec.Wrangler, a.Status, a.Body)
				}
			}
		})
	}
}
