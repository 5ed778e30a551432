package runtime

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/dop251/goja"
)

// Binding is one entry of the env object. Value runs on the isolate's loop,
// once per isolate, while the isolate is set up.
type Binding interface {
	Value(iso *Isolate) (goja.Value, error)
}

// BindingFunc adapts a function to a Binding.
type BindingFunc func(iso *Isolate) (goja.Value, error)

// Value calls f(iso).
func (f BindingFunc) Value(iso *Isolate) (goja.Value, error) { return f(iso) }

// Var is a plain value from the config's vars: any JSON value.
func Var(v any) Binding {
	raw, err := json.Marshal(v)
	return BindingFunc(func(iso *Isolate) (goja.Value, error) {
		if err != nil {
			return nil, fmt.Errorf("var is not a JSON value: %w", err)
		}
		if s, ok := v.(string); ok {
			return iso.vm.ToValue(s), nil
		}
		return iso.parseJSON(string(raw))
	})
}

// Secret is a secret string (the same as a string Var inside the worker).
func Secret(s string) Binding {
	return BindingFunc(func(iso *Isolate) (goja.Value, error) { return iso.vm.ToValue(s), nil })
}

// FetcherBinding is a service binding such as ASSETS: env.X.fetch(req|url, init)
// calls h in-process, with no network in between.
func FetcherBinding(h http.Handler) Binding {
	return BindingFunc(func(iso *Isolate) (goja.Value, error) {
		return iso.NewFetcher(HandlerTransport(h)), nil
	})
}

func (iso *Isolate) parseJSON(s string) (goja.Value, error) {
	parse, _ := goja.AssertFunction(iso.vm.Get("JSON").ToObject(iso.vm).Get("parse"))
	return parse(goja.Undefined(), iso.vm.ToValue(s))
}
