package runtime

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/dop251/goja"
)

// The Web APIs are JavaScript over a few Go natives: js/*.js, concatenated
// in name order into one function(N, G) that returns the hooks Go calls.
//
//go:embed js/*.js
var preludeFS embed.FS

func compilePrelude() (*goja.Program, error) {
	names, err := fs.Glob(preludeFS, "js/*.js")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var sb strings.Builder
	sb.WriteString("(function (N, G) {\n\"use strict\";\n")
	for _, n := range names {
		b, err := preludeFS.ReadFile(n)
		if err != nil {
			return nil, err
		}
		sb.Write(b)
		sb.WriteString("\n")
	}
	sb.WriteString("})")
	prg, err := goja.Compile("valet:prelude", sb.String(), true)
	if err != nil {
		return nil, fmt.Errorf("compile the runtime prelude: %w", err)
	}
	return prg, nil
}

// installPrelude defines the Web APIs on the isolate's global object.
func (iso *Isolate) installPrelude(prg *goja.Program) error {
	vm := iso.vm
	fnv, err := vm.RunProgram(prg)
	if err != nil {
		return fmt.Errorf("run the runtime prelude: %w", err)
	}
	fn, _ := goja.AssertFunction(fnv)
	hv, err := fn(goja.Undefined(), iso.installNatives(), vm.GlobalObject())
	if err != nil {
		return fmt.Errorf("run the runtime prelude: %w", iso.asJSError(err))
	}
	h := hv.ToObject(vm)
	get := func(name string) goja.Callable {
		f, ok := goja.AssertFunction(h.Get(name))
		if !ok {
			panic("prelude hook missing: " + name)
		}
		return f
	}
	iso.hooks = hooks{
		incoming: get("incoming"), settle: get("settle"), serve: get("serve"), finish: get("finish"), pull: get("pull"), handlerFor: get("handlerFor"), runScheduled: get("runScheduled"),
		moduleMap: get("moduleMap"), fetcher: get("Fetcher"), serialize: get("serialize"),
		deserialize: get("deserialize"), formatError: get("formatError"),
		wsEvent: get("wsEvent"), wsBind: get("wsBind"),
		rpcSerialize: get("rpcSerialize"), rpcDeserialize: get("rpcDeserialize"), rpcInvoke: get("rpcInvoke"), newEntrypoint: get("newEntrypoint"), newStub: get("newStub"),
		execCtx: h.Get("ExecutionContext").ToObject(vm),
	}
	iso.u8 = vm.Get("Uint8Array")
	return nil
}
