package bindings

import (
	_ "embed"

	"github.com/valet-dev/valet/pkg/workerd"
)

// AddExtension adds a module to the workerd process's extensions, once
// per name: the module of a wrapped binding, or the internal half of a
// built-in module. A nil Services ignores it (a caller that wants the
// bindings alone).
func (s *Services) AddExtension(m workerd.ExtensionModule) {
	if s == nil {
		return
	}
	for _, e := range s.extensions {
		if e.Name == m.Name {
			return
		}
	}
	s.extensions = append(s.extensions, m)
}

// Extensions returns the extension modules in the order they were added.
func (s *Services) Extensions() []workerd.ExtensionModule {
	if s == nil {
		return nil
	}
	return s.extensions
}

// wrapped is a wrapped binding: module's default export, called with
// the inner bindings, makes the value the worker sees. The module is added
// to the process's extensions.
func wrapped(name string, ctx Context, module workerd.ExtensionModule, inner ...string) workerd.Binding {
	ctx.Services.AddExtension(module)
	w := workerd.NewStruct().Text("moduleName", module.Name)
	if len(inner) > 0 {
		w.Set("innerBindings", workerd.List(inner...))
	}
	return workerd.Binding{Name: name, Member: "wrapped", Value: w.String()}
}

// jsonInner is an inner binding holding v as JSON.
func jsonInner(name, jsonText string) string {
	return workerd.NewStruct().Text("name", name).Text("json", jsonText).String()
}

// serviceInner is an inner binding to the service named service.
func serviceInner(name, service string) string {
	return workerd.NewStruct().Text("name", name).Text("service", service).String()
}

//go:embed js/email_message.js
var emailMessageSource string

// emailMessageModule gives "cloudflare:email" its EmailMessage class.
var emailMessageModule = workerd.ExtensionModule{Name: "cloudflare-internal:email", Source: emailMessageSource, Internal: true}
