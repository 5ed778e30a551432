package config

//go:generate go run ./internal/genschema -o ../../schema/valet.schema.json

import (
	"encoding/json"
	"fmt"

	"github.com/invopop/jsonschema"

	"github.com/valet-dev/valet/schema"
)

// Schema returns the JSON Schema of the config, as embedded in the binary.
func Schema() []byte { return schema.JSON() }

// GenerateSchema builds the JSON Schema from the Go types and their tags;
// go generate writes it to schema/valet.schema.json and a test checks that
// the committed copy is current.
func GenerateSchema() ([]byte, error) {
	r := &jsonschema.Reflector{RequiredFromJSONSchemaTags: true}
	s := r.Reflect(&Config{})
	s.ID = "" // the file is used by path, not fetched by URL
	s.Title = "valet configuration"
	s.Description = "valet.jsonc: wrangler's configuration keys, plus valet's frontend and deploy"

	// Keys valet reads past with a warning stay valid in editors, marked
	// deprecated so that they show as ignored rather than as mistakes.
	for t := range knownInfos() {
		keys := unsupportedKeys(t)
		if len(keys) == 0 {
			continue
		}
		d, ok := s.Definitions[t.Name()]
		if !ok {
			return nil, fmt.Errorf("generate schema: no definition for %s", t.Name())
		}
		for _, k := range keys {
			d.Properties.Set(k, &jsonschema.Schema{
				Description: "wrangler key not supported by valet yet; valet ignores it with a warning",
				Deprecated:  true,
			})
		}
	}
	// A container's instance_type may also be wrangler's custom object.
	if c, ok := s.Definitions["Container"]; ok {
		if it, ok := c.Properties.Get("instance_type"); ok {
			c.Properties.Set("instance_type", &jsonschema.Schema{
				Description: "Preset size of the container, or a custom {vcpu, memory_mib, disk_mb} (ignored by valet)",
				AnyOf:       []*jsonschema.Schema{it, {Type: "object"}},
			})
		}
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("generate schema: %w", err)
	}
	return append(b, '\n'), nil
}
