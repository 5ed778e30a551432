package durable

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/dop251/goja"

	"github.com/valet-dev/valet/pkg/runtime"
)

// MissingExports returns an error naming the bound (or container) classes
// that the worker at entry does not export, as wrangler dev refuses to
// start ("You should export these objects from your entrypoint, <entry>.");
// without it the first request to such an object fails far from the cause.
// Call it once the pool is attached.
func (r *Registry) MissingExports(ctx context.Context, p *runtime.Pool, entry string) error {
	isos := p.Isolates()
	if len(isos) == 0 {
		return nil
	}
	var missing []string
	err := isos[0].Run(ctx, func(vm *goja.Runtime) error {
		for class := range r.classes {
			if _, ok := goja.AssertConstructor(isos[0].Export(class)); !ok {
				missing = append(missing, class)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("durable: check exports: %w", err)
	}
	if len(missing) == 0 {
		return nil
	}
	sort.Strings(missing)
	return fmt.Errorf("your Worker depends on the following Durable Objects, which are not exported in your entrypoint file: %s.\nYou should export these objects from your entrypoint, %s",
		strings.Join(missing, ", "), entry)
}
