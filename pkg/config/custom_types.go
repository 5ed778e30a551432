package config

import (
	"encoding/json"
	"fmt"

	"github.com/invopop/jsonschema"
)

// MarshalJSON writes the form the user wrote: a list of routes, or a boolean.
func (r RunWorkerFirst) MarshalJSON() ([]byte, error) {
	if len(r.Routes) > 0 {
		return json.Marshal(r.Routes)
	}
	return json.Marshal(r.All)
}

// UnmarshalJSON accepts true, false or a list of route patterns.
func (r *RunWorkerFirst) UnmarshalJSON(b []byte) error {
	var all bool
	if err := json.Unmarshal(b, &all); err == nil {
		*r = RunWorkerFirst{All: all}
		return nil
	}
	var routes []string
	if err := json.Unmarshal(b, &routes); err != nil {
		return fmt.Errorf("run_worker_first: expected boolean or list of strings, got %s", b)
	}
	*r = RunWorkerFirst{Routes: routes}
	return nil
}

// IsZero lets `omitzero` and reflection see an unset value.
func (r RunWorkerFirst) IsZero() bool { return !r.All && len(r.Routes) == 0 }

// JSONSchema describes both accepted forms to editors.
func (RunWorkerFirst) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{
		Description: "Send every request (true) or the requests matching these route patterns (\"!\" excludes) to the worker before looking for an asset",
		OneOf: []*jsonschema.Schema{
			{Type: "boolean"},
			{Type: "array", Items: &jsonschema.Schema{Type: "string", Pattern: "^!?/"}},
		},
	}
}

// UnmarshalJSON accepts a string or a list of strings.
func (l *StringList) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*l = StringList{s}
		return nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return fmt.Errorf("expected string or list of strings, got %s", b)
	}
	*l = list
	return nil
}

// JSONSchema describes both accepted forms to editors.
func (StringList) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{
		OneOf: []*jsonschema.Schema{
			{Type: "string"},
			{Type: "array", Items: &jsonschema.Schema{Type: "string"}},
		},
	}
}
